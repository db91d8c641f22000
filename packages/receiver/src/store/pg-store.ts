import pg from 'pg';
import { CAPS_MIGRATION, enqueue, JOBS_MIGRATION, pgJobs, transaction } from './pg-jobs.js';
import { ReceiverStartError } from './open.js';
import { classify, emailKey, type PutResult, type RecordStore, type StoredRecord } from './store.js';

interface Row {
  seq: string;
  id: string;
  type: StoredRecord['type'];
  email: string;
  kid: string;
  jws: string;
  record: Record<string, unknown>;
  receipt: Record<string, unknown>;
  received_at: string;
  due_by: string | null;
}

/**
 * Versioned migrations, recorded in `privacy_schema_migrations`; each runs
 * once, in its own transaction, under an advisory lock so that receivers
 * starting together do not race. Never edit one that shipped: add another.
 */
export const MIGRATIONS: readonly string[] = [
  // 1: the schema of 0.1.0 (`IF NOT EXISTS`: a database made before versioning has these tables and no migrations table).
  `
CREATE TABLE IF NOT EXISTS privacy_records (
  seq BIGSERIAL PRIMARY KEY,
  id UUID NOT NULL UNIQUE,
  type TEXT NOT NULL,
  email TEXT NOT NULL,
  kid TEXT NOT NULL,
  jws TEXT NOT NULL,
  record JSONB NOT NULL,
  receipt JSONB NOT NULL,
  received_at TEXT NOT NULL,
  due_by TEXT
);
CREATE INDEX IF NOT EXISTS privacy_records_email ON privacy_records (email);
CREATE TABLE IF NOT EXISTS privacy_request_closures (
  seq BIGSERIAL PRIMARY KEY,
  request_id UUID NOT NULL,
  closed_at TEXT NOT NULL,
  note TEXT NOT NULL
);
CREATE OR REPLACE FUNCTION privacy_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$;
DO $$ BEGIN
  CREATE TRIGGER privacy_records_append_only BEFORE UPDATE OR DELETE ON privacy_records
    FOR EACH ROW EXECUTE FUNCTION privacy_append_only();
  CREATE TRIGGER privacy_request_closures_append_only BEFORE UPDATE OR DELETE ON privacy_request_closures
    FOR EACH ROW EXECUTE FUNCTION privacy_append_only();
EXCEPTION WHEN duplicate_object THEN NULL; END $$;
`,
  // 2: a record is unique per (kid, id), not per id (ALTER TABLE fires no row triggers; rows stay as they are).
  `
ALTER TABLE privacy_records DROP CONSTRAINT IF EXISTS privacy_records_id_key;
ALTER TABLE privacy_records ADD CONSTRAINT privacy_records_kid_id_key UNIQUE (kid, id);
CREATE INDEX privacy_records_id ON privacy_records (id);
`,
  // 3: one row the health check writes.
  `CREATE TABLE privacy_health (id INTEGER PRIMARY KEY, checked_at TIMESTAMPTZ NOT NULL);`,
  // 4: the job queue (mail, webhooks) and the receiver's own signed events (confirmations).
  JOBS_MIGRATION,
  // 5: mail caps by opaque key, and the receiver key the database belongs to.
  CAPS_MIGRATION,
];

const MIGRATION_LOCK = 7638;

const toRecord = (row: Row): StoredRecord => ({
  id: row.id,
  type: row.type,
  email: row.email,
  kid: row.kid,
  jws: row.jws,
  record: row.record,
  receipt: row.receipt,
  receivedAt: row.received_at,
  dueBy: row.due_by,
});

// The id column is a UUID: anything else cannot be stored, and would be a query error.
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

