/**
 * The store's logic, written once for both dialects. Each operation is a
 * program: a generator that yields the queries it runs and gets their results
 * back. An engine (sqlite-store.ts, pg-store.ts) runs the programs: SQLite
 * synchronously, inside its group commit (a better-sqlite3 transaction cannot
 * await), PostgreSQL with awaits, in one transaction unless the write says
 * its statements need not commit together. What really differs by dialect
 * stays in the engine: how writes commit, how mail caps are counted under a
 * lock, and `check()`.
 */
import { randomUUID } from 'node:crypto';
import { recordArgs, toClosure, toEvent, toJob, toRecord, type Queries, type Query, type Row } from './queries.js';
import { storableId, type Db, type Dialect } from './schema.js';
import { classify, emailKey, type MailCapCount, type NewJob, type PutResult, type ReceiverEvent, type RecordStore, type RequestClosure, type RequestCounts, type RequestView, type StoredRecord } from './store.js';

/** One query a program runs, and what it wants back: its rows (a read, or a write with RETURNING), its first row, or how many rows it changed. */
export interface Op {
  query: Query;
  want: 'rows' | 'first' | 'changes';
}
export type Program<T> = Generator<Op, T, unknown>;

export function* rows<R>(query: Query<R>): Program<R[]> {
  return (yield { query, want: 'rows' }) as R[];
}
export function* first<R>(query: Query<R>): Program<R | undefined> {
  return (yield { query, want: 'first' }) as R | undefined;
}
export function* changes(query: Query): Program<number> {
  return (yield { query, want: 'changes' }) as number;
}

export interface WriteOptions {
  /** An outcome nobody waits for: it may be written with the next commit (SQLite), a crash before then repeats the job. */
  lazy?: boolean;
  /** False: the statements need not commit together (one statement, or each correct alone), so PostgreSQL runs them without BEGIN/COMMIT. */
  together?: boolean;
}

export interface Engine {
  dialect: Dialect;
  db: Db;
  q: Queries;
  /** Runs a program that only reads. */
  read<T>(program: Program<T>): Promise<T>;
  /** Runs a program that writes, its statements committed together (unless `together` is false); resolves once durable. */
  write<T>(program: Program<T>, options?: WriteOptions): Promise<T>;
  /** Inside a write: counts a job against `caps` and adds it to them, unless one is full (false then), serialised with every other writer. */
  capped(caps: readonly MailCapCount[], now: Date): Program<boolean>;
}

/** Cap rows are kept this long: longer than any cap's window. */
const CAP_ROWS_KEPT_MS = 2 * 86_400_000;
const PRUNE_EVERY_MS = 3_600_000;

/** What the programs of one store share: its engine, and when it last pruned cap rows. */
interface Context {
  engine: Engine;
  q: Queries;
  prunedAt: number;
}

// The programs are module functions that take the store as an argument, not closures made per store
// (nor per call): V8 then optimizes each once for every store in the process, where closures made for
// each new store were optimized again for each.

/** Queues jobs; runs inside the write that stores their cause. */
function* enqueue(c: Context, jobs: readonly NewJob[]): Program<void> {
  const { engine, q } = c;
  const now = new Date();
  const at = now.toISOString();
  for (const job of jobs) {
    if (job.caps?.length && !(yield* engine.capped(job.caps, now))) continue;
    const { kind, email = null, recordId = null } = job;
    yield* changes(q.insertJob({ id: randomUUID(), kind, email, recordId, payload: JSON.stringify(job.payload), at }));
  }
  if (now.getTime() - c.prunedAt > PRUNE_EVERY_MS) {
    c.prunedAt = now.getTime();
    yield* changes(q.capPrune({ before: new Date(now.getTime() - CAP_ROWS_KEPT_MS).toISOString() }));
  }
}

