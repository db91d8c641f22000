import pg from 'pg';
import { Kysely, PostgresDialect, sql } from 'kysely';
import { changes, first, rows, storeCore, type Engine, type Program, type WriteOptions } from './core.js';
import { migratePostgres, postgresVersion } from './migrate.js';
import { MIGRATIONS } from './migrations.js';
import { param, prepare, queries, type Queries } from './queries.js';
import type { Database } from './schema.js';
import type { MailCapCount, RecordStore } from './store.js';

export { MIGRATIONS };

/** Runs a program to its end on the pool (each statement by itself) or on one client (inside its transaction), awaiting each query. */
async function run<T>(program: Program<T>, db: pg.Pool | pg.PoolClient): Promise<T> {
  for (let step = program.next(); ; ) {
    if (step.done) return step.value;
    const { query, want } = step.value;
    const result = await db.query(query.sql, query.parameters as unknown[]);
    step = program.next(want === 'changes' ? (result.rowCount ?? 0) : want === 'first' ? result.rows[0] : result.rows);
  }
}

/** Runs a program in one transaction on one pooled client; a client that failed is not reused. */
async function transaction<T>(pool: pg.Pool, program: Program<T>): Promise<T> {
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query('BEGIN');
    const result = await run(program, client);
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

/**
 * What only PostgreSQL has: several receivers may share the database, so a cap is counted under a
 * transaction-scoped advisory lock on its key (two instances cannot both pass it), and deliveries that
 * finish together are marked done in one statement.
 */
function postgresQueries(db: Kysely<Database>) {
  const $ = <R>(query: Parameters<typeof prepare<R>>[1]) => prepare(db, query);
  return {
    // Serialises every transaction that counts these keys, in every instance, until commit; taken in one
    // order, so two transactions with overlapping keys cannot deadlock.
    lockCaps: $(sql`SELECT pg_advisory_xact_lock(hashtextextended(k, 0)) FROM (SELECT k FROM unnest(${param('keys')}::text[]) AS k ORDER BY k) AS sorted`),
    capsFull: $(
      sql<{ full: boolean | null }>`SELECT bool_or(counted.n >= c.max) AS full
        FROM unnest(${param('keys')}::text[], ${param('since')}::timestamptz[], ${param('max')}::int[]) AS c(key, since, max)
        CROSS JOIN LATERAL (SELECT count(*) AS n FROM privacy_mail_caps WHERE cap_key = c.key AND at > c.since) AS counted`,
    ),
    addCaps: $(sql`INSERT INTO privacy_mail_caps (cap_key, at) SELECT k, ${param('at')} FROM unnest(${param('keys')}::text[]) AS k`),
    jobsDone: $(
      sql`UPDATE privacy_jobs AS j SET done_at = v.at, result = v.result, payload = COALESCE(v.payload, j.payload),
            attempts = j.attempts + 1, leased_until = NULL
          FROM unnest(${param('ids')}::uuid[], ${param('at')}::timestamptz[], ${param('result')}::text[], ${param('payload')}::jsonb[])
            AS v(id, at, result, payload)
          WHERE j.id = v.id`,
    ),
  };
}

/** Runs the store's programs on the pool. A class, as SQLite's engine is: its methods are one function each. */
class PostgresEngine implements Engine {
  readonly dialect = 'postgres';
  readonly q: Queries;
  readonly pq: ReturnType<typeof postgresQueries>;

  constructor(
    readonly pool: pg.Pool,
    readonly db: Kysely<Database>,
  ) {
    this.q = queries(db, 'postgres');
    this.pq = postgresQueries(db);
  }

  read<T>(program: Program<T>): Promise<T> {
    return run(program, this.pool);
  }

  write<T>(program: Program<T>, { together = true }: WriteOptions = {}): Promise<T> {
    return together ? transaction(this.pool, program) : run(program, this.pool);
  }

  *capped(caps: readonly MailCapCount[], now: Date): Program<boolean> {
    yield* rows(this.pq.lockCaps({ keys: [...new Set(caps.map((cap) => cap.key))].sort() }));
    const keys = caps.map((cap) => cap.key);
    const since = caps.map((cap) => new Date(now.getTime() - cap.windowMs).toISOString());
    const counted = yield* first(this.pq.capsFull({ keys, since, max: caps.map((cap) => cap.max) }));
    if (counted?.full) return false;
    yield* changes(this.pq.addCaps({ keys, at: now.toISOString() }));
    return true;
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
  // Kysely builds and compiles the SQL, and runs the migrations; pg runs the store's queries: Kysely's executor
  // awaits through several layers per query, which costs more than the query's own work in this process.
  const kysely = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  try {
    await migratePostgres(kysely);
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw error;
  }
  const engine = new PostgresEngine(pool, kysely);
  const { q, pq } = engine;

  // Deliveries that finish together are marked done in one statement (one round trip, one commit);
  // those finishing while it runs go in the next.
  type Done = { id: string; at: string; result: string; payload: string | null; resolve: () => void; reject: (error: unknown) => void };
  let done: Done[] = [];
  let marking: Promise<void> | undefined;
  const markDone = async () => {
    while (done.length) {
      const batch = done;
      done = [];
      const column = <K extends keyof Done>(key: K) => batch.map((d) => d[key]);
      try {
        await run(changes(pq.jobsDone({ ids: column('id'), at: column('at'), result: column('result'), payload: column('payload') })), pool);
        for (const d of batch) d.resolve();
      } catch (error) {
        for (const d of batch) d.reject(error);
      }
    }
    marking = undefined;
  };

  return {
    ...storeCore(engine),
    jobDone(id, at, result, _lazy, payload) {
      return new Promise<void>((resolve, reject) => {
        done.push({ id, at: at.toISOString(), result, payload: payload ? JSON.stringify(payload) : null, resolve, reject });
        marking ??= new Promise<void>((next) => setImmediate(next)).then(markDone);
      });
    },
    async check() {
      // A read of both tables, the schema version, and one committed write (the database is up, accepts writes and is not read-only).
      await run(first(q.lastRows()), pool);
      const version = await postgresVersion(kysely);
      // A newer schema (the next release migrated in its deploy step) keeps this one ready during a rolling deploy.
      if (version < MIGRATIONS.length) throw new Error(`schema version ${version}, this receiver needs ${MIGRATIONS.length}`);
      await run(changes(q.healthWrite({ at: new Date().toISOString() })), pool);
    },
    async close() {
      await pool.end();
    },
  };
}
