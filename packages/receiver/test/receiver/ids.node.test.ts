// #10: a record is its payload under its signer's key, not one signature string, and an id
// belongs to the key that signed it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { verifyReceipt, type Jwks } from '@optimesys/privacy-records/receipt';
import { createReceiver, type Receiver } from '../../src/receiver.js';
import { consentRecord, signRaw, signed, tempDir } from './helpers.js';

// P-256 group order: (r, n − s) verifies as well as (r, s) (ECDSA malleability).
const N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

function malleate(jws: string): string {
  const [header, payload, signature] = jws.split('.') as [string, string, string];
  const bytes = Buffer.from(signature, 'base64url');
  const s = BigInt(`0x${bytes.subarray(32).toString('hex')}`);
  const flipped = Buffer.from((N - s).toString(16).padStart(64, '0'), 'hex');
  return `${header}.${payload}.${Buffer.concat([bytes.subarray(0, 32), flipped]).toString('base64url')}`;
}

describe('receiver: records are payloads bound to their key (#10)', () => {
  let receiver: Receiver;
  before(async () => {
    receiver = await createReceiver({ dataDir: tempDir(), rateLimit: false, mail: false });
  });
  after(() => receiver.close());

  const post = (body: string) =>
    receiver.fetch(new Request('http://127.0.0.1/api/records', { method: 'POST', headers: { 'content-type': 'application/jose' }, body }));

  it('answers the malleated copy of a signature posted first, then the genuine record, with one stored record and one receipt', async () => {
    const { jws, record } = await signed(consentRecord());
    const copy = malleate(jws);
    assert.notEqual(copy, jws);
    const first = await post(copy);
    assert.equal(first.status, 201, 'the copy verifies: it is the same record');
    const genuine = await post(jws);
    assert.equal(genuine.status, 200, 'the genuine record is not refused');
    const a = (await first.json()) as { receipt: string; receivedAt: string };
    const b = (await genuine.json()) as { receipt: string; receivedAt: string; status: string };
    assert.equal(b.status, 'duplicate');
    assert.equal(b.receivedAt, a.receivedAt, 'received once, at the first arrival');
    // Each client's receipt countersigns exactly the JWS it sent, so its own check passes.
    const jwks = await (await receiver.fetch(new Request('http://127.0.0.1/.well-known/jwks.json'))).json();
    assert.equal((await verifyReceipt(b.receipt, jwks as Jwks, jws)).ok, true);
    assert.equal((await verifyReceipt(a.receipt, jwks as Jwks, copy)).ok, true);
    assert.equal((await receiver.store.byEmail(record.subject.email)).length, 1);
  });

  it('lets no other key take a record id: the genuine record is stored although its id was posted first', async () => {
    const genuine = await signed(consentRecord());
    // Someone who saw the id (it travels in a host form as consent-record-id) posts it first under their own key.
    const squatter = await signRaw({ ...consentRecord('attacker@example.com'), id: genuine.record.id, signer: { persistent: true } });
    assert.equal((await post(squatter)).status, 201);
    const response = await post(genuine.jws);
    assert.equal(response.status, 201);
    const rows = await receiver.store.byId(genuine.record.id);
    assert.deepEqual(rows.map((r) => r.jws), [squatter, genuine.jws], 'two keys, two records');
    assert.deepEqual((await receiver.store.byEmail(genuine.record.subject.email)).filter((r) => r.id === genuine.record.id).map((r) => r.jws), [genuine.jws]);
  });

  it('still refuses other content under the same id from the same key with 409', async () => {
    const original = consentRecord();
    await post((await signed(original)).jws);
    const changed = await signed({ ...original, decisions: [{ ...original.decisions[0]!, granted: false }] });
    assert.equal((await post(changed.jws)).status, 409);
  });
});
