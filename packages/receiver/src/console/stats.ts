/**
 * Consents per purpose, now and week by week: how many addresses have it
 * granted (confirmed by the mailbox, not withdrawn since), how many have a
 * grant waiting for its confirmation, how many withdrew it. Each address's
 * state is `currentConsents` (derive.ts), the same as `consents --email`,
 * taken at the end of each week from what had arrived by then.
 */
import { currentConsents, type ConsentState } from '../derive.js';
import type { ReceiverEvent, StoredRecord } from '../store/store.js';
import type { ConsentStats, PurposeCounts, WeekCounts } from './types.js';

const DAY = 86_400_000;
const WEEK = 7 * DAY;

const instant = (iso: string) => {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? Number.POSITIVE_INFINITY : t;
};

/** Monday 00:00 UTC of the ISO week `t` falls in. */
function weekStart(t: number): number {
  const day = new Date(t);
  const midnight = Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate());
  return midnight - ((day.getUTCDay() + 6) % 7) * DAY;
}

/** `YYYY-Www` of the ISO week starting on `monday` (its Thursday decides the year). */
function isoWeek(monday: number): string {
  const thursday = new Date(monday + 3 * DAY);
  const year = thursday.getUTCFullYear();
  const week = Math.floor((thursday.getTime() - Date.UTC(year, 0, 1)) / WEEK) + 1;
  return `${year}-W${String(week).padStart(2, '0')}`;
}

type Tally = Omit<PurposeCounts, 'label'>;

function tally(states: readonly ConsentState[][]): Map<string, Tally> {
  const counts = new Map<string, Tally>();
  for (const person of states) {
    for (const state of person) {
      let count = counts.get(state.purpose);
      if (!count) counts.set(state.purpose, (count = { purpose: state.purpose, granted: 0, pending: 0, withdrawn: 0 }));
      // One address counts once per purpose: granted wins (a newer grant may wait beside it), then waiting, else withdrawn.
      if (state.granted) count.granted++;
      else if (state.pending) count.pending++;
      else count.withdrawn++;
    }
  }
  return counts;
}

export function consentStats(
  records: readonly StoredRecord[],
  events: readonly ReceiverEvent[],
  now: Date,
  label: (purpose: string) => string,
  /** The weeks the evolution covers at most, the current one included. */
  maxWeeks = 26,
): ConsentStats {
  const people = new Map<string, { rows: StoredRecord[]; events: ReceiverEvent[] }>();
  for (const row of records) {
    if (row.type !== 'consent') continue;
    let person = people.get(row.email);
    if (!person) people.set(row.email, (person = { rows: [], events: [] }));
    person.rows.push(row);
  }
  for (const event of events) people.get(event.email)?.events.push(event);

  const at = now.getTime();
  const statesAt = (end: number) =>
    [...people.values()].map((p) =>
      currentConsents(
        p.rows.filter((r) => instant(r.receivedAt) < end),
        p.events.filter((e) => instant(e.at) < end),
        new Date(end - 1),
      ),
    );
  const totals = tally(statesAt(at + 1));
  const purposes = [...totals.values()].sort((a, b) => a.purpose.localeCompare(b.purpose)).map((t) => ({ ...t, label: label(t.purpose) }));

  const weeks: WeekCounts[] = [];
  const first = Math.min(...records.filter((r) => r.type === 'consent').map((r) => instant(r.receivedAt)));
  if (Number.isFinite(first)) {
    const current = weekStart(at);
    for (let monday = Math.max(weekStart(first), current - (maxWeeks - 1) * WEEK); monday <= current; monday += WEEK) {
      const counts = tally(statesAt(Math.min(monday + WEEK, at + 1)));
      const start = new Date(monday).toISOString().slice(0, 10);
      for (const { purpose } of purposes) {
        const count = counts.get(purpose) ?? { granted: 0, pending: 0, withdrawn: 0 };
        weeks.push({ week: isoWeek(monday), start, purpose, granted: count.granted, pending: count.pending, withdrawn: count.withdrawn });
      }
    }
  }
  return { purposes, weeks };
}
