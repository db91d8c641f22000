import { randomUUID } from 'node:crypto';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { APPEND_ONLY_EVENTS, CAPS_MIGRATION, JOBS_MIGRATION, sqliteJobs } from './sqlite-jobs.js';
import { classify, emailKey, type NewJob, type PutResult, type RecordStore, type RequestClosure, type StoredRecord } from './store.js';

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

const APPEND_ONLY_RECORDS = `
CREATE TRIGGER IF NOT EXISTS records_no_update BEFORE UPDATE ON records BEGIN SELECT RAISE(ABORT, 'records are append-only'); END;
CREATE TRIGGER IF NOT EXISTS records_no_delete BEFORE DELETE ON records BEGIN SELECT RAISE(ABORT, 'records are append-only'); END;
`;

const APPEND_ONLY_CLOSURES = `
CREATE TRIGGER IF NOT EXISTS closures_no_update BEFORE UPDATE ON request_closures BEGIN SELECT RAISE(ABORT, 'closures are append-only'); END;
CREATE TRIGGER IF NOT EXISTS closures_no_delete BEFORE DELETE ON request_closures BEGIN SELECT RAISE(ABORT, 'closures are append-only'); END;
`;

/**
 * Versioned migrations; `PRAGMA user_version` is the number applied. Each runs
 * once, in one `BEGIN IMMEDIATE` transaction with the version bump, so
 * several processes opening the same file cannot race. Never edit one that
 * shipped: add another.
 */
export const MIGRATIONS: readonly string[] = [
  // 1: the schema of 0.1.0 (`IF NOT EXISTS`: a database made before versioning is at version 0 with these tables).
  `
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
${APPEND_ONLY_RECORDS}
${APPEND_ONLY_CLOSURES}
`,
  // 2: a record is unique per (kid, id), not per id. SQLite cannot drop a
  // constraint: the table is rebuilt with every row and its seq, then the
  // append-only triggers are made again.
  `
DROP TRIGGER IF EXISTS records_no_update;
DROP TRIGGER IF EXISTS records_no_delete;
CREATE TABLE records_v2 (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL,
  type TEXT NOT NULL,
  email TEXT NOT NULL,
  kid TEXT NOT NULL,
  jws TEXT NOT NULL,
  record TEXT NOT NULL,
  receipt TEXT NOT NULL,
  received_at TEXT NOT NULL,
  due_by TEXT,
  UNIQUE (kid, id)
);
INSERT INTO records_v2 (seq, id, type, email, kid, jws, record, receipt, received_at, due_by)
  SELECT seq, id, type, email, kid, jws, record, receipt, received_at, due_by FROM records ORDER BY seq;
DROP TABLE records;
ALTER TABLE records_v2 RENAME TO records;
CREATE INDEX records_email ON records (email);
CREATE INDEX records_id ON records (id);
${APPEND_ONLY_RECORDS}
`,
  // 3: one row the health check writes (a committed write proves the disk takes writes).
  `CREATE TABLE privacy_health (id INTEGER PRIMARY KEY, checked_at TEXT NOT NULL);`,
  // 4: the job queue (mail, webhooks) and the receiver's own signed events (confirmations).
  JOBS_MIGRATION + APPEND_ONLY_EVENTS,
  // 5: mail caps by opaque key, and the receiver key the database belongs to.
  CAPS_MIGRATION,
];

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
 * Makes the database file 0600 before SQLite opens it (SQLite gives `-wal`
 * and `-shm` the main file's mode), and existing companions too, whatever the umask.
 */
function privateFiles(file: string): void {
  closeSync(openSync(file, 'a', 0o600));
  for (const path of [file, `${file}-wal`, `${file}-shm`, `${file}-journal`]) {
    if (existsSync(path)) chmodSync(path, 0o600);
  }
}

/** Brings a database to the latest schema version. */
function migrate(db: Database.Database): void {
  db.transaction(() => {
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > MIGRATIONS.length) {
      throw new Error(`${db.name} has schema version ${version}; this receiver knows up to ${MIGRATIONS.length}: upgrade the receiver`);
    }
    for (let v = version; v < MIGRATIONS.length; v++) {
      db.exec(MIGRATIONS[v]!);
      db.pragma(`user_version = ${v + 1}`);
    }
    // Whoever can write the file can drop a trigger: every open puts them back.
    db.exec(APPEND_ONLY_RECORDS + APPEND_ONLY_CLOSURES + APPEND_ONLY_EVENTS);
  }).immediate();
}

