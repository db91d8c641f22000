import { expect } from '@open-wc/testing';
import { memoryAdapter } from '../../src/adapters/memory.js';
import { AdapterError } from '../../src/adapters/types.js';
import { signRecord } from '@optimesys/privacy-records/sign';
import { deviceSigner } from '../../src/outbox/device-signer.js';
import { consentSample } from '../../packages/records/test/samples.js';

describe('memoryAdapter', () => {
  it('keeps what it receives, fails and rejects on demand, and knows a resend', async () => {
    const adapter = memoryAdapter();
    const { jws, record } = await signRecord(consentSample(), deviceSigner());
    adapter.failNext(1, 503);
    adapter.rejectNext(1, 'conflict');
    const errors: AdapterError[] = [];
    await adapter.send(jws, record).catch((e: AdapterError) => errors.push(e));
    await adapter.send(jws, record).catch((e: AdapterError) => errors.push(e));
    expect(errors.map((e) => [e.kind, e.code, e.status])).to.deep.equal([
      ['retry', 'http-503', 503],
      ['rejected', 'conflict', 400],
    ]);
    expect((await adapter.send(jws, record)).status).to.equal('stored');
    expect((await adapter.send(jws, record)).status).to.equal('duplicate');
    expect(adapter.received.map((r) => r.record.id)).to.deep.equal([record.id, record.id]);
  });
});
