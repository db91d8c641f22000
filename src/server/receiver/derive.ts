import type { RequestClosure, StoredRecord } from './store.js';

/** The current state of one consent purpose for one person, derived from their records. */
export interface ConsentState {
  purpose: string;
  granted: boolean;
  /** The label the visitor saw when deciding. */
  text: string;
  decidedAt: string;
  recordId: string;
  kid: string;
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

/** Latest decision per purpose, by the time the visitor's browser issued it (then by arrival). */
export function currentConsents(records: StoredRecord[]): ConsentState[] {
  const latest = new Map<string, ConsentState>();
  const consents = records
    .filter((r) => r.type === 'consent')
    .sort((a, b) => instant(a.record.issuedAt) - instant(b.record.issuedAt) || instant(a.receivedAt) - instant(b.receivedAt));
  for (const row of consents) {
    for (const d of (row.record.decisions as Decision[] | undefined) ?? []) {
      latest.set(d.purpose, {
        purpose: d.purpose,
        granted: d.granted,
        text: d.text,
        decidedAt: String(row.record.issuedAt),
        recordId: row.id,
        kid: row.kid,
      });
    }
  }
  return [...latest.values()].sort((a, b) => a.purpose.localeCompare(b.purpose));
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
}

/** Data requests without a closure, overdue first, then by due date. */
export function openRequests(records: StoredRecord[], closures: RequestClosure[], now = new Date()): OpenRequest[] {
  const closed = new Set(closures.map((c) => c.requestId));
  const today = now.toISOString().slice(0, 10);
  const day = 86_400_000;
  return records
    .filter((r) => r.type === 'data-request' && !closed.has(r.id))
    .map((r) => {
      const subject = r.record.subject as { name: string; email: string };
      const dueBy = r.dueBy ?? today;
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
      };
    })
    .sort((a, b) => a.dueBy.localeCompare(b.dueBy));
}
