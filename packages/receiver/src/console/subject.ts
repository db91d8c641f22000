/**
 * One person's data as the command line's `export` and `consents` print it,
 * for both the command line and the console (the Art. 15 answer embeds the
 * very document `export` prints): records and events as their verified
 * signatures say, never as the unsigned columns say. A row that does not
 * verify is left out, one whose columns disagree is used as signed; either
 * is named through `warn` and sets `flagged`.
 */
import { auditEvent, auditRow, fromSigned, type AuditOptions, type ReceiverPublicKey } from '../cli/audit.js';
import { currentConsents, type ConsentState } from '../derive.js';
import { emailKey, type Job, type ReceiverEvent, type RecordStore, type RequestClosure, type StoredRecord } from '../store/store.js';

export type Warn = (line: string) => void;

export async function signedRows(rows: StoredRecord[], options: AuditOptions, email: string | undefined, warn: Warn) {
  const out: StoredRecord[] = [];
  let flagged = false;
  for (const row of rows) {
    const audit = await auditRow(row, options);
    const what = `record ${row.id} (kid ${row.kid})`;
    if (audit.ok) {
      out.push(fromSigned(row, audit.record, audit.kid));
      continue;
    }
    flagged = true;
    if (!audit.record) {
      warn(`${what} left out: ${audit.code}: ${audit.message}`);
      continue;
    }
    const signed = fromSigned(row, audit.record, audit.kid!);
    if (email !== undefined && signed.email !== email) {
      warn(`${what} left out: its signed record is about another address (${audit.message})`);
      continue;
    }
    warn(`${what}: ${audit.message}; its signed content is used`);
    out.push(signed);
  }
  return { rows: out, flagged };
}

export async function signedEvents(events: ReceiverEvent[], receiverKey: ReceiverPublicKey | undefined, email: string | undefined, warn: Warn) {
  const out: ReceiverEvent[] = [];
  let flagged = false;
  for (const event of events) {
    const audit = await auditEvent(event, receiverKey);
    if (audit.ok) {
      out.push(event);
      continue;
    }
    flagged = true;
    const what = `event ${event.id} (${event.kind})`;
    if (audit.code === 'signature') warn(`${what} left out: ${audit.message}`);
    else if (email !== undefined && audit.event.email !== email) warn(`${what} left out: its signed event is about another address`);
    else {
      warn(`${what}: ${audit.message}; its signed content is used`);
      out.push(audit.event);
    }
  }
  return { events: out, flagged };
}

export interface SubjectOptions {
  audit: AuditOptions;
  receiverKey: ReceiverPublicKey | undefined;
  warn: Warn;
}

/** A person's verified records and events. */
export async function subjectData(store: RecordStore, email: string, options: SubjectOptions) {
  const key = emailKey(email);
  const { rows, flagged } = await signedRows(await store.byEmail(email), options.audit, key, options.warn);
  const signed = await signedEvents(await store.events(email), options.receiverKey, key, options.warn);
  return { rows, events: signed.events, flagged: flagged || signed.flagged };
}

/** What `export --email` prints: records, the receiver's events (confirmations, console actions …), the mails sent and the closures. */
export interface SubjectExport {
  records: { record: Record<string, unknown>; receipt: Record<string, unknown>; jws: string; kid: string; receivedAt: string }[];
  events: { kind: ReceiverEvent['kind']; at: string; recordId: string | null; recordKid: string | null; data: Record<string, unknown>; jws: string }[];
  mails: { id: string; recordId: string | null; queuedAt: string; sentAt: string | null; attempts: number; gaveUpAt: string | null; lastError: string | null; message: unknown }[];
  /** The closures of the person's data requests (`close-request`, the console), with their notes. */
  closures: RequestClosure[];
}

export function exportDocument(rows: StoredRecord[], events: ReceiverEvent[], mails: Job[], closures: readonly RequestClosure[] = []): SubjectExport {
  const requests = new Set(rows.filter((r) => r.type === 'data-request').map((r) => r.id));
  return {
    records: rows.map(({ record, receipt, jws, kid, receivedAt }) => ({ record, receipt, jws, kid, receivedAt })),
    // Confirmations and other events the receiver signed, and the mails it sent: the double opt-in trail.
    events: events.map(({ kind, at, recordId, recordKid, data, jws }) => ({ kind, at, recordId, recordKid, data, jws })),
    mails: mails.map(({ id, recordId, createdAt, doneAt, attempts, gaveUpAt, lastError, payload }) => ({
      id,
      recordId,
      queuedAt: createdAt,
      sentAt: doneAt,
      attempts,
      gaveUpAt,
      lastError,
      message: (payload as { message?: unknown }).message,
    })),
    closures: closures.filter((c) => requests.has(c.requestId)).map(({ requestId, closedAt, note }) => ({ requestId, closedAt, note })),
  };
}

/** `export --email`: the document, and whether anything failed its check. */
export async function subjectExport(store: RecordStore, email: string, options: SubjectOptions): Promise<{ document: SubjectExport; flagged: boolean; rows: StoredRecord[]; events: ReceiverEvent[] }> {
  const { rows, events, flagged } = await subjectData(store, email, options);
  const requestIds = rows.filter((r) => r.type === 'data-request').map((r) => r.id);
  const [mails, closures] = await Promise.all([store.jobs({ kind: 'mail', email: emailKey(email) }), store.closuresOf(requestIds)]);
  return { document: exportDocument(rows, events, mails, closures), flagged, rows, events };
}

/** `consents --email`: the current state per purpose. */
export async function subjectConsents(store: RecordStore, email: string, options: SubjectOptions, now = new Date()): Promise<{ states: ConsentState[]; flagged: boolean; rows: StoredRecord[] }> {
  const { rows, events, flagged } = await subjectData(store, email, options);
  return { states: currentConsents(rows, events, now), flagged, rows };
}
