import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { currentConsents } from '../../src/server/receiver/derive.js';
import type { StoredRecord } from '../../src/server/receiver/store.js';

function consentRow(id: string, issuedAt: string, granted: boolean, receivedAt = '2026-11-25T12:01:00.000Z'): StoredRecord {
  return {
    id,
    type: 'consent',
    email: 'a@example.fi',
    kid: 'kid',
    jws: `h.${id}.s`,
    record: { id, type: 'consent', issuedAt, decisions: [{ purpose: 'newsletter', granted, text: 'Uutiskirje' }] },
    receipt: {},
    receivedAt,
    dueBy: null,
  };
}

describe('currentConsents (#11.13)', () => {
  it('orders by instant: …:00Z comes before …:00.500Z', () => {
    const first = consentRow('11111111-1111-4111-8111-111111111111', '2026-11-25T12:00:00Z', true);
    const later = consentRow('22222222-2222-4222-8222-222222222222', '2026-11-25T12:00:00.500Z', false);
    for (const rows of [[first, later], [later, first]]) {
      const [state] = currentConsents(rows);
      assert.equal(state!.granted, false);
      assert.equal(state!.recordId, later.id);
    }
  });

  it('breaks a tie of issuedAt by the instant of arrival', () => {
    const a = consentRow('11111111-1111-4111-8111-111111111111', '2026-11-25T12:00:00Z', true, '2026-11-25T12:00:01Z');
    const b = consentRow('22222222-2222-4222-8222-222222222222', '2026-11-25T12:00:00.000Z', false, '2026-11-25T12:00:00.900Z');
    assert.equal(currentConsents([a, b])[0]!.recordId, a.id);
    assert.equal(currentConsents([b, a])[0]!.recordId, a.id);
  });
});
