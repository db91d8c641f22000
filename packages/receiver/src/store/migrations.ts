/**
 * The store's schema: one list of versioned migrations for SQLite and
 * PostgreSQL alike, each written once with Kysely's schema builder and
 * compiled for the database at hand. `dialect` is asked only where the two
 * really differ (column types, the row counter, SQLite's table rebuild).
 * `migrate.ts` runs them, each once, under a lock.
 *
 * Adding tables (say the console's audit log, sessions, sign-in links) is one
 * more entry at the end of `MIGRATIONS`:
 *
 *   // 7: the console's audit log (append-only) and its sessions.
 *   {
 *     appendOnly: ['privacy_console_audit'],
 *     up: ({ db, type, seq }) => [
 *       db.schema.createTable('privacy_console_audit').$call(seq)
 *         .addColumn('at', type.time, (c) => c.notNull())
 *         .addColumn('action', 'text', (c) => c.notNull()),
 *     ],
 *   },
 *
 * with its tables added to `Database` in schema.ts. Never edit an entry that
 * shipped: databases out there have run it. Add another.
 */
import type { Compilable, CreateTableBuilder, Kysely, RawBuilder } from 'kysely';
import { sql } from 'kysely';
import { columnTypes, type Dialect, type Table } from './schema.js';

/** What an entry builds its statements with. */
export interface SchemaContext {
  /** Builds statements (they are compiled, not run, by the entry: the runner runs them). */
  db: Kysely<any>;
  dialect: Dialect;
  type: ReturnType<typeof columnTypes>;
  /** Adds the `seq` column, the table's insertion order (SQLite INTEGER AUTOINCREMENT, PostgreSQL BIGSERIAL). */
  seq: <T extends CreateTableBuilder<any, any>>(table: T) => T;
}

export type Statement = Compilable | RawBuilder<unknown>;

export interface Migration {
  /** The statements, run in order in one transaction with the version bump. */
  up(context: SchemaContext): Statement[];
  /** Tables this version makes append-only: the runner gives them the triggers that refuse UPDATE and DELETE. */
  appendOnly?: readonly Table[];
}

/** The records table as version 1 made it (unique `id`) and version 2 re-made it (unique `(kid, id)`). */
function records({ db, type, seq }: SchemaContext, name: string, unique: 'id' | 'kid, id') {
  return db.schema
    .createTable(name)
    .ifNotExists()
    .$call(seq)
    .addColumn('id', type.uuid, (c) => (unique === 'id' ? c.notNull().unique() : c.notNull()))
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('kid', 'text', (c) => c.notNull())
    .addColumn('jws', 'text', (c) => c.notNull())
    .addColumn('record', type.json, (c) => c.notNull())
    .addColumn('receipt', type.json, (c) => c.notNull())
    .addColumn('received_at', 'text', (c) => c.notNull())
    .addColumn('due_by', 'text')
    .$call((t) => (unique === 'kid, id' ? t.addUniqueConstraint('privacy_records_kid_id_key', ['kid', 'id']) : t));
}

const RECORD_COLUMNS = ['seq', 'id', 'type', 'email', 'kid', 'jws', 'record', 'receipt', 'received_at', 'due_by'] as const;

