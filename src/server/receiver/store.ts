/**
 * Append-only storage of verified records. A store never updates or deletes
 * a record; everything else (current consent, open requests) is derived.
 */
import { normalizeEmail } from '../../records/create.js';

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
 * A record is identified by its signing key and its id together, `(kid, id)`:
 * ids are chosen by browsers, so another key using the same id is another
 * record (another row), never a conflict for the first one.
 */
export interface RecordStore {
  /**
   * Stores a new record. The same `(kid, id)` again returns the stored row:
   * `duplicate` when the JWS payload segment is the same (whatever the
   * signature: ECDSA signatures are malleable and a retry may be re-signed),
   * `conflict` when the payload differs. The stored `email` is `emailKey(row.email)`.
   */
  put(row: StoredRecord): Promise<PutResult>;
  /** The record with this id signed by `kid`; without `kid`, the first stored record with this id (see `byId`). */
  get(id: string, kid?: string): Promise<StoredRecord | undefined>;
  /** Every record with this id, whatever key signed it, oldest first (usually one). */
  byId(id: string): Promise<StoredRecord[]>;
  /** Every record about one person (the address goes through `emailKey`), oldest first. */
  byEmail(email: string): Promise<StoredRecord[]>;
  /** Every record, oldest first (for re-verification and export). */
  all(): AsyncIterable<StoredRecord>;
  count(): Promise<number>;
  closeRequest(closure: RequestClosure): Promise<void>;
  closures(): Promise<RequestClosure[]>;
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
