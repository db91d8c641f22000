import { randomUUID } from 'node:crypto';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { changes, first, storeCore, type Engine, type Program, type WriteOptions } from './core.js';
import { migrateSqlite } from './migrate.js';
import { MIGRATIONS } from './migrations.js';
import { queries, recordArgs, type Queries, type Query } from './queries.js';
import type { Database as Tables, Db } from './schema.js';
import type { MailCapCount, RecordStore } from './store.js';

export { MIGRATIONS };

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

/** How long a write waits for another process's lock; the readiness probe waits less. */
const BUSY_MS = 5000;
const CHECK_BUSY_MS = 200;

/** How long a job's outcome may wait for a commit to ride along with. */
const LAZY_MS = 20;

/** Thrown inside the health check's probe transaction to roll it back. */
const ROLLBACK = Symbol('rollback');

type Pending = { program: Program<unknown>; resolve: (value: never) => void; reject: (error: unknown) => void };

/**
 * Runs the store's programs on one better-sqlite3 connection, synchronously. Kysely builds and compiles
 * the SQL; better-sqlite3 runs it, so that a whole burst of writes fits in one transaction (Kysely's own
 * executor is asynchronous, and would prepare each statement anew). A class, so that its methods are the
 * same functions for every store a process opens, optimized once.
 *
 * Group commit: every write that arrives within one turn of the event loop (records, their jobs, job
 * outcomes, events) is committed in one transaction, one fsync for the lot, each in a savepoint of its
 * own so one failing write fails alone.
 */
class SqliteEngine implements Engine {
  readonly dialect = 'sqlite';
  readonly q: Queries;
  private readonly statements = new Map<string, Database.Statement>();
  private queue: Pending[] = [];
  private immediate: NodeJS.Immediate | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly commit: Database.Transaction<(batch: Pending[]) => ({ ok: true; value: unknown } | { ok: false; error: unknown })[]>;

  constructor(
    readonly sqlite: Database.Database,
    readonly db: Db,
  ) {
    this.q = queries(db, 'sqlite');
    const savepoint = sqlite.transaction((program: Program<unknown>) => this.run(program));
    this.commit = sqlite.transaction((batch: Pending[]) =>
      batch.map(({ program }) => {
        try {
          return { ok: true as const, value: savepoint(program) };
        } catch (error) {
          return { ok: false as const, error };
        }
      }),
    );
  }

  private statement(sql: string): Database.Statement {
    let found = this.statements.get(sql);
    if (!found) this.statements.set(sql, (found = this.sqlite.prepare(sql)));
    return found;
  }

  // The values as arguments: better-sqlite3 binds them faster than one array of them.
  get<R>(query: Query<R>): R | undefined {
    return this.statement(query.sql).get(...query.parameters) as R | undefined;
  }

  exec(query: Query): number {
    return this.statement(query.sql).run(...query.parameters).changes;
  }

  /** Runs a program to its end, each query as it comes. */
  run<T>(program: Program<T>): T {
    for (let step = program.next(); ; ) {
      if (step.done) return step.value;
      const { query, want } = step.value;
      step = program.next(want === 'changes' ? this.exec(query) : want === 'first' ? this.get(query) : this.statement(query.sql).all(...query.parameters));
    }
  }

  // Reads run at once, outside the group commit: they see what is committed.
  read<T>(program: Program<T>): Promise<T> {
    try {
      return Promise.resolve(this.run(program));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Runs the program in the next group commit; resolves once it is durable. `lazy` (a job's outcome,
   * which nobody waits for): rides along with the next commit, or goes within LAZY_MS, so a burst of
   * deliveries costs one fsync rather than one each. A crash before it lands sends that job once more.
   */
  write<T>(program: Program<T>, { lazy = false }: WriteOptions = {}): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ program, resolve: resolve as (value: never) => void, reject });
      if (!lazy) this.immediate ??= setImmediate(this.flush);
      else if (!this.immediate) this.timer ??= setTimeout(this.flush, LAZY_MS);
    });
  }

  readonly flush = (): void => {
    clearImmediate(this.immediate);
    clearTimeout(this.timer);
    this.immediate = this.timer = undefined;
    const batch = this.queue;
    this.queue = [];
    try {
      const results = this.commit.immediate(batch); // the write lock first: another process may write too
      batch.forEach((p, i) => {
        const r = results[i]!;
        if (r.ok) p.resolve(r.value as never);
        else p.reject(r.error);
      });
    } catch (error) {
      batch.forEach((p) => p.reject(error));
    }
  };

  get pending(): boolean {
    return this.queue.length > 0;
  }

  // Inside the group commit, which holds the write lock: nobody else counts meanwhile. This engine runs
  // programs synchronously, so the statements run here directly rather than each yielded to `run`: every
  // mail takes this path, up to four caps and two statements each.
  *capped(caps: readonly MailCapCount[], now: Date): Program<boolean> {
    for (const cap of caps) {
      const counted = this.get(this.q.capCount({ key: cap.key, since: new Date(now.getTime() - cap.windowMs).toISOString() }));
      if (Number(counted!.n) >= cap.max) return false;
    }
    const at = now.toISOString();
    for (const cap of caps) this.exec(this.q.capAdd({ key: cap.key, at }));
    return true;
  }
}

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
  const kysely = new Kysely<Tables>({ dialect: new SqliteDialect({ database: db }) });
  migrateSqlite(db, kysely);
  const engine = new SqliteEngine(db, kysely);
  const { q } = engine;

  // The probe: the write path of a real insert (the records b-tree, both
  // indexes, sqlite_sequence) under the write lock, rolled back; then one
  // committed, fsynced write. Not `PRAGMA quick_check`, which reads the whole
  // file and would make every probe cost as much as the database is large.
  const probe = db.transaction(() => {
    engine.run(first(q.lastRows()));
    const id = randomUUID();
    const row = { id, type: 'consent' as const, email: 'health-probe@invalid', kid: `health-probe-${randomUUID()}`, jws: 'probe..' };
    engine.run(changes(q.insertRecord(recordArgs({ ...row, record: {}, receipt: {}, receivedAt: new Date().toISOString(), dueBy: null }, row.email))));
    throw ROLLBACK;
  });

  return {
    ...storeCore(engine),
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
        engine.run(changes(q.healthWrite({ at: new Date().toISOString() })));
      } catch (error) {
        if ((error as { code?: string }).code !== 'SQLITE_BUSY') throw error;
      } finally {
        db.pragma(`busy_timeout = ${BUSY_MS}`);
      }
    },
    async close() {
      if (engine.pending) engine.flush();
      db.close();
    },
  };
}
