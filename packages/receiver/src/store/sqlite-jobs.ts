/**
 * The SQLite half of the job queue and the receiver's events: statements
 * prepared once, run inside the store's own transactions (better-sqlite3 is
 * synchronous, so a cap is counted and a job queued in the transaction that
 * stores the record, with no other writer in between).
 */
import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { Job, JobQueue, NewJob, ReceiverEvent } from './store.js';

/** Migration 4: the queue (a work list: its rows change) and the events (evidence: append-only). */
export const JOBS_MIGRATION = `
CREATE TABLE jobs (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  kind TEXT NOT NULL,
  email TEXT,
  record_id TEXT,
  cap_key TEXT,
  payload TEXT NOT NULL,
  created_at TEXT NOT NULL,
  next_attempt_at TEXT NOT NULL,
  leased_until TEXT,
  attempts INTEGER NOT NULL DEFAULT 0,
  done_at TEXT,
  result TEXT,
  last_error TEXT,
  gave_up_at TEXT
);
CREATE INDEX jobs_due ON jobs (kind, next_attempt_at) WHERE done_at IS NULL AND gave_up_at IS NULL;
CREATE INDEX jobs_cap ON jobs (cap_key, created_at) WHERE cap_key IS NOT NULL;
CREATE INDEX jobs_email ON jobs (email);
CREATE INDEX jobs_record ON jobs (record_id);
CREATE TABLE events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  kind TEXT NOT NULL,
  key TEXT NOT NULL UNIQUE,
  email TEXT NOT NULL,
  record_id TEXT,
  record_kid TEXT,
  at TEXT NOT NULL,
  data TEXT NOT NULL,
  jws TEXT NOT NULL
);
CREATE INDEX events_email ON events (email);
`;

/**
 * Migration 5: what mail caps count (one row per mail and allowance, by opaque key; rows older than
 * any window are pruned: they are counters, not evidence), and the receiver key the database belongs to.
 */
export const CAPS_MIGRATION = `
CREATE TABLE mail_caps (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  cap_key TEXT NOT NULL,
  at TEXT NOT NULL
);
CREATE INDEX mail_caps_key ON mail_caps (cap_key, at);
CREATE TABLE receiver_meta (
  name TEXT PRIMARY KEY,
  value TEXT NOT NULL,
  set_at TEXT NOT NULL
);
`;

/** Cap rows are kept this long: longer than any cap's window. */
export const CAP_ROWS_KEPT_MS = 2 * 86_400_000;

export const APPEND_ONLY_EVENTS = `
CREATE TRIGGER IF NOT EXISTS events_no_update BEFORE UPDATE ON events BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TRIGGER IF NOT EXISTS events_no_delete BEFORE DELETE ON events BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
`;

interface JobRow {
  id: string;
  kind: Job['kind'];
  email: string | null;
  record_id: string | null;
  payload: string;
  created_at: string;
  attempts: number;
  next_attempt_at: string;
  done_at: string | null;
  result: string | null;
  last_error: string | null;
  gave_up_at: string | null;
}
interface EventRow {
  seq: number;
  id: string;
  kind: ReceiverEvent['kind'];
  key: string;
  email: string;
  record_id: string | null;
  record_kid: string | null;
  at: string;
  data: string;
  jws: string;
}

export const toJob = (row: JobRow): Job => ({
  id: row.id,
  kind: row.kind,
  payload: JSON.parse(row.payload) as Record<string, unknown>,
  email: row.email,
  recordId: row.record_id,
  createdAt: row.created_at,
  attempts: row.attempts,
  nextAttemptAt: row.next_attempt_at,
  doneAt: row.done_at,
  result: row.result,
  lastError: row.last_error,
  gaveUpAt: row.gave_up_at,
});
const toEvent = (row: EventRow): ReceiverEvent => ({
  id: row.id,
  kind: row.kind,
  key: row.key,
  email: row.email,
  recordId: row.record_id,
  recordKid: row.record_kid,
  at: row.at,
  data: JSON.parse(row.data) as Record<string, unknown>,
  jws: row.jws,
});

