import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import { compactVerify, createLocalJWKSet } from 'jose';
import { verifyReceipt } from '@optimesys/privacy-records/receipt';
import { keySigner, signRecord } from '@optimesys/privacy-records/sign';
import { easterSunday, finnishHolidays } from '../../src/records/calendar.js';
import { createServerKey, dueDate, loadServerKey, publicJwks, signReceipt } from '../../src/index.js';
import { consentSample, requestSample } from '../../../records/test/samples.js';

const serverKey = loadServerKey(await createServerKey());
const signer = keySigner();

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

  test('a data request receipt carries the answer date: one calendar month, month ends clamped, then the next working day', async () => {
    const key = await serverKey;
    const { jws, record } = await signRecord(requestSample(), signer);
    const receipt = await signReceipt(record, jws, key, { now: new Date('2025-01-31T09:00:00Z') });
    assert.equal(receipt.dueBy, '2025-02-28');
    const checked = await verifyReceipt(receipt.receipt, publicJwks(key), jws);
    assert.ok(checked.ok && checked.payload.dueBy === '2025-02-28', 'the due date is inside the signed payload');
    const cases: [string, string, string?][] = [
      ['2024-01-31T12:00:00Z', '2024-02-29'],
      ['2025-03-31T12:00:00Z', '2025-04-30'],
      // 15 June 2025 is a Sunday.
      ['2025-05-15T00:00:00Z', '2025-06-16'],
      ['2025-12-15T23:59:59Z', '2026-01-15'],
      ['2025-08-31T12:00:00Z', '2025-09-30'],
      // 23:30 UTC on 28 Feb is already 1 March in Helsinki.
      ['2025-02-28T23:30:00Z', '2025-03-28'],
      ['2025-02-28T23:30:00Z', '2025-04-01', 'Europe/Helsinki'],
    ];
    for (const [received, due, zone] of cases) assert.equal(dueDate(new Date(received), zone), due, `${received} ${zone ?? 'UTC'}`);
  });

  test('a due date on a Finnish holiday or weekend moves to the next working day', () => {
    const cases: [string, string, string][] = [
      // Christmas Eve (Thu), Christmas Day, Boxing Day (Sat), Sunday → Monday
      ['2026-11-24T10:00:00Z', '2026-12-28', 'Christmas'],
      // Midsummer Eve 2026 is Friday 19 June
      ['2026-05-19T10:00:00Z', '2026-06-22', 'Midsummer Eve'],
      // Good Friday 3 April 2026, then the weekend and Easter Monday
      ['2026-03-03T10:00:00Z', '2026-04-07', 'Easter'],
      // Ascension Day 2026 is Thursday 14 May
      ['2026-04-14T10:00:00Z', '2026-05-15', 'Ascension Day'],
      // May Day (Fri 2026), Independence Day (Sun 2026 → Mon 7 Dec), Epiphany (Wed 2027)
      ['2026-04-01T10:00:00Z', '2026-05-04', 'May Day'],
      ['2026-11-06T10:00:00Z', '2026-12-07', 'Independence Day'],
      ['2026-12-06T10:00:00Z', '2027-01-07', 'Epiphany'],
      // an ordinary Wednesday stays
      ['2026-10-07T10:00:00Z', '2026-11-09', 'a Saturday 7 Nov → Monday'],
      ['2026-10-11T10:00:00Z', '2026-11-11', 'an ordinary Wednesday'],
    ];
    for (const [received, due, why] of cases) assert.equal(dueDate(new Date(received)), due, why);
    // Easter by the Gregorian computus, against known dates
    const easters = { 2000: '2000-04-23', 2024: '2024-03-31', 2025: '2025-04-20', 2026: '2026-04-05', 2027: '2027-03-28', 2038: '2038-04-25' };
    for (const [year, date] of Object.entries(easters)) assert.equal(easterSunday(Number(year)).toISOString().slice(0, 10), date);
    assert.deepEqual([...finnishHolidays(2026).keys()].sort(), [
      '2026-01-01', '2026-01-06', '2026-04-03', '2026-04-06', '2026-05-01', '2026-05-14',
      '2026-06-19', '2026-12-06', '2026-12-24', '2026-12-25', '2026-12-26',
    ]);
    // a site elsewhere passes its own calendar: weekends only
    const weekendsOnly = (date: string) => [0, 6].includes(new Date(`${date}T00:00:00Z`).getUTCDay());
    assert.equal(dueDate(new Date('2026-11-24T10:00:00Z'), 'UTC', weekendsOnly), '2026-12-24');
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
