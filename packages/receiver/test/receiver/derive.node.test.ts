import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { currentConsents, openRequests } from '../../src/derive.js';
import type { ReceiverEvent, StoredRecord } from '../../src/store/store.js';

let n = 0;
const uuid = () => `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`;

function consentRow(issuedAt: string, granted: boolean, receivedAt: string, kid = 'kid'): StoredRecord {
  const id = uuid();
  return {
    id,
    type: 'consent',
    email: 'a@example.fi',
    kid,
    jws: `h.${id}.s`,
    record: { id, type: 'consent', issuedAt, decisions: [{ purpose: 'newsletter', granted, text: 'Uutiskirje' }] },
    receipt: {},
    receivedAt,
    dueBy: null,
  };
}
const confirmed = (row: StoredRecord, at: string): ReceiverEvent => ({
  id: uuid(),
  kind: 'confirmation',
  key: `confirm:${row.kid}:${row.id}`,
  email: row.email,
  recordId: row.id,
  recordKid: row.kid,
  at,
  data: {},
  jws: 'x.y.z',
});
const NOW = new Date('2026-11-25T12:30:00Z');

describe('currentConsents: the receiver clock and confirmations (#11.13, #12)', () => {
  it('orders by instant: …:00Z comes before …:00.500Z', () => {
    const grant = consentRow('2026-11-25T11:00:00Z', true, '2026-11-25T12:00:00Z');
    const withdrawal = consentRow('2026-11-25T11:00:00Z', false, '2026-11-25T12:00:00.500Z');
    const events = [confirmed(grant, '2026-11-25T12:00:00Z')];
    for (const rows of [[grant, withdrawal], [withdrawal, grant]]) {
      const [state] = currentConsents(rows, events, NOW);
      assert.equal(state!.granted, false);
      assert.equal(state!.recordId, withdrawal.id);
    }
  });

  it('never counts a grant nobody confirmed, whoever signed it', () => {
    const forged = consentRow('2026-11-25T12:00:00Z', true, '2026-11-25T12:00:00Z', 'stranger-key');
    const [state] = currentConsents([forged], [], NOW);
    assert.equal(state!.granted, false);
    assert.equal(state!.pending, true);
    assert.equal(state!.pendingRecordId, forged.id);
    assert.equal(state!.lapsesAt, '2026-12-02T12:00:00.000Z');
  });

  it('keeps a withdrawal against an unconfirmed grant dated ten minutes ahead', () => {
    const confirmedGrant = consentRow('2026-11-25T10:00:00Z', true, '2026-11-25T10:00:00Z');
    const ahead = consentRow('2026-11-25T12:19:50Z', true, '2026-11-25T12:10:00Z', 'attacker');
    const withdrawal = consentRow('2026-11-25T12:12:00Z', false, '2026-11-25T12:12:00Z');
    const [state] = currentConsents([confirmedGrant, ahead, withdrawal], [confirmed(confirmedGrant, '2026-11-25T10:05:00Z')], NOW);
    assert.equal(state!.granted, false);
    assert.equal(state!.recordId, withdrawal.id);
    assert.equal(state!.pending, undefined, 'the grant came before the withdrawal: nothing newer waits');
  });

  it('counts a grant from its confirmation, and a later withdrawal at once', () => {
    const grant = consentRow('2026-11-25T10:00:00Z', true, '2026-11-25T10:00:00Z');
    const events = [confirmed(grant, '2026-11-25T10:30:00Z')];
    const [state] = currentConsents([grant], events, NOW);
    assert.deepEqual([state!.granted, state!.confirmedAt, state!.decidedAt], [true, '2026-11-25T10:30:00Z', '2026-11-25T10:30:00Z']);
    const withdrawal = consentRow('2026-11-25T09:00:00Z', false, '2026-11-25T11:00:00Z'); // a browser clock behind: arrival counts
    assert.equal(currentConsents([grant, withdrawal], events, NOW)[0]!.granted, false);
  });

  it('lets a pending grant lapse with its link', () => {
    const old = consentRow('2026-11-10T10:00:00Z', true, '2026-11-10T10:00:00Z');
    const [state] = currentConsents([old], [], NOW);
    assert.equal(state, undefined);
  });
});

describe('openRequests: identity (#12)', () => {
  it('says unconfirmed until the link is used', () => {
    const id = uuid();
    const row: StoredRecord = {
      id,
      type: 'data-request',
      email: 'a@example.fi',
      kid: 'kid',
      jws: 'h.p.s',
      record: { id, requestType: 'erasure', subject: { name: 'A', email: 'a@example.fi' } },
      receipt: {},
      receivedAt: '2026-11-25T10:00:00Z',
      dueBy: '2026-12-28',
    };
    assert.equal(openRequests([row], [], NOW)[0]!.identity, 'unconfirmed');
    const [open] = openRequests([row], [], NOW, [confirmed(row, '2026-11-25T11:00:00Z')]);
    assert.deepEqual([open!.identity, open!.identityConfirmedAt, open!.dueBy], ['confirmed', '2026-11-25T11:00:00Z', '2026-12-28']);
  });
});