function* put(c: Context, row: StoredRecord, jobs: readonly NewJob[]): Program<PutResult> {
  const email = emailKey(row.email);
  if ((yield* changes(c.q.insertRecord(recordArgs(row, email)))) !== 1) {
    return classify(toRecord((yield* first(c.q.recordByKidId({ kid: row.kid, id: row.id })))!), row);
  }
  if (jobs.length) yield* enqueue(c, jobs);
  return { status: 'stored', row: { ...row, email } };
}

function* addEvent(c: Context, event: ReceiverEvent, jobs: readonly NewJob[]): Program<{ status: 'stored' | 'duplicate'; event: ReceiverEvent }> {
  const stored = { ...event, email: emailKey(event.email) };
  if ((yield* changes(c.q.insertEvent({ ...stored, data: JSON.stringify(event.data) }))) !== 1) {
    return { status: 'duplicate', event: toEvent((yield* first(c.q.eventByKey({ key: event.key })))!) };
  }
  if (jobs.length) yield* enqueue(c, jobs);
  return { status: 'stored', event: stored };
}

function* closeRequest(c: Context, { requestId, closedAt, note }: RequestClosure, jobs: readonly NewJob[]): Program<void> {
  yield* changes(c.q.insertClosure({ requestId, closedAt, note }));
  if (jobs.length) yield* enqueue(c, jobs);
}

function* bindKey(c: Context, kid: string): Program<string> {
  yield* changes(c.q.bindKey({ kid, at: new Date().toISOString() }));
  return (yield* first(c.q.boundKey()))!.value;
}

function* nothing(): Program<void> {}

function* requestPage(q: Queries, { status, today, offset, limit }: RequestView): Program<{ rows: StoredRecord[]; counts: RequestCounts }> {
  const n = (yield* first(q.requestCounts({ today })))!;
  const counts = { open: Number(n.open), overdue: Number(n.overdue), closed: Number(n.closed) };
  const found: Row<'openRequests'>[] = [];
  if (status === 'overdue') found.push(...(yield* rows(q.overdueRequests({ today, offset, limit }))));
  if (status === 'open' || status === 'all') found.push(...(yield* rows(q.openRequests({ offset, limit }))));
  // `all`: the closed ones follow the open ones, the page's offset counted across both.
  const closedFrom = status === 'closed' ? offset : status === 'all' ? Math.max(0, offset - counts.open) : -1;
  if (closedFrom >= 0 && found.length < limit) {
    const ids = (yield* rows(q.closedRequestIds({ offset: closedFrom, limit: limit - found.length }))).map((c) => c.request_id);
    const place = new Map(ids.map((id, i) => [id, i]));
    const closed = ids.length ? yield* rows(q.requestsById({ ids: JSON.stringify(ids) })) : [];
    // In the closures' order; a request id under two keys (two rows) keeps their order of arrival.
    found.push(...closed.sort((a, b) => place.get(a.id)! - place.get(b.id)! || Number(a.seq) - Number(b.seq)));
  }
  return { rows: found.map(toRecord), counts };
}

/** Every row of a paged query, oldest first: a page at a time, so that no read holds the database for long. */
async function* pages<R extends { seq: number | string }, T>(engine: Engine, page: (args: { after: number | string }) => Query<R>, map: (row: R) => T) {
  for (let after: number | string = 0; ; ) {
    const found: R[] = await engine.read(rows(page({ after })));
    if (!found.length) return;
    for (const row of found) yield map(row);
    after = found[found.length - 1]!.seq;
  }
}

