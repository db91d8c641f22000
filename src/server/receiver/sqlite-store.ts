import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { classify, type PutResult, type RecordStore, type RequestClosure, type StoredRecord } from './store.js';

interface Row {
  id: string;
  type: StoredRecord['type'];
  email: string;
  kid: string;
  jws: string;
  record: string;
  receipt: string;
  received_at: string;
  due_by: string | null;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS records (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  type TEXT NOT NULL,
  email TEXT NOT NULL,
  kid TEXT NOT NULL,
  jws TEXT NOT NULL,
  record TEXT NOT NULL,
  receipt TEXT NOT NULL,
  received_at TEXT NOT NULL,
  due_by TEXT
);
CREATE INDEX IF NOT EXISTS records_email ON records (email);
CREATE TABLE IF NOT EXISTS request_closures (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  request_id TEXT NOT NULL,
  closed_at TEXT NOT NULL,
  note TEXT NOT NULL
);
-- Append-only: the receiver never changes or removes what it accepted.
CREATE TRIGGER IF NOT EXISTS records_no_update BEFORE UPDATE ON records BEGIN SELECT RAISE(ABORT, 'records are append-only'); END;
CREATE TRIGGER IF NOT EXISTS records_no_delete BEFORE DELETE ON records BEGIN SELECT RAISE(ABORT, 'records are append-only'); END;
CREATE TRIGGER IF NOT EXISTS closures_no_update BEFORE UPDATE ON request_closures BEGIN SELECT RAISE(ABORT, 'closures are append-only'); END;
CREATE TRIGGER IF NOT EXISTS closures_no_delete BEFORE DELETE ON request_closures BEGIN SELECT RAISE(ABORT, 'closures are append-only'); END;
`;

const toRecord = (row: Row): StoredRecord => ({
  id: row.id,
  type: row.type,
  email: row.email,
  kid: row.kid,
  jws: row.jws,
  record: JSON.parse(row.record) as Record<string, unknown>,
  receipt: JSON.parse(row.receipt) as Record<string, unknown>,
  receivedAt: row.received_at,
  dueBy: row.due_by,
});

/**
 * SQLite store (better-sqlite3, WAL, synchronous=FULL). Writes that arrive
 * together are committed together (group commit): one fsync for a burst, and
 * `put` resolves only after its transaction is durable.
 */
export function sqliteStore(file: string): RecordStore {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('busy_timeout = 5000');
  db.exec(SCHEMA);

  const insert = db.prepare(
    `INSERT INTO records (id, type, email, kid, jws, record, receipt, received_at, due_by)
     VALUES (@id, @type, @email, @kid, @jws, @record, @receipt, @received_at, @due_by)
     ON CONFLICT (id) DO NOTHING`,
  );
  const byId = db.prepare<[string], Row>('SELECT * FROM records WHERE id = ?');
  const byEmail = db.prepare<[string], Row>('SELECT * FROM records WHERE email = ? ORDER BY seq');
  const page = db.prepare<[number], Row & { seq: number }>('SELECT * FROM records WHERE seq > ? ORDER BY seq LIMIT 500');
  const count = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM records');
  const addClosure = db.prepare('INSERT INTO request_closures (request_id, closed_at, note) VALUES (?, ?, ?)');
  const closures = db.prepare<[], { request_id: string; closed_at: string; note: string }>(
    'SELECT request_id, closed_at, note FROM request_closures ORDER BY seq',
  );

  type Pending = { row: StoredRecord; resolve: (r: PutResult) => void; reject: (e: unknown) => void };
  let queue: Pending[] = [];
  const commit = db.transaction((batch: Pending[]) =>
    batch.map(({ row }): PutResult => {
      const { changes } = insert.run({
        id: row.id,
        type: row.type,
        email: row.email,
        kid: row.kid,
        jws: row.jws,
        record: JSON.stringify(row.record),
        receipt: JSON.stringify(row.receipt),
        received_at: row.receivedAt,
        due_by: row.dueBy,
      });
      return changes === 1 ? { status: 'stored', row } : classify(toRecord(byId.get(row.id)!), row);
    }),
  );
  const flush = () => {
    const batch = queue;
    queue = [];
    try {
      const results = commit(batch);
      batch.forEach((p, i) => p.resolve(results[i]!));
    } catch (error) {
      batch.forEach((p) => p.reject(error));
    }
  };

  return {
    put(row) {
      return new Promise((resolve, reject) => {
        if (queue.push({ row, resolve, reject }) === 1) setImmediate(flush);
      });
    },
    async get(id) {
      const row = byId.get(id);
      return row && toRecord(row);
    },
    async byEmail(email) {
      return byEmail.all(email.toLowerCase()).map(toRecord);
    },
    async *all() {
      // Pages rather than one open iterator, which would keep the connection busy for writers.
      for (let after = 0, rows = page.all(after); rows.length; rows = page.all(after)) {
        for (const row of rows) yield toRecord(row);
        after = rows[rows.length - 1]!.seq;
      }
    },
    async count() {
      return count.get()!.n;
    },
    async closeRequest({ requestId, closedAt, note }: RequestClosure) {
      addClosure.run(requestId, closedAt, note);
    },
    async closures() {
      return closures.all().map((c) => ({ requestId: c.request_id, closedAt: c.closed_at, note: c.note }));
    },
    async close() {
      if (queue.length) flush();
      db.close();
    },
  };
}
