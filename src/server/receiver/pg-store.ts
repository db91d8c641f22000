import pg from 'pg';
import { classify, type PutResult, type RecordStore, type StoredRecord } from './store.js';

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

const SCHEMA = `
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
`;

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

/** PostgreSQL store for sites that outgrow one machine (`DATABASE_URL`). Same contract as the SQLite store. */
export async function pgStore(connectionString: string, options: { max?: number } = {}): Promise<RecordStore> {
  const pool = new pg.Pool({ connectionString, max: options.max ?? 10 });
  // Creating the schema from several receivers at once must not race.
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock(7638)');
    await client.query(SCHEMA);
  } finally {
    await client.query('SELECT pg_advisory_unlock(7638)').catch(() => undefined);
    client.release();
  }

  const get = async (id: string) => {
    const { rows } = await pool.query<Row>('SELECT * FROM privacy_records WHERE id = $1', [id]);
    return rows[0] && toRecord(rows[0]);
  };

  return {
    async put(row): Promise<PutResult> {
      const { rowCount } = await pool.query(
        `INSERT INTO privacy_records (id, type, email, kid, jws, record, receipt, received_at, due_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (id) DO NOTHING`,
        [row.id, row.type, row.email, row.kid, row.jws, row.record, row.receipt, row.receivedAt, row.dueBy],
      );
      if (rowCount === 1) return { status: 'stored', row };
      return classify((await get(row.id))!, row);
    },
    get,
    async byEmail(email) {
      const { rows } = await pool.query<Row>('SELECT * FROM privacy_records WHERE email = $1 ORDER BY seq', [
        email.toLowerCase(),
      ]);
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
    async closeRequest({ requestId, closedAt, note }) {
      await pool.query('INSERT INTO privacy_request_closures (request_id, closed_at, note) VALUES ($1, $2, $3)', [
        requestId,
        closedAt,
        note,
      ]);
    },
    async closures() {
      const { rows } = await pool.query<{ request_id: string; closed_at: string; note: string }>(
        'SELECT request_id, closed_at, note FROM privacy_request_closures ORDER BY seq',
      );
      return rows.map((c) => ({ requestId: c.request_id, closedAt: c.closed_at, note: c.note }));
    },
    async close() {
      await pool.end();
    },
  };
}
