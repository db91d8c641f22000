/**
 * Append-only storage of verified records. A store never updates or deletes
 * a record; everything else (current consent, open requests) is derived.
 */
export interface StoredRecord {
  id: string;
  type: 'consent' | 'data-request';
  /** Lower-cased subject e-mail, for look-ups by person. */
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

export interface RecordStore {
  /** Stores a new record. The same id again returns the stored row: `duplicate` if the JWS is identical, else `conflict`. */
  put(row: StoredRecord): Promise<PutResult>;
  get(id: string): Promise<StoredRecord | undefined>;
  /** Every record about one person, oldest first. */
  byEmail(email: string): Promise<StoredRecord[]>;
  /** Every record, oldest first (for re-verification and export). */
  all(): AsyncIterable<StoredRecord>;
  count(): Promise<number>;
  closeRequest(closure: RequestClosure): Promise<void>;
  closures(): Promise<RequestClosure[]>;
  close(): Promise<void>;
}

/** Same id and the very same JWS: an idempotent retry. Same id, other content: a conflict. */
export function classify(existing: StoredRecord, incoming: StoredRecord): PutResult {
  return existing.jws === incoming.jws ? { status: 'duplicate', row: existing } : { status: 'conflict', row: existing };
}
