import type { ReceiverEvent, RequestClosure, StoredRecord } from './store/store.js';

/** The current state of one consent purpose for one person, derived from their records and the receiver's events. */
export interface ConsentState {
  purpose: string;
  /** True only for a grant the address owner confirmed from the mailed link, not withdrawn since. */
  granted: boolean;
  /** The label the visitor saw when deciding. */
  text: string;
  /** When the deciding event took effect, on the receiver's clock (a confirmation, or a withdrawal's arrival). */
  decidedAt: string;
  recordId: string;
  kid: string;
  /** The confirmation that made a grant count. */
  confirmedAt?: string;
  /** A newer grant waits for its confirmation; until then it changes nothing. */
  pending?: boolean;
  /** That grant's record, and when its link expires. */
  pendingRecordId?: string;
  lapsesAt?: string;
  /**
   * A withdrawal the receiver recorded from a mailed link, or the owner's restoration from the
   * mailed notice of a withdrawal (`recordId` is then that event's id).
   */
  channel?: 'one-click' | 'restore';
}

interface Decision {
  purpose: string;
  granted: boolean;
  text: string;
}

/** Milliseconds since the epoch of an ISO time; compared as instants, never as text (`…:00Z` < `…:00.500Z`). */
const instant = (iso: unknown): number => {
  const t = Date.parse(String(iso));
  return Number.isNaN(t) ? -Infinity : t;
};

/** How long a confirmation link is valid: a grant not confirmed by then lapses. */
export const CONFIRM_WINDOW_MS = 7 * 86_400_000;

const confirmationOf = (events: readonly ReceiverEvent[], row: StoredRecord) =>
  events.find((e) => e.kind === 'confirmation' && e.recordId === row.id && e.recordKid === row.kid);

/**
 * The state per purpose. Only the receiver's clock orders decisions (a
 * browser's clock can be set to anything): a withdrawal counts from its
 * arrival, at once and whoever sent it; a grant counts from its confirmation
 * by the address owner and never before. So an unconfirmed grant, however
 * far ahead its `issuedAt`, never overrides a withdrawal.
 */
export function currentConsents(records: StoredRecord[], events: readonly ReceiverEvent[] = [], now = new Date()): ConsentState[] {
  type Effect = { at: number; state: ConsentState };
  const effective = new Map<string, Effect>();
  const pending = new Map<string, { at: number; lapsesAt: number; text: string; row: StoredRecord }>();
  for (const row of records.filter((r) => r.type === 'consent')) {
    const confirmation = confirmationOf(events, row);
    for (const d of (row.record.decisions as Decision[] | undefined) ?? []) {
      const base = { purpose: d.purpose, text: d.text, recordId: row.id, kid: row.kid };
      let effect: Effect | undefined;
      if (!d.granted) effect = { at: instant(row.receivedAt), state: { ...base, granted: false, decidedAt: row.receivedAt } };
      else if (confirmation) {
        effect = { at: instant(confirmation.at), state: { ...base, granted: true, decidedAt: confirmation.at, confirmedAt: confirmation.at } };
      } else {
        const at = instant(row.receivedAt);
        const lapsesAt = at + CONFIRM_WINDOW_MS;
        const seen = pending.get(d.purpose);
        if (lapsesAt > now.getTime() && (!seen || at > seen.at)) pending.set(d.purpose, { at, lapsesAt, text: d.text, row });
      }
      const current = effective.get(d.purpose);
      if (effect && (!current || effect.at >= current.at)) effective.set(d.purpose, effect);
    }
  }
  // A one-click unsubscribe: the receiver's own signed withdrawal, counted from when it arrived.
  for (const e of events.filter((x) => x.kind === 'withdrawal')) {
    const at = instant(e.at);
    for (const purpose of (e.data.purposes as string[] | undefined) ?? []) {
      const current = effective.get(purpose);
      if (current && at < current.at) continue;
      const text = current?.state.text ?? pending.get(purpose)?.text ?? purpose;
      const state: ConsentState = { purpose, granted: false, text, decidedAt: e.at, recordId: e.id, kid: String(e.data.receiverKid ?? ''), channel: 'one-click' };
      effective.set(purpose, { at, state });
    }
  }
  // The owner turned back on, from their mailbox, what a withdrawal from an unknown device turned off:
  // a grant proved by the mailbox, counted from the click like a confirmation.
  for (const e of events.filter((x) => x.kind === 'restoration')) {
    const at = instant(e.at);
    const texts = (e.data.texts as Record<string, string> | undefined) ?? {};
    for (const purpose of (e.data.purposes as string[] | undefined) ?? []) {
      const current = effective.get(purpose);
      if (current && at < current.at) continue;
      const kid = String(e.data.receiverKid ?? '');
      const state: ConsentState = { purpose, granted: true, text: texts[purpose] ?? purpose, decidedAt: e.at, confirmedAt: e.at, recordId: e.id, kid, channel: 'restore' };
      effective.set(purpose, { at, state });
    }
  }
  const purposes = new Set([...effective.keys(), ...pending.keys()]);
  return [...purposes]
    .map((purpose): ConsentState => {
      const decided = effective.get(purpose);
      const waiting = pending.get(purpose);
      const state: ConsentState = decided?.state ?? {
        purpose,
        granted: false,
        text: waiting!.text,
        decidedAt: waiting!.row.receivedAt,
        recordId: waiting!.row.id,
        kid: waiting!.row.kid,
      };
      if (waiting && (!decided || waiting.at > decided.at)) {
        return { ...state, pending: true, pendingRecordId: waiting.row.id, lapsesAt: new Date(waiting.lapsesAt).toISOString() };
      }
      return state;
    })
    .sort((a, b) => a.purpose.localeCompare(b.purpose));
}

export interface OpenRequest {
  id: string;
  /** The key that signed it: ids are unique per key. */
  kid: string;
  requestType: string;
  name: string;
  email: string;
  receivedAt: string;
  dueBy: string;
  overdue: boolean;
  daysLeft: number;
  /** Whether the requester proved the address from the mailed link. */
  identity: 'confirmed' | 'unconfirmed';
  identityConfirmedAt?: string;
}

/**
 * Data requests without a closure, overdue first, then by due date. `timeZone`: the calendar
 * "today" is counted on (the one the receipts' due dates were set on); UTC by default.
 */
export function openRequests(
  records: StoredRecord[],
  closures: RequestClosure[],
  now = new Date(),
  events: readonly ReceiverEvent[] = [],
  timeZone = 'UTC',
): OpenRequest[] {
  const closed = new Set(closures.map((c) => c.requestId));
  const today = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
  const day = 86_400_000;
  return records
    .filter((r) => r.type === 'data-request' && !closed.has(r.id))
    .map((r) => {
      const subject = r.record.subject as { name: string; email: string };
      const dueBy = r.dueBy ?? today;
      const confirmation = confirmationOf(events, r);
      return {
        id: r.id,
        kid: r.kid,
        requestType: String(r.record.requestType),
        name: subject.name,
        email: subject.email,
        receivedAt: r.receivedAt,
        dueBy,
        overdue: dueBy < today,
        daysLeft: Math.round((Date.parse(dueBy) - Date.parse(today)) / day),
        identity: confirmation ? ('confirmed' as const) : ('unconfirmed' as const),
        ...(confirmation ? { identityConfirmedAt: confirmation.at } : {}),
      };
    })
    .sort((a, b) => a.dueBy.localeCompare(b.dueBy));
}
