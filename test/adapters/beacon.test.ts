import { expect, waitUntil } from '@open-wc/testing';
import { beaconAdapter } from '../../src/adapters/beacon.js';
import { AdapterError } from '../../src/adapters/types.js';
import { signRecord } from '@optimesys/privacy-records/sign';
import { deviceSigner } from '../../src/outbox/device-signer.js';
import { endpoint, unique } from '../outbox/frames.js';
import { consentSample } from '../../packages/records/test/samples.js';

describe('beaconAdapter', () => {
  it('hands the JWS to the browser as application/jose and says only that: an unconfirmed receipt', async () => {
    const bucket = unique('beacon');
    await endpoint(`reset?bucket=${bucket}`, {});
    const { jws, record } = await signRecord(consentSample(), deviceSigner());
    const receipt = await beaconAdapter({ endpoint: `/test-api/records?bucket=${bucket}` }).send(jws, record);
    expect(receipt).to.include({ recordId: record.id, status: 'unconfirmed', via: 'beacon' });
    expect('receipt' in receipt, 'no countersignature is claimed').to.equal(false);
    await waitUntil(async () => (await endpoint(`inspect?bucket=${bucket}`)).stored[record.id] === 1, 'the beacon never arrived', { timeout: 5000 });
    const { requests } = await endpoint(`inspect?bucket=${bucket}`);
    expect(requests[0].contentType).to.equal('application/jose');
  });

  it('asks for a retry when the browser will not queue the beacon (size limit, quota)', async () => {
    const { jws, record } = await signRecord(consentSample(), deviceSigner());
    const original = Object.getOwnPropertyDescriptor(Navigator.prototype, 'sendBeacon')!;
    // Browsers differ in their limits (Chromium 64 KiB, Firefox none), so play the refusal.
    Object.defineProperty(navigator, 'sendBeacon', { configurable: true, value: () => false });
    let error: unknown;
    try {
      await beaconAdapter({ endpoint: '/test-api/records?bucket=never' }).send(jws, record).catch((e) => (error = e));
    } finally {
      delete (navigator as { sendBeacon?: unknown }).sendBeacon;
    }
    expect(Navigator.prototype.sendBeacon).to.equal(original.value);
    expect(error).to.be.instanceOf(AdapterError);
    expect([(error as AdapterError).kind, (error as AdapterError).code]).to.deep.equal(['retry', 'beacon-refused']);
  });

  it('rejects an endpoint the browser refuses outright', async () => {
    const { jws, record } = await signRecord(consentSample(), deviceSigner());
    let error: unknown;
    await beaconAdapter({ endpoint: 'ftp://example.com/records' }).send(jws, record).catch((e) => (error = e));
    expect(error).to.be.instanceOf(AdapterError);
    expect((error as AdapterError).kind).to.equal('rejected');
  });
});
