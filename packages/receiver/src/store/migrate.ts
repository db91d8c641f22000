/**
 * Runs `MIGRATIONS`: each version once, in one transaction with its version
 * number, under a lock so that receivers starting together do not race, and
 * refuses a database newer than this receiver. What differs by dialect is
 * here: where the version is kept (SQLite `PRAGMA user_version`, PostgreSQL
 * `privacy_schema_migrations`), the lock (`BEGIN IMMEDIATE`, an advisory
 * lock), the append-only triggers, and the renaming of old SQLite files.
 */
import type BetterSqlite3 from 'better-sqlite3';
import { sql, type Kysely } from 'kysely';
import { MIGRATIONS, schemaContext, type Migration, type Statement } from './migrations.js';
import { ReceiverStartError } from './open.js';
import type { Database, Table } from './schema.js';

/** The version the SQLite tables took their privacy_ names at. */
const RENAMED_AT = 6;

/** SQLite tables, indexes and triggers as files before version 6 named them. */
const OLD_SQLITE_TABLES: Record<string, Table> = {
  records: 'privacy_records',
  request_closures: 'privacy_request_closures',
  jobs: 'privacy_jobs',
  events: 'privacy_events',
  mail_caps: 'privacy_mail_caps',
  receiver_meta: 'privacy_meta',
};
const OLD_SQLITE_INDEXES = ['records_email', 'records_id', 'jobs_due', 'jobs_cap', 'jobs_email', 'jobs_record', 'events_email', 'mail_caps_key'];
const OLD_SQLITE_TRIGGERS = ['records', 'closures', 'events'].flatMap((t) => [`${t}_no_update`, `${t}_no_delete`]);

const newer = (version: number) => `schema version ${version}; this receiver knows up to ${MIGRATIONS.length}: upgrade the receiver`;

/** Every table that some version up to `version` made append-only. */
const appendOnlyUpTo = (version: number): Table[] => MIGRATIONS.slice(0, version).flatMap((m) => m.appendOnly ?? []);

const compile = (statement: Statement, db: Kysely<any>) => statement.compile(db);

/** SQLite triggers: one per refused operation (SQLite has no `UPDATE OR DELETE` trigger). */
const sqliteAppendOnly = (table: Table) =>
  ['update', 'delete'].map(
    (op) => `CREATE TRIGGER IF NOT EXISTS ${table}_no_${op} BEFORE ${op.toUpperCase()} ON ${table} BEGIN SELECT RAISE(ABORT, '${table} is append-only'); END`,
  );

/**
 * Renames the tables of a file made before version 6, and their indexes: SQLite has no ALTER INDEX, so each
 * is made again under its new name from its own definition (which the table's rename has pointed at the new
 * table). The old triggers are dropped: the runner puts them back under the new names.
 */
function renameOldSqliteTables(db: BetterSqlite3.Database): void {
  const objects = () => db.prepare<[], { name: string; sql: string | null }>('SELECT name, sql FROM sqlite_master').all();
  const names = new Set(objects().map((o) => o.name));
  for (const [old, name] of Object.entries(OLD_SQLITE_TABLES)) if (names.has(old)) db.exec(`ALTER TABLE ${old} RENAME TO ${name}`);
  for (const trigger of OLD_SQLITE_TRIGGERS) db.exec(`DROP TRIGGER IF EXISTS ${trigger}`);
  for (const { name, sql: definition } of objects()) {
    if (!OLD_SQLITE_INDEXES.includes(name) || !definition) continue;
    db.exec(`DROP INDEX ${name}`);
    db.exec(definition.replace(/^(CREATE INDEX (?:IF NOT EXISTS )?)"?\w+"?/i, `$1privacy_${name}`));
  }
}

/**
 * Brings a SQLite database to the latest version, in one `BEGIN IMMEDIATE` transaction (the write lock
 * first: another process may be migrating the same file), then puts back any append-only trigger.
 */
export function migrateSqlite(db: BetterSqlite3.Database, kysely: Kysely<Database>): void {
  const context = schemaContext(kysely, 'sqlite');
  const run = (statement: Statement) => {
    const { sql: text, parameters } = compile(statement, kysely);
    db.prepare(text).run(...parameters);
  };
  db.transaction(() => {
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > MIGRATIONS.length) throw new Error(`${db.name} has ${newer(version)}`);
    if (version < RENAMED_AT) renameOldSqliteTables(db);
    for (let v = version; v < MIGRATIONS.length; v++) {
      MIGRATIONS[v]!.up(context).forEach(run);
      db.pragma(`user_version = ${v + 1}`);
    }
    // Whoever can write the file can drop a trigger: every open puts them back.
    for (const table of appendOnlyUpTo(MIGRATIONS.length)) sqliteAppendOnly(table).forEach((trigger) => db.exec(trigger));
  }).immediate();
}

const MIGRATION_LOCK = 7638;

/** PostgreSQL triggers: one function for every append-only table; `duplicate_object` when a database made before versioning has them. */
const postgresAppendOnly = (table: Table) => [
  sql`CREATE OR REPLACE FUNCTION privacy_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$`,
  sql.raw(`DO $$ BEGIN
      CREATE TRIGGER ${table}_append_only BEFORE UPDATE OR DELETE ON ${table} FOR EACH ROW EXECUTE FUNCTION privacy_append_only();
    EXCEPTION WHEN duplicate_object THEN NULL; END $$`),
];

/** The version a PostgreSQL database is at (0: none recorded). */
export async function postgresVersion(db: Kysely<any>): Promise<number> {
  const { rows } = await sql<{ v: number | null }>`SELECT max(version) AS v FROM privacy_schema_migrations`.execute(db);
  return rows[0]?.v ?? 0;
}

/**
 * Brings a PostgreSQL database to the latest version, each version in its own transaction, all under one
 * session advisory lock on one connection.
 */
export async function migratePostgres(kysely: Kysely<Database>): Promise<void> {
  const context = schemaContext(kysely, 'postgres');
  await kysely.connection().execute(async (connection) => {
    await sql`SELECT pg_advisory_lock(${MIGRATION_LOCK})`.execute(connection);
    try {
      await sql`CREATE TABLE IF NOT EXISTS privacy_schema_migrations (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())`.execute(connection);
      const version = await postgresVersion(connection);
      // Waiting cannot mend it (store-wait.ts): the start stops with this line.
      if (version > MIGRATIONS.length) throw new ReceiverStartError(`The database has ${newer(version)}`);
      for (let v = version; v < MIGRATIONS.length; v++) {
        const migration: Migration = MIGRATIONS[v]!;
        await connection.transaction().execute(async (trx) => {
          for (const statement of migration.up(context)) await trx.executeQuery(compile(statement, trx));
          for (const statement of (migration.appendOnly ?? []).flatMap(postgresAppendOnly)) await trx.executeQuery(compile(statement, trx));
          await sql`INSERT INTO privacy_schema_migrations (version) VALUES (${v + 1})`.execute(trx);
        });
      }
    } finally {
      await sql`SELECT pg_advisory_unlock(${MIGRATION_LOCK})`.execute(connection).catch(() => undefined);
    }
  });
}