async function migrate(pool: pg.Pool): Promise<void> {
  const client = await pool.connect();
  // A checked-out client's connection can die too; its error is the query's rejection.
  const ignore = () => undefined;
  client.on('error', ignore);
  let broken = false;
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await client.query(
      'CREATE TABLE IF NOT EXISTS privacy_schema_migrations (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())',
    );
    const { rows } = await client.query<{ v: number | null }>('SELECT max(version) AS v FROM privacy_schema_migrations');
    const version = rows[0]?.v ?? 0;
    if (version > MIGRATIONS.length) {
      // Waiting cannot mend it (store-wait.ts): the start stops with this line.
      throw new ReceiverStartError(`The database has schema version ${version}; this receiver knows up to ${MIGRATIONS.length}: upgrade the receiver`);
    }
    for (let v = version; v < MIGRATIONS.length; v++) {
      await client.query('BEGIN');
      try {
        await client.query(MIGRATIONS[v]!);
        await client.query('INSERT INTO privacy_schema_migrations (version) VALUES ($1)', [v + 1]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
    }
  } catch (error) {
    broken = true;
    throw error;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    client.off('error', ignore);
    client.release(broken);
  }
}

/**
 * PostgreSQL store for sites that outgrow one machine (`DATABASE_URL`). Same
 * contract as the SQLite store. A lost connection (a database restart,
 * `pg_terminate_backend`) is logged, never a crash: the calls in flight
 * reject, and the next call opens a new connection.
 */
export async function pgStore(connectionString: string, options: { max?: number } = {}): Promise<RecordStore> {
  const pool = new pg.Pool({ connectionString, max: options.max ?? 10, connectionTimeoutMillis: 10_000 });
  // An idle connection that dies emits 'error' on the pool: without a listener that ends the process.
  pool.on('error', (error) => console.error(`[receiver] PostgreSQL connection lost (the next query reconnects): ${error.message}`));
  // A connection killed mid-query can emit 'error' twice (the server's FATAL, then the socket's end);
  // pg-pool listens for the first only. Every client keeps a listener for its lifetime: the query's
  // rejection is what reports the failure.
  pool.on('connect', (client) => void client.on('error', () => undefined));
  try {
    await migrate(pool);
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw error;
  }

  const byKidId = async (kid: string, id: string) => {
    if (!UUID.test(id)) return undefined;
    const { rows } = await pool.query<Row>('SELECT * FROM privacy_records WHERE kid = $1 AND id = $2', [kid, id]);
    return rows[0] && toRecord(rows[0]);
  };
  const byId = async (id: string) => {
    if (!UUID.test(id)) return [];
    const { rows } = await pool.query<Row>('SELECT * FROM privacy_records WHERE id = $1 ORDER BY seq', [id]);
    return rows.map(toRecord);
  };

  const jobs = pgJobs(pool);
  const insert = `INSERT INTO privacy_records (id, type, email, kid, jws, record, receipt, received_at, due_by)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (kid, id) DO NOTHING`;

  return {
    async put(row, queued = []): Promise<PutResult> {
      const email = emailKey(row.email);
      const values = [row.id, row.type, email, row.kid, row.jws, row.record, row.receipt, row.receivedAt, row.dueBy];
      // One statement when nothing is queued with the record; a transaction when something is.
      const stored = queued.length
        ? await transaction(pool, async (client) => {
            const { rowCount } = await client.query(insert, values);
            if (rowCount === 1) await enqueue(client, queued);
            return rowCount === 1;
          })
        : (await pool.query(insert, values)).rowCount === 1;
      if (stored) return { status: 'stored', row: { ...row, email } };
      return classify((await byKidId(row.kid, row.id))!, row);
    },
    ...jobs.queue,
    async queueJobs(queued) {
      await transaction(pool, (client) => enqueue(client, queued));
    },
    addEvent: (event, queued) => jobs.addEvent({ ...event, email: emailKey(event.email) }, queued),
    events: (email) => jobs.events(emailKey(email)),
    event: (key) => jobs.event(key),
    allEvents: () => jobs.allEvents(),
    async get(id, kid) {
      return kid === undefined ? (await byId(id))[0] : byKidId(kid, id);
    },
    byId,
    async byEmail(email) {
      const { rows } = await pool.query<Row>('SELECT * FROM privacy_records WHERE email = $1 ORDER BY seq', [emailKey(email)]);
      return rows.map(toRecord);
    },
    async *all() {
      for (let after = '0'; ; ) {
        const { rows } = await pool.query<Row>('SELECT * FROM privacy_records WHERE seq > $1 ORDER BY seq LIMIT 500', [after]);
        if (!rows.length) return;
        for (const row of rows) yield toRecord(row);
        after = rows[rows.length - 1]!.seq;
      }
    },
    async count() {
      const { rows } = await pool.query<{ n: string }>('SELECT count(*) AS n FROM privacy_records');
      return Number(rows[0]!.n);
    },
    async bindKey(kid) {
      await pool.query("INSERT INTO privacy_meta (name, value, set_at) VALUES ('receiver-key', $1, now()) ON CONFLICT (name) DO NOTHING", [kid]);
      const { rows } = await pool.query<{ value: string }>("SELECT value FROM privacy_meta WHERE name = 'receiver-key'");
      return rows[0]!.value;
    },
    async closeRequest({ requestId, closedAt, note }, queued = []) {
      await transaction(pool, async (client) => {
        await client.query('INSERT INTO privacy_request_closures (request_id, closed_at, note) VALUES ($1, $2, $3)', [requestId, closedAt, note]);
        await enqueue(client, queued);
      });
    },
    async closures() {
      const { rows } = await pool.query<{ request_id: string; closed_at: string; note: string }>(
        'SELECT request_id, closed_at, note FROM privacy_request_closures ORDER BY seq',
      );
      return rows.map((c) => ({ requestId: c.request_id, closedAt: c.closed_at, note: c.note }));
    },
    async check() {
      // A read of both tables, the schema version, and one committed write (the database is up, accepts writes and is not read-only).
      await pool.query('SELECT (SELECT seq FROM privacy_records ORDER BY seq DESC LIMIT 1), (SELECT seq FROM privacy_request_closures ORDER BY seq DESC LIMIT 1)');
      const { rows } = await pool.query<{ v: number | null }>('SELECT max(version) AS v FROM privacy_schema_migrations');
      // A newer schema (the next release migrated in its deploy step) keeps this one ready during a rolling deploy.
      if ((rows[0]?.v ?? 0) < MIGRATIONS.length) throw new Error(`schema version ${rows[0]?.v ?? 0}, this receiver needs ${MIGRATIONS.length}`);
      await pool.query(
        'INSERT INTO privacy_health (id, checked_at) VALUES (1, now()) ON CONFLICT (id) DO UPDATE SET checked_at = excluded.checked_at',
      );
    },
    async close() {
      await pool.end();
    },
  };
}
