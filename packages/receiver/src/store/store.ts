/**
 * Append-only storage of verified records. A store never updates or deletes
 * a record; everything else (current consent, open requests) is derived.
 */
import { normalizeEmail } from '@optimesys/privacy-records/create';

export interface StoredRecord {
  id: string;
  type: 'consent' | 'data-request';
  /** The subject's e-mail as `emailKey` makes it, for look-ups by person. */
  email: string;
  /** Thumbprint of the key that signed the record (the visitor's browser). */
  kid: string;
  /** The client's JWS exactly as received. */
  jws: string;
  /** The record (the JWS payload), parsed. */
  record: Record<string, unknown>;
  /** The countersigned receipt returned to the client. */
  receipt: Record<string, unknown>;
  /** ISO 8601 UTC time the receiver accepted the record. */
  receivedAt: string;
  /** Statutory answer date of a data request (ISO date), else null. */
  dueBy: string | null;
}

/** A data request marked as answered; appended, never changed. */
export interface RequestClosure {
  requestId: string;
  closedAt: string;
  note: string;
}

export type PutResult =
  | { status: 'stored'; row: StoredRecord }
  | { status: 'duplicate'; row: StoredRecord }
  | { status: 'conflict'; row: StoredRecord };

/**
 * Work the receiver does after a commit (a mail, a webhook message), queued in
 * the same transaction as what caused it, so a crash delays it and never loses it.
 */
export interface NewJob {
  kind: 'mail' | 'webhook';
  /** The message itself (a mail, a webhook body and its endpoint). */
  payload: Record<string, unknown>;
  /** The person it is about (`emailKey`), for export. */
  email?: string;
  recordId?: string;
  /**
   * Counted against caps that protect other people: queued only while, for
   * every cap, fewer than `max` jobs with its key were queued in the last
   * `windowMs`, counted in the store (so across processes and instances). A
   * job that any cap refuses is dropped; it then counts against none.
   */
  caps?: readonly MailCapCount[];
}

/** One allowance a mail counts against (a mailbox, a client, a device key), by an opaque key. */
export interface MailCapCount {
  key: string;
  max: number;
  windowMs: number;
}

/** A queued job as the queue keeps it: one delivery attempt is leased at a time. */
export interface Job {
  id: string;
  kind: NewJob['kind'];
  payload: Record<string, unknown>;
  email: string | null;
  recordId: string | null;
  createdAt: string;
  attempts: number;
  nextAttemptAt: string;
  doneAt: string | null;
  result: string | null;
  lastError: string | null;
  gaveUpAt: string | null;
}

/**
 * The queue's contract: `claim` picks due, unleased, unfinished jobs of one kind,
 * oldest due first, and leases them until `leaseUntil` (two processes never get
 * the same job; a process that dies leaves the lease to run out, so a job runs
 * once more at most); `done`/`failed`/`gaveUp` report one attempt and clear the lease.
 */
export interface JobQueue {
  claimJobs(kind: NewJob['kind'], now: Date, limit: number, leaseUntil: Date): Promise<Job[]>;
  /**
   * Moves the lease of those of `ids` whose lease is still exactly `leasedUntil` (the value the
   * caller's claim or last renewal set: nobody has claimed them since, none is done) to `until`, in
   * one statement; `until` null releases them, due again at once with no attempt counted. Returns
   * the ids it moved: a job missing from the answer is no longer the caller's to send.
   */
  renewJobLeases(ids: readonly string[], leasedUntil: Date, until: Date | null): Promise<string[]>;
  /**
   * `lazy`: the store may write the outcome with its next commit, a few ms later, rather than with
   * a commit of its own (`jobs()` writes such outcomes before it reads). A crash before then sends the job once more.
   * `payload`, when given, replaces the job's payload (a sent mail kept with its link tokens redacted).
   */
  jobDone(id: string, at: Date, result: string, lazy?: boolean, payload?: Record<string, unknown>): Promise<void>;
  jobFailed(id: string, nextAttemptAt: Date, error: string, lazy?: boolean): Promise<void>;
  jobGaveUp(id: string, at: Date, error: string, lazy?: boolean): Promise<void>;
  /** Puts a given-up job back in the queue, due now (`webhooks --retry`). */
  retryJob(id: string, now: Date): Promise<boolean>;
  jobs(filter: { kind?: NewJob['kind']; email?: string; recordId?: string; gaveUp?: boolean }): Promise<Job[]>;
}

/**
 * Something the receiver itself attests about a record or an address (a
 * confirmation from a mailed link, a one-click withdrawal, a restoration of
 * what a withdrawal from an unknown device turned off), signed by the
 * receiver and appended, never changed. `key` makes it happen at most once.
 */
export interface ReceiverEvent {
  id: string;
  /** `console`: an action of the privacy office's console (console/events.ts). */
  kind: 'confirmation' | 'withdrawal' | 'restoration' | 'console';
  /** At most one event per key: `confirm:<kid>:<recordId>`, … */
  key: string;
  email: string;
  recordId: string | null;
  recordKid: string | null;
  /** ISO 8601 UTC, the receiver's clock. */
  at: string;
  data: Record<string, unknown>;
  /** The receiver's JWS over the event. */
  jws: string;
}