/** How long a write waits for another process's lock; the readiness probe waits less. */
const BUSY_MS = 5000;
const CHECK_BUSY_MS = 200;

/** How long a job's outcome may wait for a commit to ride along with. */
const LAZY_MS = 20;

/** Thrown inside the health check's probe transaction to roll it back. */
const ROLLBACK = Symbol('rollback');

/**
 * SQLite store (better-sqlite3, WAL, synchronous=FULL). Writes that arrive
 * together are committed together (group commit): one fsync for a burst, and
 * `put` resolves only after its transaction is durable. The file and its
 * `-wal`/`-shm` are created 0600; a new directory 0700.
 */
export function sqliteStore(file: string): RecordStore {
  if (file !== ':memory:') {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    privateFiles(file);
  }
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma(`busy_timeout = ${BUSY_MS}`);
  migrate(db);

  const insert = db.prepare(
    `INSERT INTO records (id, type, email, kid, jws, record, receipt, received_at, due_by)
     VALUES (@id, @type, @email, @kid, @jws, @record, @receipt, @received_at, @due_by)
     ON CONFLICT (kid, id) DO NOTHING`,
  );
  const byKidId = db.prepare<[string, string], Row>('SELECT * FROM records WHERE kid = ? AND id = ?');
  const byId = db.prepare<[string], Row>('SELECT * FROM records WHERE id = ? ORDER BY seq');
  const byEmail = db.prepare<[string], Row>('SELECT * FROM records WHERE email = ? ORDER BY seq');
  const page = db.prepare<[number], Row & { seq: number }>('SELECT * FROM records WHERE seq > ? ORDER BY seq LIMIT 500');
  const count = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM records');
  const addClosure = db.prepare('INSERT INTO request_closures (request_id, closed_at, note) VALUES (?, ?, ?)');
  const closures = db.prepare<[], { request_id: string; closed_at: string; note: string }>(
    'SELECT request_id, closed_at, note FROM request_closures ORDER BY seq',
  );
  const lastRecord = db.prepare('SELECT seq, kid, id FROM records ORDER BY seq DESC LIMIT 1');
  const lastClosure = db.prepare('SELECT seq FROM request_closures ORDER BY seq DESC LIMIT 1');
  const healthWrite = db.prepare('INSERT OR REPLACE INTO privacy_health (id, checked_at) VALUES (1, ?)');
  const bindKey = db.prepare("INSERT INTO receiver_meta (name, value, set_at) VALUES ('receiver-key', ?, ?) ON CONFLICT (name) DO NOTHING");
  const boundKey = db.prepare<[], { value: string }>("SELECT value FROM receiver_meta WHERE name = 'receiver-key'");

  const columns = (row: StoredRecord) => ({
    id: row.id,
    type: row.type,
    email: emailKey(row.email),
    kid: row.kid,
    jws: row.jws,
    record: JSON.stringify(row.record),
    receipt: JSON.stringify(row.receipt),
    received_at: row.receivedAt,
    due_by: row.dueBy,
  });

  // Group commit: every write that arrives within one turn of the event loop (records,
  // their jobs, job outcomes, events) is committed in one transaction, one fsync for the
  // lot, each in a savepoint of its own so one failing write fails alone.
  type Pending = { run: () => unknown; resolve: (value: never) => void; reject: (e: unknown) => void };
  let queue: Pending[] = [];
  const savepoint = db.transaction((run: () => unknown) => run());
  const commit = db.transaction((batch: Pending[]) =>
    batch.map(({ run }) => {
      try {
        return { ok: true as const, value: savepoint(run) };
      } catch (error) {
        return { ok: false as const, error };
      }
    }),
  );
  let immediate: NodeJS.Immediate | undefined;
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    clearImmediate(immediate);
    clearTimeout(timer);
    immediate = timer = undefined;
    const batch = queue;
    queue = [];
    try {
      const results = commit.immediate(batch); // the write lock first: another process may write too
      batch.forEach((p, i) => {
        const r = results[i]!;
        if (r.ok) p.resolve(r.value as never);
        else p.reject(r.error);
      });
    } catch (error) {
      batch.forEach((p) => p.reject(error));
    }
  };
  /**
   * Runs `run` in the next group commit; resolves once it is durable. `lazy` (a job's outcome,
   * which nobody waits for): rides along with the next commit, or goes within LAZY_MS, so a burst
   * of deliveries costs one fsync rather than one each. A crash before it lands sends that job once more.
   */
  const later = <T>(run: () => T, lazy = false): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      queue.push({ run, resolve: resolve as (value: never) => void, reject });
      if (!lazy) immediate ??= setImmediate(flush);
      else if (!immediate) timer ??= setTimeout(flush, LAZY_MS);
    });

  const jobs = sqliteJobs(db, later);

  // The probe: the write path of a real insert (the records b-tree, both
  // indexes, sqlite_sequence) under the write lock, rolled back; then one
  // committed, fsynced write. Not `PRAGMA quick_check`, which reads the whole
  // file and would make every probe cost as much as the database is large.
  const probe = db.transaction(() => {
    lastRecord.get();
    lastClosure.get();
    insert.run(
      columns({
        id: randomUUID(),
        type: 'consent',
        email: 'health-probe@invalid',
        kid: `health-probe-${randomUUID()}`,
        jws: 'probe..',
        record: {},
        receipt: {},
        receivedAt: new Date().toISOString(),
        dueBy: null,
      }),
    );
    throw ROLLBACK;
  });

  return {
    put(row, queued) {
      return later((): PutResult => {
        const { changes } = insert.run(columns(row));
        if (changes !== 1) return classify(toRecord(byKidId.get(row.kid, row.id)!), row);
        jobs.enqueue(queued);
        return { status: 'stored', row: { ...row, email: emailKey(row.email) } };
      });
    },
    ...jobs.queue,
    async queueJobs(queued) {
      db.transaction(() => jobs.enqueue(queued)).immediate();
    },
    addEvent: (event, queued) => jobs.addEvent({ ...event, email: emailKey(event.email) }, queued),
    events: (email) => jobs.events(emailKey(email)),
    event: (key) => jobs.event(key),
    allEvents: () => jobs.allEvents(),
    async get(id, kid) {
      const row = kid === undefined ? byId.get(id) : byKidId.get(kid, id);
      return row && toRecord(row);
    },
    async byId(id) {
      return byId.all(id).map(toRecord);
    },
    async byEmail(email) {
      return byEmail.all(emailKey(email)).map(toRecord);
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
    async bindKey(kid) {
      return later(() => {
        bindKey.run(kid, new Date().toISOString());
        return boundKey.get()!.value;
      });
    },
    async closeRequest({ requestId, closedAt, note }: RequestClosure, queued = []) {
      await later(() => {
        addClosure.run(requestId, closedAt, note);
        jobs.enqueue(queued);
      });
    },
    async closures() {
      return closures.all().map((c) => ({ requestId: c.request_id, closedAt: c.closed_at, note: c.note }));
    },
    async check() {
      const version = db.pragma('user_version', { simple: true }) as number;
      if (version < MIGRATIONS.length) throw new Error(`schema version ${version}, this receiver needs ${MIGRATIONS.length}`);
      // Other processes (--workers) may hold the write lock for a moment: wait briefly, not the 5 s of
      // busy_timeout, which would stall this process's event loop. Busy means that someone writes: ready.
      db.pragma(`busy_timeout = ${CHECK_BUSY_MS}`);
      try {
        try {
          probe.immediate();
        } catch (error) {
          if (error !== ROLLBACK) throw error;
        }
        healthWrite.run(new Date().toISOString());
      } catch (error) {
        if ((error as { code?: string }).code !== 'SQLITE_BUSY') throw error;
      } finally {
        db.pragma(`busy_timeout = ${BUSY_MS}`);
      }
    },
    async close() {
      if (queue.length) flush();
      db.close();
    },
  };
}