/** Everything in the contract but `check` and `close`, which say things only the engine knows. */
export function storeCore(engine: Engine): Omit<RecordStore, 'check' | 'close'> {
  const { q, dialect, db } = engine;
  // Never pruned: as if last pruned longer ago than the interval (a time, as every later value is).
  const c: Context = { engine, q, prunedAt: Date.now() - PRUNE_EVERY_MS - 1 };

  return {
    put: (row, jobs = []) => engine.write(put(c, row, jobs), { together: jobs.length > 0 }),
    async queueJobs(jobs) {
      await engine.write(enqueue(c, jobs));
    },
    addEvent: (event, jobs = []) => engine.write(addEvent(c, event, jobs)),
    async events(email) {
      return (await engine.read(rows(q.eventsByEmail({ email: emailKey(email) })))).map(toEvent);
    },
    async event(key) {
      const found = await engine.read(first(q.eventByKey({ key })));
      return found && toEvent(found);
    },
    allEvents: () => pages(engine, q.eventPage, toEvent),
    async get(id, kid) {
      if (!storableId(dialect, id)) return undefined;
      const found = await engine.read(first(kid === undefined ? q.recordsById({ id }) : q.recordByKidId({ kid, id })));
      return found && toRecord(found);
    },
    async byId(id) {
      return storableId(dialect, id) ? (await engine.read(rows(q.recordsById({ id })))).map(toRecord) : [];
    },
    async byEmail(email) {
      return (await engine.read(rows(q.recordsByEmail({ email: emailKey(email) })))).map(toRecord);
    },
    all: () => pages(engine, q.recordPage, toRecord),
    async count() {
      return Number((await engine.read(first(q.countRecords())))!.n);
    },
    bindKey: (kid) => engine.write(bindKey(c, kid), { together: false }),
    async closeRequest(closure, jobs = []) {
      await engine.write(closeRequest(c, closure, jobs));
    },
    async closures() {
      return (await engine.read(rows(q.closures()))).map(toClosure);
    },
    async closuresOf(requestIds) {
      const ids = requestIds.filter((id) => storableId(dialect, id));
      return ids.length ? (await engine.read(rows(q.closuresOf({ ids: JSON.stringify(ids) })))).map(toClosure) : [];
    },
    async eventsAbout(recordIds) {
      return recordIds.length ? (await engine.read(rows(q.eventsAbout({ ids: JSON.stringify(recordIds) })))).map(toEvent) : [];
    },
    recordsOfType: (type) => pages(engine, ({ after }) => q.recordsOfType({ type, after }), toRecord),
    requestPage: (view) => engine.read(requestPage(q, view)),

    async claimJobs(kind, now, limit, leaseUntil) {
      const args = { kind, now: now.toISOString(), lease: leaseUntil.toISOString(), limit };
      return (await engine.write(rows(q.claimJobs(args)), { together: false })).map(toJob);
    },
    async renewJobLeases(ids, from, until) {
      if (!ids.length) return [];
      const args = { ids: JSON.stringify(ids), from: from.toISOString(), until: until && until.toISOString() };
      return (await engine.write(rows(q.renewLeases(args)), { together: false })).map((row) => row.id);
    },
    async jobDone(id, at, result, lazy, payload) {
      const args = { id, at: at.toISOString(), result, payload: payload ? JSON.stringify(payload) : null };
      await engine.write(changes(q.jobDone(args)), { lazy, together: false });
    },
    async jobFailed(id, next, error, lazy) {
      await engine.write(changes(q.jobFailed({ id, next: next.toISOString(), error })), { lazy, together: false });
    },
    async jobGaveUp(id, at, error, lazy) {
      await engine.write(changes(q.jobGaveUp({ id, at: at.toISOString(), error })), { lazy, together: false });
    },
    async retryJob(id, now) {
      return (await engine.write(changes(q.retryJob({ id, now: now.toISOString() })), { together: false })) === 1;
    },
    async jobs(filter) {
      // Outcomes waiting for a commit (lazy) are written first: a reader sees every send reported so far.
      await engine.write(nothing(), { together: false });
      const query = db
        .selectFrom('privacy_jobs')
        .selectAll()
        .$if(!!filter.kind, (s) => s.where('kind', '=', filter.kind!))
        .$if(!!filter.email, (s) => s.where('email', '=', filter.email!))
        .$if(!!filter.recordId, (s) => s.where('record_id', '=', filter.recordId!))
        .$if(filter.gaveUp !== undefined, (s) => s.where('gave_up_at', filter.gaveUp ? 'is not' : 'is', null))
        .orderBy('seq')
        .compile() as Query<Row<'claimJobs'>>;
      return (await engine.read(rows(query))).map(toJob);
    },
  };
}
