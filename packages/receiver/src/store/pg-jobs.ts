/**
 * The PostgreSQL half of the job queue and the receiver's events. Several
 * receivers may share one database: `claimJobs` leases with
 * `FOR UPDATE SKIP LOCKED`, and a cap is counted under a transaction-scoped
 * advisory lock on its key, so two instances cannot both pass it.
 */
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { Job, JobQueue, NewJob, ReceiverEvent } from './store.js';

/** Migration 4: the queue (a work list: its rows change) and the events (evidence: append-only). */
export const JOBS_MIGRATION = `
CREATE TABLE privacy_jobs (
  seq BIGSERIAL PRIMARY KEY,
  id UUID NOT NULL UNIQUE,
  kind TEXT NOT NULL,
  email TEXT,
  record_id TEXT,
  cap_key TEXT,
  payload JSONB NOT NULL,
  created_at TIMESTAMPTZ NOT NULL,
  next_attempt_at TIMESTAMPTZ NOT NULL,
  leased_until TIMESTAMPTZ,
  attempts INTEGER NOT NULL DEFAULT 0,
  done_at TIMESTAMPTZ,
  result TEXT,
  last_error TEXT,
  gave_up_at TIMESTAMPTZ
);
CREATE INDEX privacy_jobs_due ON privacy_jobs (kind, next_attempt_at) WHERE done_at IS NULL AND gave_up_at IS NULL;
CREATE INDEX privacy_jobs_cap ON privacy_jobs (cap_key, created_at) WHERE cap_key IS NOT NULL;
CREATE INDEX privacy_jobs_email ON privacy_jobs (email);
CREATE INDEX privacy_jobs_record ON privacy_jobs (record_id);
CREATE TABLE privacy_events (
  seq BIGSERIAL PRIMARY KEY,
  id UUID NOT NULL UNIQUE,
  kind TEXT NOT NULL,
  key TEXT NOT NULL UNIQUE,
  email TEXT NOT NULL,
  record_id TEXT,
  record_kid TEXT,
  at TEXT NOT NULL,
  data JSONB NOT NULL,
  jws TEXT NOT NULL
);
CREATE INDEX privacy_events_email ON privacy_events (email);
CREATE TRIGGER privacy_events_append_only BEFORE UPDATE OR DELETE ON privacy_events
  FOR EACH ROW EXECUTE FUNCTION privacy_append_only();
`;

/** Migration 5: mail caps by opaque key (counters, pruned), and the receiver key the database belongs to. */
export const CAPS_MIGRATION = `
CREATE TABLE privacy_mail_caps (
  seq BIGSERIAL PRIMARY KEY,
  cap_key TEXT NOT NULL,
  at TIMESTAMPTZ NOT NULL
);
CREATE INDEX privacy_mail_caps_key ON privacy_mail_caps (cap_key, at);
CREATE TABLE privacy_meta (
  name TEXT PRIMARY KEY,
  value TEXT NOT NULL,
  set_at TIMESTAMPTZ NOT NULL
);
`;

/** Cap rows are kept this long: longer than any cap's window. */
const CAP_ROWS_KEPT_MS = 2 * 86_400_000;
let prunedAt = 0;

interface JobRow {
  id: string;
  kind: Job['kind'];
  email: string | null;
  record_id: string | null;
  payload: Record<string, unknown>;
  created_at: Date;
  attempts: number;
  next_attempt_at: Date;
  done_at: Date | null;
  result: string | null;
  last_error: string | null;
  gave_up_at: Date | null;
}
interface EventRow {
  seq: string;
  id: string;
  kind: ReceiverEvent['kind'];
  key: string;
  email: string;
  record_id: string | null;
  record_kid: string | null;
  at: string;
  data: Record<string, unknown>;
  jws: string;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);
