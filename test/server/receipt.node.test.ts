import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import { compactVerify, createLocalJWKSet } from 'jose';
import { verifyReceipt } from '../../src/records/receipt.js';
import { deviceSigner, signRecord } from '../../src/records/sign.js';
import { createServerKey, dueDate, loadServerKey, publicJwks, signReceipt } from '../../src/server/index.js';
import { consentSample, requestSample } from '../records/samples.js';

const serverKey = loadServerKey(await createServerKey());
const signer = deviceSigner({ indexedDB: null });

describe('receipts', () => {
  test('a receipt names the record and the SHA-256 of exactly the JWS received, and jose verifies it against the JWKS', async () => {
    const key = await serverKey;
    const { jws, record } = await signRecord(consentSample(), signer);
    const receipt = await signReceipt(record, jws, key, { now: new Date('2026-11-25T10:00:00.000Z') });
    assert.equal(receipt.recordId, record.id);
    assert.equal(receipt.status, 'stored');
    assert.equal(receipt.dueBy, undefined, 'consent has no statutory answer date');
    const { payload, protectedHeader } = await compactVerify(receipt.receipt, createLocalJWKSet(publicJwks(key)));
    assert.equal(protectedHeader.kid, key.kid);
    assert.deepEqual(JSON.parse(new TextDecoder().decode(payload)), {
      recordId: record.id,
      jwsSha256: createHash('sha256').update(jws).digest('hex'),
      receivedAt: '2026-11-25T10:00:00.000Z',
    });
    const checked = await verifyReceipt(receipt.receipt, publicJwks(key), jws);
    assert.ok(checked.ok && checked.kid === key.kid && checked.payload.recordId === record.id);
  });

  test('verifyReceipt refuses a receipt for another JWS, a tampered one, and one from an unknown key', async () => {
    const key = await serverKey;
    const other = await loadServerKey(await createServerKey());
    const { jws, record } = await signRecord(consentSample(), signer);
    const { receipt } = await signReceipt(record, jws, key);
    const jwks = publicJwks(key);
    const mismatch = await verifyReceipt(receipt, jwks, jws.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')));
    assert.ok(!mismatch.ok && mismatch.error.code === 'jws-mismatch');
    for (let i = 0; i < receipt.length; i++) {
      if (receipt[i] === '.') continue;
      const changed = receipt.slice(0, i) + (receipt[i] === 'A' ? 'B' : 'A') + receipt.slice(i + 1);
      const result = await verifyReceipt(changed, jwks, jws);
      assert.equal(result.ok, false, `change at ${i} accepted`);
    }
    const unknown = await verifyReceipt((await signReceipt(record, jws, other)).receipt, jwks, jws);
    assert.ok(!unknown.ok && unknown.error.code === 'unknown-key');
    // Another server key published under our kid: the signature gives it away.
    const impostor = { keys: [{ ...other.publicJwk, kid: key.kid }] };
    const forged = await verifyReceipt(receipt, impostor, jws);
    assert.ok(!forged.ok && forged.error.code === 'bad-signature');
    assert.ok(!(await verifyReceipt('not a jws', jwks)).ok);
  });

  test('a data request receipt carries the answer date: one calendar month, month ends clamped', async () => {
    const key = await serverKey;
    const { jws, record } = await signRecord(requestSample(), signer);
    const receipt = await signReceipt(record, jws, key, { now: new Date('2025-01-31T09:00:00Z') });
    assert.equal(receipt.dueBy, '2025-02-28');
    const checked = await verifyReceipt(receipt.receipt, publicJwks(key), jws);
    assert.ok(checked.ok && checked.payload.dueBy === '2025-02-28', 'the due date is inside the signed payload');
    const cases: [string, string, string?][] = [
      ['2024-01-31T12:00:00Z', '2024-02-29'],
      ['2025-03-31T12:00:00Z', '2025-04-30'],
      ['2025-05-15T00:00:00Z', '2025-06-15'],
      ['2025-12-15T23:59:59Z', '2026-01-15'],
      ['2025-08-31T12:00:00Z', '2025-09-30'],
      // 23:30 UTC on 28 Feb is already 1 March in Helsinki.
      ['2025-02-28T23:30:00Z', '2025-03-28'],
      ['2025-02-28T23:30:00Z', '2025-04-01', 'Europe/Helsinki'],
    ];
    for (const [received, due, zone] of cases) assert.equal(dueDate(new Date(received), zone), due, `${received} ${zone ?? 'UTC'}`);
  });

  test('server keys: a persisted JWK loads back to the same kid; a public key cannot sign', async () => {
    const jwk = await createServerKey();
    const loaded = await loadServerKey(JSON.parse(JSON.stringify(jwk)));
    assert.equal(loaded.kid, jwk.kid);
    assert.equal(publicJwks(loaded).keys[0]!.kid, jwk.kid);
    assert.equal('d' in publicJwks(loaded).keys[0]!, false, 'the JWKS never publishes the private part');
    const { d: _d, ...publicOnly } = jwk;
    await assert.rejects(loadServerKey(publicOnly));
  });
});