/** Versioned migrations: the database records how many it has applied. */
export const MIGRATIONS: readonly Migration[] = [
  // 1: the schema of 0.1.0 (`if not exists`: a database made before versioning is at version 0 with these tables).
  {
    appendOnly: ['privacy_records', 'privacy_request_closures'],
    up: (s) => [
      records(s, 'privacy_records', 'id'),
      s.db.schema.createIndex('privacy_records_email').ifNotExists().on('privacy_records').column('email'),
      s.db.schema
        .createTable('privacy_request_closures')
        .ifNotExists()
        .$call(s.seq)
        .addColumn('request_id', s.type.uuid, (c) => c.notNull())
        .addColumn('closed_at', 'text', (c) => c.notNull())
        .addColumn('note', 'text', (c) => c.notNull()),
    ],
  },
  // 2: a record is unique per (kid, id), not per id. PostgreSQL swaps the constraint (ALTER TABLE fires no row
  // triggers); SQLite cannot drop one: the table is rebuilt with every row and its seq.
  {
    up: (s) => [
      ...(s.dialect === 'postgres'
        ? [
            s.db.schema.alterTable('privacy_records').dropConstraint('privacy_records_id_key').ifExists(),
            s.db.schema.alterTable('privacy_records').addUniqueConstraint('privacy_records_kid_id_key', ['kid', 'id']),
          ]
        : [
            records(s, 'privacy_records_v2', 'kid, id'),
            s.db
              .insertInto('privacy_records_v2')
              .columns(RECORD_COLUMNS)
              .expression(s.db.selectFrom('privacy_records').select(RECORD_COLUMNS).orderBy('seq')),
            s.db.schema.dropTable('privacy_records'),
            s.db.schema.alterTable('privacy_records_v2').renameTo('privacy_records'),
            s.db.schema.createIndex('privacy_records_email').on('privacy_records').column('email'),
          ]),
      s.db.schema.createIndex('privacy_records_id').on('privacy_records').column('id'),
    ],
  },
  // 3: one row the health check writes (a committed write proves the disk takes writes).
  {
    up: ({ db, type }) => [
      db.schema
        .createTable('privacy_health')
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('checked_at', type.time, (c) => c.notNull()),
    ],
  },
  // 4: the job queue (mail, webhooks: a work list, its rows change) and the receiver's own signed events (evidence).
  {
    appendOnly: ['privacy_events'],
    up: ({ db, type, seq }) => [
      db.schema
        .createTable('privacy_jobs')
        .$call(seq)
        .addColumn('id', type.uuid, (c) => c.notNull().unique())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('email', 'text')
        .addColumn('record_id', 'text')
        .addColumn('cap_key', 'text')
        .addColumn('payload', type.json, (c) => c.notNull())
        .addColumn('created_at', type.time, (c) => c.notNull())
        .addColumn('next_attempt_at', type.time, (c) => c.notNull())
        .addColumn('leased_until', type.time)
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('done_at', type.time)
        .addColumn('result', 'text')
        .addColumn('last_error', 'text')
        .addColumn('gave_up_at', type.time),
      db.schema
        .createIndex('privacy_jobs_due')
        .on('privacy_jobs')
        .columns(['kind', 'next_attempt_at'])
        .where(sql.ref('done_at'), 'is', null)
        .where(sql.ref('gave_up_at'), 'is', null),
      db.schema.createIndex('privacy_jobs_cap').on('privacy_jobs').columns(['cap_key', 'created_at']).where(sql.ref('cap_key'), 'is not', null),
      db.schema.createIndex('privacy_jobs_email').on('privacy_jobs').column('email'),
      db.schema.createIndex('privacy_jobs_record').on('privacy_jobs').column('record_id'),
      db.schema
        .createTable('privacy_events')
        .$call(seq)
        .addColumn('id', type.uuid, (c) => c.notNull().unique())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('key', 'text', (c) => c.notNull().unique())
        .addColumn('email', 'text', (c) => c.notNull())
        .addColumn('record_id', 'text')
        .addColumn('record_kid', 'text')
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('data', type.json, (c) => c.notNull())
        .addColumn('jws', 'text', (c) => c.notNull()),
      db.schema.createIndex('privacy_events_email').on('privacy_events').column('email'),
    ],
  },
  // 5: what mail caps count (one row per mail and allowance, by opaque key; pruned: counters, not evidence),
  // and the receiver key the database belongs to.
  {
    up: ({ db, type, seq }) => [
      db.schema.createTable('privacy_mail_caps').$call(seq).addColumn('cap_key', 'text', (c) => c.notNull()).addColumn('at', type.time, (c) => c.notNull()),
      db.schema.createIndex('privacy_mail_caps_key').on('privacy_mail_caps').columns(['cap_key', 'at']),
      db.schema
        .createTable('privacy_meta')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull())
        .addColumn('set_at', type.time, (c) => c.notNull()),
    ],
  },
  // 6: one set of table names: SQLite's tables take the privacy_ names PostgreSQL's always had. The SQLite
  // runner renames an older file's tables before it applies anything (every entry above is written with
  // today's names); this version is what makes an older receiver refuse the renamed file.
  { up: () => [] },
  // 7: what the console's views read by index: the data requests in due-date order (a partial index:
  // requests are a few percent of the records, and a (type, …) index would tempt SQLite's planner into
  // reading them in another order and sorting; with `id`, the counts of open and closed ones never read the
  // records' rows), a request's closures, the events about a record.
  {
    up: ({ db }) => [
      db.schema
        .createIndex('privacy_records_requests')
        .on('privacy_records')
        .columns(['due_by', 'seq', 'id'])
        .where(sql.ref('type'), '=', sql.lit('data-request')),
      db.schema.createIndex('privacy_request_closures_request').on('privacy_request_closures').column('request_id'),
      db.schema.createIndex('privacy_events_record').on('privacy_events').column('record_id'),
    ],
  },
];

export function schemaContext(db: Kysely<any>, dialect: Dialect): SchemaContext {
  return {
    db,
    dialect,
    type: columnTypes(dialect),
    seq: (table) =>
      (dialect === 'postgres'
        ? table.addColumn('seq', 'bigserial', (c) => c.primaryKey())
        : table.addColumn('seq', 'integer', (c) => c.primaryKey().autoIncrement())) as typeof table,
  };
}
