/**
 * The console's view of data requests: the rows of its list (due date, days
 * left, overdue, identity confirmed from the mailed link or verified by
 * other means, closed and by whom) and a subject's whole trail. The due-date
 * arithmetic is `openRequests` (derive.ts), the command line's own, on the
 * receipts' Finnish calendar; what it leaves out (closed requests, the
 * console's own actions) is added here.
 *
 * Everything a visitor typed stays data: it leaves as JSON strings, and the
 * front end renders it as text.
 */
import { openRequests } from '../derive.js';
import { localDay } from '../records/calendar.js';
import { interpolate, type MailLocale } from '../mail/layout.js';
import type { Job, ReceiverEvent, RecordStore, RequestClosure, StoredRecord } from '../store/store.js';
import { RECEIVER_TIME_ZONE } from './calendar.js';
import { actionOf, type ConsoleAction } from './audit-log.js';
import { CONSOLE_STRINGS, requestTypeLabel } from './mail.js';
import type { RequestList, RequestRow, StatusFilter, TrailEntry } from './types.js';

const instant = (iso: string) => {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? Number.POSITIVE_INFINITY : t;
};

/** The latest console event of `action` about one request (by id; with `kid`, that key's request only). */
const lastAction = (events: readonly ReceiverEvent[], action: ConsoleAction, id: string, kid?: string) =>
  events.filter((e) => actionOf(e) === action && e.recordId === id && (kid === undefined || e.recordKid === kid)).at(-1);

/**
 * Every data request with its state on `now`'s Finnish day: open ones first (overdue first, then
 * by due date), then closed ones, most recently closed first.
 */
export function requestRows(rows: readonly StoredRecord[], closures: readonly RequestClosure[], events: readonly ReceiverEvent[], now: Date): { today: string; rows: RequestRow[] } {
  // `openRequests` without closures derives every request; its order is by due date.
  const derived = openRequests([...rows], [], now, events, RECEIVER_TIME_ZONE);
  const today = localDay(now);
  const stored = new Map(rows.map((r) => [`${r.kid} ${r.id}`, r]));
  const closedBy = new Map<string, RequestClosure>();
  // Closures are appended; the first one closed the request.
  for (const closure of closures) if (!closedBy.has(closure.requestId)) closedBy.set(closure.requestId, closure);
  const out = derived.map((d): RequestRow => {
    const row = stored.get(`${d.kid} ${d.id}`);
    const closure = closedBy.get(d.id);
    const verified = lastAction(events, 'verify-identity', d.id, d.kid);
    const closeEvent = closure && lastAction(events, 'close', d.id);
    return {
      id: d.id,
      kid: d.kid,
      requestType: d.requestType,
      name: d.name,
      email: d.email,
      locale: String(row?.record.locale ?? ''),
      receivedAt: d.receivedAt,
      dueBy: d.dueBy,
      daysLeft: d.daysLeft,
      // A request answered in time or late is no longer overdue: it is closed.
      overdue: closure ? false : d.overdue,
      identity: d.identity,
      ...(d.identityConfirmedAt ? { identityConfirmedAt: d.identityConfirmedAt } : {}),
      ...(verified ? { identityVerified: { how: String(verified.data.how ?? ''), by: String(verified.data.by ?? ''), at: verified.at } } : {}),
      status: closure ? 'closed' : 'open',
      ...(closure ? { closedAt: closure.closedAt } : {}),
      ...(closeEvent ? { closedBy: String(closeEvent.data.by ?? '') } : {}),
    };
  });
  const open = out.filter((r) => r.status === 'open');
  const closed = out.filter((r) => r.status === 'closed').sort((a, b) => instant(b.closedAt!) - instant(a.closedAt!));
  return { today, rows: [...open, ...closed] };
}

/** The longest page the list gives at once. */
export const MAX_PAGE = 500;

/**
 * One page of the requests list, read by index: the page's rows in the list's order (the store's
 * `requestPage`), then only their closures and the events about them, so that a page costs the same
 * whether the store holds a hundred requests or ten thousand.
 */
export async function requestList(store: RecordStore, status: StatusFilter, now: Date, offset = 0, limit = 100): Promise<RequestList> {
  const today = localDay(now);
  const { rows, counts } = await store.requestPage({ status, today, offset, limit: Math.min(limit, MAX_PAGE) });
  const ids = [...new Set(rows.map((r) => r.id))];
  const [closures, events] = await Promise.all([store.closuresOf(ids), store.eventsAbout(ids)]);
  const total = status === 'all' ? counts.open + counts.closed : counts[status];
  return { today, requests: requestRows(rows, closures, events, now).rows, total, offset, counts };
}