const toJob = (row: JobRow): Job => ({
  id: row.id,
  kind: row.kind,
  payload: row.payload,
  email: row.email,
  recordId: row.record_id,
  createdAt: row.created_at.toISOString(),
  attempts: row.attempts,
  nextAttemptAt: row.next_attempt_at.toISOString(),
  doneAt: iso(row.done_at),
  result: row.result,
  lastError: row.last_error,
  gaveUpAt: iso(row.gave_up_at),
});
const toEvent = (row: EventRow): ReceiverEvent => ({
  id: row.id,
  kind: row.kind,
  key: row.key,
  email: row.email,
  recordId: row.record_id,
  recordKid: row.record_kid,
  at: row.at,
  data: row.data,
  jws: row.jws,
});

/** Queues jobs on a client inside an open transaction. */
export async function enqueue(client: pg.ClientBase, jobs: readonly NewJob[], now = new Date()): Promise<void> {
  for (const job of jobs) {
    const caps = job.caps ?? [];
    if (caps.length) {
      // Serialises every transaction that counts these keys, in every instance, until commit;
      // taken in one order, so two transactions with overlapping keys cannot deadlock.
      const keys = [...new Set(caps.map((cap) => cap.key))].sort();
      await client.query('SELECT pg_advisory_xact_lock(hashtextextended(k, 0)) FROM (SELECT k FROM unnest($1::text[]) AS k ORDER BY k) AS sorted', [keys]);
      const { rows } = await client.query<{ full: boolean | null }>(
        `SELECT bool_or(counted.n >= c.max) AS full
           FROM unnest($1::text[], $2::timestamptz[], $3::int[]) AS c(key, since, max)
           CROSS JOIN LATERAL (SELECT count(*) AS n FROM privacy_mail_caps WHERE cap_key = c.key AND at > c.since) AS counted`,
        [caps.map((cap) => cap.key), caps.map((cap) => new Date(now.getTime() - cap.windowMs)), caps.map((cap) => cap.max)],
      );
      if (rows[0]?.full) continue;
      await client.query('INSERT INTO privacy_mail_caps (cap_key, at) SELECT k, $2 FROM unnest($1::text[]) AS k', [caps.map((cap) => cap.key), now]);
    }
    await client.query(
      `INSERT INTO privacy_jobs (id, kind, email, record_id, payload, created_at, next_attempt_at)
       VALUES ($1, $2, $3, $4, $5, $6, $6)`,
      [randomUUID(), job.kind, job.email ?? null, job.recordId ?? null, job.payload, now],
    );
  }
  if (now.getTime() - prunedAt > 3_600_000) {
    prunedAt = now.getTime();
    await client.query('DELETE FROM privacy_mail_caps WHERE at < $1', [new Date(now.getTime() - CAP_ROWS_KEPT_MS)]);
  }
}

/** Runs `work` in one transaction on one pooled client. */
export async function transaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  // A connection lost mid-transaction rejects the query (the store's pool gives every client an 'error' listener).
  let broken = false;
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    broken = true;
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release(broken);
  }
}