/** `later` runs a write in the store's next group commit (one transaction and fsync for a burst); `lazy`: see sqlite-store. */
export function sqliteJobs(db: Database.Database, later: <T>(run: () => T, lazy?: boolean) => Promise<T>) {
  const insertJob = db.prepare(
    `INSERT INTO jobs (id, kind, email, record_id, cap_key, payload, created_at, next_attempt_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const capCount = db.prepare<[string, string], { n: number }>('SELECT count(*) AS n FROM mail_caps WHERE cap_key = ? AND at > ?');
  const capAdd = db.prepare('INSERT INTO mail_caps (cap_key, at) VALUES (?, ?)');
  const capPrune = db.prepare('DELETE FROM mail_caps WHERE at < ?');
  let prunedAt = 0;
  const claim = db.prepare<{ kind: string; now: string; lease: string; limit: number }, JobRow>(
    `UPDATE jobs SET leased_until = @lease WHERE seq IN (
       SELECT seq FROM jobs WHERE kind = @kind AND done_at IS NULL AND gave_up_at IS NULL
         AND next_attempt_at <= @now AND (leased_until IS NULL OR leased_until <= @now)
       ORDER BY next_attempt_at, seq LIMIT @limit)
     RETURNING *`,
  );
  // The ids as one JSON array: one prepared statement whatever their number.
  const renew = db.prepare<{ ids: string; from: string; until: string | null }, { id: string }>(
    'UPDATE jobs SET leased_until = @until WHERE id IN (SELECT value FROM json_each(@ids)) AND leased_until = @from RETURNING id',
  );
  const done = db.prepare('UPDATE jobs SET done_at = ?, result = ?, attempts = attempts + 1, leased_until = NULL WHERE id = ?');
  const doneWith = db.prepare('UPDATE jobs SET done_at = ?, result = ?, payload = ?, attempts = attempts + 1, leased_until = NULL WHERE id = ?');
  const failed = db.prepare('UPDATE jobs SET next_attempt_at = ?, last_error = ?, attempts = attempts + 1, leased_until = NULL WHERE id = ?');
  const gaveUp = db.prepare('UPDATE jobs SET gave_up_at = ?, last_error = ?, attempts = attempts + 1, leased_until = NULL WHERE id = ?');
  const retry = db.prepare('UPDATE jobs SET gave_up_at = NULL, next_attempt_at = ?, leased_until = NULL WHERE id = ? AND gave_up_at IS NOT NULL');
  const insertEvent = db.prepare(
    `INSERT INTO events (id, kind, key, email, record_id, record_kid, at, data, jws)
     VALUES (@id, @kind, @key, @email, @record_id, @record_kid, @at, @data, @jws) ON CONFLICT (key) DO NOTHING`,
  );
  const eventByKey = db.prepare<[string], EventRow>('SELECT * FROM events WHERE key = ?');
  const eventsByEmail = db.prepare<[string], EventRow>('SELECT * FROM events WHERE email = ? ORDER BY seq');
  const eventPage = db.prepare<[number], EventRow>('SELECT * FROM events WHERE seq > ? ORDER BY seq LIMIT 500');

  /** Queues jobs; call inside the transaction that stores their cause. */
  function enqueue(jobs: readonly NewJob[] = [], now = new Date()): void {
    const at = now.toISOString();
    for (const job of jobs) {
      const caps = job.caps ?? [];
      if (caps.some((cap) => capCount.get(cap.key, new Date(now.getTime() - cap.windowMs).toISOString())!.n >= cap.max)) continue;
      for (const cap of caps) capAdd.run(cap.key, at);
      insertJob.run(randomUUID(), job.kind, job.email ?? null, job.recordId ?? null, null, JSON.stringify(job.payload), at, at);
    }
    if (now.getTime() - prunedAt > 3_600_000) {
      prunedAt = now.getTime();
      capPrune.run(new Date(now.getTime() - CAP_ROWS_KEPT_MS).toISOString());
    }
  }

  const addEvent = (event: ReceiverEvent, jobs: readonly NewJob[]) => {
    const { changes } = insertEvent.run({
      id: event.id,
      kind: event.kind,
      key: event.key,
      email: event.email,
      record_id: event.recordId,
      record_kid: event.recordKid,
      at: event.at,
      data: JSON.stringify(event.data),
      jws: event.jws,
    });
    if (changes === 1) {
      enqueue(jobs);
      return { status: 'stored' as const, event };
    }
    return { status: 'duplicate' as const, event: toEvent(eventByKey.get(event.key)!) };
  };

  const queue: JobQueue = {
    async claimJobs(kind, now, limit, leaseUntil) {
      return (await later(() => claim.all({ kind, now: now.toISOString(), lease: leaseUntil.toISOString(), limit }))).map(toJob);
    },
    async renewJobLeases(ids, from, until) {
      if (!ids.length) return [];
      const args = { ids: JSON.stringify(ids), from: from.toISOString(), until: until && until.toISOString() };
      return (await later(() => renew.all(args))).map((row) => row.id);
    },
    async jobDone(id, at, result, lazy, payload) {
      await later(() => (payload ? doneWith.run(at.toISOString(), result, JSON.stringify(payload), id) : done.run(at.toISOString(), result, id)), lazy);
    },
    async jobFailed(id, next, error, lazy) {
      await later(() => failed.run(next.toISOString(), error, id), lazy);
    },
    async jobGaveUp(id, at, error, lazy) {
      await later(() => gaveUp.run(at.toISOString(), error, id), lazy);
    },
    async retryJob(id, now) {
      return (await later(() => retry.run(now.toISOString(), id))).changes === 1;
    },
    async jobs(filter) {
      // Outcomes waiting for a commit (lazy) are written first: a reader sees every send reported so far.
      await later(() => undefined);
      const where: string[] = [];
      const args: unknown[] = [];
      if (filter.kind) where.push('kind = ?'), args.push(filter.kind);
      if (filter.email) where.push('email = ?'), args.push(filter.email);
      if (filter.recordId) where.push('record_id = ?'), args.push(filter.recordId);
      if (filter.gaveUp !== undefined) where.push(filter.gaveUp ? 'gave_up_at IS NOT NULL' : 'gave_up_at IS NULL');
      const sql = `SELECT * FROM jobs${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY seq`;
      return (db.prepare(sql).all(...args) as JobRow[]).map(toJob);
    },
  };

  return {
    enqueue,
    queue,
    addEvent(event: ReceiverEvent, jobs: readonly NewJob[] = []) {
      return later(() => addEvent(event, jobs));
    },
    async events(email: string) {
      return eventsByEmail.all(email).map(toEvent);
    },
    async event(key: string) {
      const row = eventByKey.get(key);
      return row && toEvent(row);
    },
    async *allEvents() {
      for (let after = 0, rows = eventPage.all(after); rows.length; rows = eventPage.all(after)) {
        for (const row of rows) yield toEvent(row);
        after = rows[rows.length - 1]!.seq;
      }
    },
  };
}