/** What a job's outcome says, for the trail. */
const jobState = (job: Job) => ({
  queuedAt: job.createdAt,
  attempts: job.attempts,
  ...(job.doneAt ? { sentAt: job.doneAt } : {}),
  ...(job.gaveUpAt ? { gaveUpAt: job.gaveUpAt } : {}),
  ...(job.lastError ? { lastError: job.lastError } : {}),
});

/** The console actions a subject's trail shows (sign-ins are about the staff, not about requests). */
const TRAIL_ACTIONS: ReadonlySet<ConsoleAction> = new Set(['close', 'verify-identity', 'message', 'answer', 'lookup']);

/**
 * A subject's whole trail, in time order: every record about the address (what it said, where
 * from) and its receipt, the mails sent to it (subject, text, when sent; sent mails' link tokens
 * are redacted in the store), confirmations, withdrawals, restorations, webhook deliveries,
 * closures and the console's actions. Summaries in `locale`, the console's language.
 */
export async function subjectTrail(store: RecordStore, email: string, locale: MailLocale): Promise<TrailEntry[]> {
  const s = CONSOLE_STRINGS[locale].trail;
  const [records, events, mails, hooks] = await Promise.all([
    store.byEmail(email),
    store.events(email),
    store.jobs({ kind: 'mail', email }),
    store.jobs({ kind: 'webhook', email }),
  ]);
  const trail: TrailEntry[] = [];
  const requestIds = new Set<string>();
  for (const row of records) {
    const request = row.type === 'data-request';
    if (request) requestIds.add(row.id);
    trail.push({
      at: row.receivedAt,
      kind: 'record',
      summary: request ? interpolate(s.request, { type: requestTypeLabel(String(row.record.requestType), locale) }) : s.consent,
      detail: { id: row.id, kid: row.kid, record: row.record },
    });
    const receipt = row.receipt as { receipt?: unknown; dueBy?: unknown };
    trail.push({
      at: row.receivedAt,
      kind: 'receipt',
      summary: s.receipt,
      detail: { recordId: row.id, receivedAt: row.receivedAt, ...(receipt.dueBy ? { dueBy: receipt.dueBy } : {}), receipt: receipt.receipt },
    });
  }
  for (const job of mails) {
    const message = (job.payload as { message?: { to?: string; subject?: string; text?: string } }).message ?? {};
    trail.push({
      at: job.createdAt,
      kind: 'mail',
      summary: interpolate(s.mail, { subject: String(message.subject ?? '') }),
      detail: { to: message.to, subject: message.subject, text: message.text, ...jobState(job), ...(job.recordId ? { recordId: job.recordId } : {}) },
    });
  }
  for (const event of events) {
    const action = actionOf(event);
    if (event.kind === 'console') {
      if (!action || !TRAIL_ACTIONS.has(action)) continue;
      const data = event.data;
      const note = data.note ?? data.how ?? data.subject;
      trail.push({
        at: event.at,
        kind: 'action',
        summary: interpolate(s.actions[action], { template: String(data.subject ?? data.template ?? '') }),
        detail: {
          who: data.by,
          what: action,
          ...(note !== undefined ? { note } : {}),
          ...(data.template ? { template: data.template } : {}),
          ...(event.recordId ? { recordId: event.recordId } : {}),
        },
      });
      continue;
    }
    trail.push({ at: event.at, kind: event.kind, summary: s[event.kind], detail: event.data });
  }
  for (const job of hooks) {
    const payload = job.payload as { endpoint?: string; type?: string; messageId?: string };
    const outcome = job.doneAt ? s.delivered : job.gaveUpAt ? s.gaveUp : s.waiting;
    trail.push({
      at: job.doneAt ?? job.gaveUpAt ?? job.createdAt,
      kind: 'webhook',
      summary: interpolate(s.webhook, { type: String(payload.type ?? ''), endpoint: String(payload.endpoint ?? ''), outcome }),
      detail: {
        endpoint: payload.endpoint,
        type: payload.type,
        messageId: payload.messageId,
        ...(job.recordId ? { recordId: job.recordId } : {}),
        ...jobState(job),
        ...(job.result ? { result: job.result } : {}),
      },
    });
  }
  for (const closure of await store.closuresOf([...requestIds])) {
    trail.push({ at: closure.closedAt, kind: 'closure', summary: s.closure, detail: { requestId: closure.requestId, note: closure.note } });
  }
  // Stable: entries at the same instant keep the order above (a record before its receipt).
  return trail.map((entry, index) => ({ entry, index })).sort((a, b) => instant(a.entry.at) - instant(b.entry.at) || a.index - b.index).map(({ entry }) => entry);
}