export function pgJobs(pool: pg.Pool) {
  // Deliveries that finish together are marked done in one statement (one round trip, one commit);
  // those finishing while it runs go in the next.
  type Done = { id: string; at: Date; result: string; payload: Record<string, unknown> | null; resolve: () => void; reject: (error: unknown) => void };
  let done: Done[] = [];
  let marking: Promise<void> | undefined;
  const markDone = async () => {
    while (done.length) {
      const batch = done;
      done = [];
      try {
        await pool.query(
          `UPDATE privacy_jobs AS j SET done_at = v.at, result = v.result, payload = COALESCE(v.payload, j.payload),
               attempts = j.attempts + 1, leased_until = NULL
             FROM unnest($1::uuid[], $2::timestamptz[], $3::text[], $4::jsonb[]) AS v(id, at, result, payload) WHERE j.id = v.id`,
          [batch.map((d) => d.id), batch.map((d) => d.at), batch.map((d) => d.result), batch.map((d) => d.payload && JSON.stringify(d.payload))],
        );
        for (const d of batch) d.resolve();
      } catch (error) {
        for (const d of batch) d.reject(error);
      }
    }
    marking = undefined;
  };
  const queue: JobQueue = {
    async claimJobs(kind, now, limit, leaseUntil) {
      const { rows } = await pool.query<JobRow>(
        `UPDATE privacy_jobs SET leased_until = $4 WHERE seq IN (
           SELECT seq FROM privacy_jobs WHERE kind = $1 AND done_at IS NULL AND gave_up_at IS NULL
             AND next_attempt_at <= $2 AND (leased_until IS NULL OR leased_until <= $2)
           ORDER BY next_attempt_at, seq LIMIT $3 FOR UPDATE SKIP LOCKED)
         RETURNING *`,
        [kind, now, limit, leaseUntil],
      );
      return rows.map(toJob);
    },
    async renewJobLeases(ids, from, until) {
      if (!ids.length) return [];
      const { rows } = await pool.query<{ id: string }>(
        'UPDATE privacy_jobs SET leased_until = $3 WHERE id = ANY($1::uuid[]) AND leased_until = $2 RETURNING id',
        [ids, from, until],
      );
      return rows.map((row) => row.id);
    },
    jobDone(id, at, result, _lazy, payload) {
      return new Promise<void>((resolve, reject) => {
        done.push({ id, at, result, payload: payload ?? null, resolve, reject });
        marking ??= new Promise<void>((next) => setImmediate(next)).then(markDone);
      });
    },
    async jobFailed(id, next, error) {
      await pool.query('UPDATE privacy_jobs SET next_attempt_at = $2, last_error = $3, attempts = attempts + 1, leased_until = NULL WHERE id = $1', [id, next, error]);
    },
    async jobGaveUp(id, at, error) {
      await pool.query('UPDATE privacy_jobs SET gave_up_at = $2, last_error = $3, attempts = attempts + 1, leased_until = NULL WHERE id = $1', [id, at, error]);
    },
    async retryJob(id, now) {
      const { rowCount } = await pool.query(
        'UPDATE privacy_jobs SET gave_up_at = NULL, next_attempt_at = $2, leased_until = NULL WHERE id = $1 AND gave_up_at IS NOT NULL',
        [id, now],
      );
      return rowCount === 1;
    },
    async jobs(filter) {
      const where: string[] = [];
      const args: unknown[] = [];
      const add = (sql: string, value: unknown) => (args.push(value), where.push(sql.replace('?', `$${args.length}`)));
      if (filter.kind) add('kind = ?', filter.kind);
      if (filter.email) add('email = ?', filter.email);
      if (filter.recordId) add('record_id = ?', filter.recordId);
      if (filter.gaveUp !== undefined) where.push(filter.gaveUp ? 'gave_up_at IS NOT NULL' : 'gave_up_at IS NULL');
      const { rows } = await pool.query<JobRow>(`SELECT * FROM privacy_jobs${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY seq`, args);
      return rows.map(toJob);
    },
  };

  return {
    queue,
    addEvent(event: ReceiverEvent, jobs: readonly NewJob[] = []) {
      return transaction(pool, async (client) => {
        const { rowCount } = await client.query(
          `INSERT INTO privacy_events (id, kind, key, email, record_id, record_kid, at, data, jws)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (key) DO NOTHING`,
          [event.id, event.kind, event.key, event.email, event.recordId, event.recordKid, event.at, event.data, event.jws],
        );
        if (rowCount === 1) {
          await enqueue(client, jobs);
          return { status: 'stored' as const, event };
        }
        const { rows } = await client.query<EventRow>('SELECT * FROM privacy_events WHERE key = $1', [event.key]);
        return { status: 'duplicate' as const, event: toEvent(rows[0]!) };
      });
    },
    async events(email: string) {
      const { rows } = await pool.query<EventRow>('SELECT * FROM privacy_events WHERE email = $1 ORDER BY seq', [email]);
      return rows.map(toEvent);
    },
    async event(key: string) {
      const { rows } = await pool.query<EventRow>('SELECT * FROM privacy_events WHERE key = $1', [key]);
      return rows[0] && toEvent(rows[0]);
    },
    async *allEvents() {
      for (let after = '0'; ; ) {
        const { rows } = await pool.query<EventRow>('SELECT * FROM privacy_events WHERE seq > $1 ORDER BY seq LIMIT 500', [after]);
        if (!rows.length) return;
        for (const row of rows) yield toEvent(row);
        after = rows[rows.length - 1]!.seq;
      }
    },
  };
}
