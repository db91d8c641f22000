import { expect } from '@open-wc/testing';
import { httpAdapter } from '../../src/adapters/http.js';
import { verifyReceipt } from '@optimesys/privacy-records/receipt';
import type { ConfirmedReceipt } from '@optimesys/privacy-records/schemas';
import { keySigner, signRecord } from '@optimesys/privacy-records/sign';
import { endpoint, unique } from '../outbox/frames.js';
import { consentSample, requestSample } from '../../packages/records/test/samples.js';

describe('verifyReceipt (in the browser, against the server JWKS)', () => {
  it('accepts the countersigned receipt of our own record, with its answer date for a data request', async () => {
    const bucket = unique('receipt');
    const { jws, record } = await signRecord(requestSample(), keySigner());
    const receipt = (await httpAdapter({ endpoint: `/test-api/records?bucket=${bucket}` }).send(jws, record)) as ConfirmedReceipt;
    expect(receipt.status).to.equal('stored');
    const checked = await verifyReceipt(receipt.receipt, await endpoint('jwks'), jws);
    expect(checked.ok, JSON.stringify(checked)).to.equal(true);
    if (!checked.ok) return;
    expect(checked.payload.recordId).to.equal(record.id);
    expect(checked.payload.dueBy).to.equal(receipt.dueBy);
    expect(receipt.dueBy).to.match(/^\d{4}-\d{2}-\d{2}$/);
  });

  it('refuses a tampered receipt, a receipt for another record, and an unknown server key', async () => {
    const bucket = unique('receipt');
    const adapter = httpAdapter({ endpoint: `/test-api/records?bucket=${bucket}` });
    const mine = await signRecord(consentSample(), keySigner());
    const other = await signRecord(consentSample(), keySigner());
    const receipt = ((await adapter.send(mine.jws, mine.record)) as ConfirmedReceipt).receipt;
    const jwks = await endpoint('jwks');
    const [header, payload, signature] = receipt.split('.') as [string, string, string];
    // A receipt that claims a later time: the payload changed, the signature did not.
    const claims = JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/')));
    const later = btoa(JSON.stringify({ ...claims, receivedAt: '2099-01-01T00:00:00.000Z' })).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
    const tampered = await verifyReceipt(`${header}.${later}.${signature}`, jwks, mine.jws);
    expect(tampered.ok === false && tampered.error.code).to.equal('bad-signature');
    const flipped = signature.replace(/^./, (c) => (c === 'A' ? 'B' : 'A'));
    expect((await verifyReceipt(`${header}.${payload}.${flipped}`, jwks, mine.jws)).ok).to.equal(false);
    const wrongRecord = await verifyReceipt(receipt, jwks, other.jws);
    expect(wrongRecord.ok === false && wrongRecord.error.code).to.equal('jws-mismatch');
    const noKey = await verifyReceipt(receipt, { keys: [] }, mine.jws);
    expect(noKey.ok === false && noKey.error.code).to.equal('unknown-key');
  });
});