/** Which data requests, and which page of them. `today`: `YYYY-MM-DD`, the day a due date passes on. */
export interface RequestView {
  status: 'open' | 'overdue' | 'closed' | 'all';
  today: string;
  offset: number;
  limit: number;
}

export interface RequestCounts {
  open: number;
  /** Of the open ones. */
  overdue: number;
  closed: number;
}

/**
 * A record is identified by its signing key and its id together, `(kid, id)`:
 * ids are chosen by browsers, so another key using the same id is another
 * record (another row), never a conflict for the first one.
 */
export interface RecordStore extends JobQueue {
  /**
   * Stores a new record. The same `(kid, id)` again returns the stored row:
   * `duplicate` when the JWS payload segment is the same (whatever the
   * signature: ECDSA signatures are malleable and a retry may be re-signed),
   * `conflict` when the payload differs. The stored `email` is `emailKey(row.email)`.
   * `jobs` are queued in the same transaction, only when the record is new.
   */
  put(row: StoredRecord, jobs?: readonly NewJob[]): Promise<PutResult>;
  /** Queues jobs that no record or event causes (a mailed preference link), caps applied, in one transaction. */
  queueJobs(jobs: readonly NewJob[]): Promise<void>;
  /** Appends an event unless one with its key exists (`duplicate`, with the stored one); `jobs` as for `put`. */
  addEvent(event: ReceiverEvent, jobs?: readonly NewJob[]): Promise<{ status: 'stored' | 'duplicate'; event: ReceiverEvent }>;
  /** Events about one person (`emailKey`), oldest first. */
  events(email: string): Promise<ReceiverEvent[]>;
  /** The event with this key, if any. */
  event(key: string): Promise<ReceiverEvent | undefined>;
  /** Every event, oldest first (for re-verification). */
  allEvents(): AsyncIterable<ReceiverEvent>;
  /** The record with this id signed by `kid`; without `kid`, the first stored record with this id (see `byId`). */
  get(id: string, kid?: string): Promise<StoredRecord | undefined>;
  /** Every record with this id, whatever key signed it, oldest first (usually one). */
  byId(id: string): Promise<StoredRecord[]>;
  /** Every record about one person (the address goes through `emailKey`), oldest first. */
  byEmail(email: string): Promise<StoredRecord[]>;
  /** Every record, oldest first (for re-verification and export). */
  all(): AsyncIterable<StoredRecord>;
  count(): Promise<number>;
  /**
   * The thumbprint of the receiver key this database belongs to: the first `kid` ever bound is kept
   * and returned; a receiver whose key differs must not run on it (its links and caps would not agree).
   */
  bindKey(kid: string): Promise<string>;
  /** Appends a closure; `jobs` (the `request.closed` webhook) are queued in the same transaction. */
  closeRequest(closure: RequestClosure, jobs?: readonly NewJob[]): Promise<void>;
  closures(): Promise<RequestClosure[]>;
  /** The closures of these requests (by id), oldest first. */
  closuresOf(requestIds: readonly string[]): Promise<RequestClosure[]>;
  /** The events about these records (by id, whatever key), oldest first. */
  eventsAbout(recordIds: readonly string[]): Promise<ReceiverEvent[]>;
  /** Every record of one type, oldest first, read by index a page at a time. */
  recordsOfType(type: StoredRecord['type']): AsyncIterable<StoredRecord>;
  /**
   * One page of data requests in the console's order, read by index: open ones by due date (overdue
   * first; `overdue`: only those due before `today`), then by arrival; closed ones most recently
   * closed first; `all`: the open ones, then the closed ones. With how many there are of each.
   */
  requestPage(view: RequestView): Promise<{ rows: StoredRecord[]; counts: RequestCounts }>;
  /**
   * Resolves when the store can read and durably write right now; rejects
   * (with the database's error) when it cannot, e.g. a corrupt file, a full
   * or read-only disk, a database that is down. Cheap enough for every health probe.
   */
  check(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The form of an address that stored rows and look-ups share: the package's
 * own `normalizeEmail` (trimmed, internationalized domain in ASCII form, as
 * records hold it), then lower-cased so that look-ups ignore case as before.
 */
export function emailKey(email: string): string {
  return normalizeEmail(email).toLowerCase();
}

/** The payload segment of a compact JWS: what the signature covers besides the (key-determined) header. */
export const payloadSegment = (jws: string): string => jws.split('.')[1] ?? '';

/** Same `(kid, id)` and the same signed payload: an idempotent retry. Other payload: a conflict. */
export function classify(existing: StoredRecord, incoming: StoredRecord): PutResult {
  return payloadSegment(existing.jws) === payloadSegment(incoming.jws)
    ? { status: 'duplicate', row: existing }
    : { status: 'conflict', row: existing };
}
