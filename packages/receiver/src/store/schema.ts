/**
 * The store's tables, once for SQLite and PostgreSQL: their names, their
 * columns as Kysely sees them, and the few places where the two databases
 * hold a value differently (JSON, timestamps, the row counter).
 */
import { Kysely, type ColumnType } from 'kysely';

export type Dialect = 'sqlite' | 'postgres';

/** JSON: written as JSON text; read back as that text (SQLite TEXT) or already parsed (PostgreSQL JSONB). */
type Json = ColumnType<unknown, string, string>;
/** A time: written as ISO 8601 text; read back as that text (SQLite) or a Date (PostgreSQL TIMESTAMPTZ). */
type Time = ColumnType<string | Date, string, string>;
/** The insertion order: a number (SQLite INTEGER) or a string (PostgreSQL BIGSERIAL, a 64-bit integer). */
type Seq = ColumnType<number | string, never, never>;

export interface Database {
  /** Accepted records; append-only. */
  privacy_records: {
    seq: Seq;
    id: string;
    type: string;
    email: string;
    kid: string;
    jws: string;
    record: Json;
    receipt: Json;
    received_at: string;
    due_by: string | null;
  };
  /** Data requests marked answered; append-only. */
  privacy_request_closures: { seq: Seq; request_id: string; closed_at: string; note: string };
  /** The one row the health check writes. */
  privacy_health: { id: number; checked_at: Time };
  /** The work list (mail, webhooks): its rows change. */
  privacy_jobs: {
    seq: Seq;
    id: string;
    kind: string;
    email: string | null;
    record_id: string | null;
    /** Unused: caps are counted in privacy_mail_caps. Kept because databases have it. */
    cap_key: ColumnType<string | null, never, never>;
    payload: Json;
    created_at: Time;
    next_attempt_at: Time;
    leased_until: Time | null;
    attempts: ColumnType<number, never, number>;
    done_at: Time | null;
    result: string | null;
    last_error: string | null;
    gave_up_at: Time | null;
  };
  /** The receiver's own signed events; append-only. */
  privacy_events: {
    seq: Seq;
    id: string;
    kind: string;
    key: string;
    email: string;
    record_id: string | null;
    record_kid: string | null;
    at: string;
    data: Json;
    jws: string;
  };
  /** One row per mail and allowance it counts against; counters, pruned. */
  privacy_mail_caps: { seq: Seq; cap_key: string; at: Time };
  /** Facts about the database itself (the receiver key it belongs to). */
  privacy_meta: { name: string; value: string; set_at: Time };
}

export type Table = keyof Database;

/** Column types where the dialects differ; everything else is `text` or `integer` in both. */
export function columnTypes(dialect: Dialect) {
  const pg = dialect === 'postgres';
  return {
    uuid: pg ? 'uuid' : 'text',
    json: pg ? 'jsonb' : 'text',
    time: pg ? 'timestamptz' : 'text',
  } as const;
}

/** A parsed JSON column, whichever dialect read it. */
export const fromJson = (value: unknown): Record<string, unknown> =>
  (typeof value === 'string' ? JSON.parse(value) : value) as Record<string, unknown>;

/** A time column as ISO 8601 text, whichever dialect read it. */
export function fromTime(value: string | Date): string;
export function fromTime(value: string | Date | null): string | null;
export function fromTime(value: string | Date | null): string | null {
  return value instanceof Date ? value.toISOString() : value;
}

/** PostgreSQL keeps ids as UUIDs: anything else cannot be stored, and looking it up would be a query error. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const storableId = (dialect: Dialect, id: string): boolean => dialect === 'sqlite' || UUID.test(id);

export type Db = Kysely<Database>;
