/**
 * The store's queries, written once with Kysely and compiled once per store
 * (building and compiling a query costs more than SQLite takes to run it):
 * values are named placeholders (`param`) that each call fills in. Also the
 * rows as the contract shapes them.
 */
import { sql, type Compilable, type ExpressionBuilder, type RawBuilder } from 'kysely';
import { fromJson, fromTime, type Database, type Db, type Dialect } from './schema.js';
import type { Job, ReceiverEvent, RequestClosure, StoredRecord } from './store.js';

class Param {
  constructor(readonly name: string) {}
}

/** A named placeholder in a query compiled once; typed as whatever the column takes. */
export const param = (name: string): any => new Param(name);

type Args = Readonly<Record<string, unknown>>;

/** A query to run: its SQL and its values in placeholder order. `R`: a row. */
export interface Query<R = unknown> {
  readonly sql: string;
  readonly parameters: readonly unknown[];
  /** Never set: carries the row type. */
  readonly row?: R;
}

/** A compiled query: called with the placeholders' values, gives the query to run. */
export type Prepared<R> = (args?: Args) => Query<R>;

const NONE: Args = {};

/**
 * Compiles `query` once for `db`'s dialect; each call puts the values it is given in placeholder order.
 * (Placeholders by name would spare that array, but better-sqlite3 binds a value by name slower than
 * the array costs to build.)
 */
export function prepare<R>(db: Db, query: Compilable<R> | RawBuilder<R>): Prepared<R> {
  const { sql: text, parameters: fixed } = (query as RawBuilder<R>).compile(db);
  const names = fixed.map((value) => (value instanceof Param ? value.name : undefined));
  return function preparedQuery(args = NONE) {
    const parameters = new Array<unknown>(names.length);
    for (let i = 0; i < names.length; i++) parameters[i] = names[i] === undefined ? fixed[i] : args[names[i]!];
    return { sql: text, parameters };
  };
}

/** Rows read at a time by the iterators (`all`, `allEvents`): a page, not one long-open cursor. */
const PAGE = 500;

export function queries(db: Db, dialect: Dialect) {
  const $ = <R>(query: Compilable<R> | RawBuilder<R>) => prepare(db, query);
  const records = db.selectFrom('privacy_records').selectAll();
  const events = db.selectFrom('privacy_events').selectAll();
  const jobs = db.updateTable('privacy_jobs');
  // A list of ids as one parameter (JSON text), so that the statement is compiled once whatever its length.
  const idList =
    dialect === 'postgres'
      ? sql<string>`(SELECT value::uuid FROM jsonb_array_elements_text(${param('ids')}::jsonb) AS value)`
      : sql<string>`(SELECT value FROM json_each(${param('ids')}))`;
  // Lists of text (events keep record ids as text in both databases).
  const textList =
    dialect === 'postgres'
      ? sql<string>`(SELECT value FROM jsonb_array_elements_text(${param('ids')}::jsonb) AS value)`
      : sql<string>`(SELECT value FROM json_each(${param('ids')}))`;
  // The console's views of data requests. `type` is a literal, not a parameter: only then may either
  // database read the partial index of requests (privacy_records_requests).
  const requests = db.selectFrom('privacy_records as r').selectAll('r').where('r.type', '=', sql.lit('data-request'));
  const closed = (eb: ExpressionBuilder<Database & { r: Database['privacy_records'] }, 'r'>) =>
    eb.exists(eb.selectFrom('privacy_request_closures as c').select('c.seq').whereRef('c.request_id', '=', 'r.id'));
  const unclosed = requests.where((eb) => eb.not(closed(eb))).orderBy('r.due_by').orderBy('r.seq');
  const count = (eb: { fn: { countAll<T>(): any } }) => eb.fn.countAll<number | string>().as('n');
  return {
    // Open requests by due date (overdue first), then their order of arrival; a page of them.
    openRequests: $(unclosed.limit(param('limit')).offset(param('offset'))),
    overdueRequests: $(unclosed.where('r.due_by', '<', param('today')).limit(param('limit')).offset(param('offset'))),
    // Closed requests, most recently closed first (by each one's first closure: that one closed it): a page
    // of the closures in their order, then their records by id. (One query joining both is read by SQLite
    // the other way round: every request by the partial index, then a sort.)
    closedRequestIds: $(
      db
        .selectFrom('privacy_request_closures as c')
        .select('c.request_id')
        .where('c.seq', '=', (eb) =>
          eb
            .selectFrom('privacy_request_closures as f')
            .select((f) => f.fn.min('f.seq').as('first'))
            .whereRef('f.request_id', '=', 'c.request_id'),
        )
        .where((eb) => eb.exists(eb.selectFrom('privacy_records as r').select('r.seq').whereRef('r.id', '=', 'c.request_id').where('r.type', '=', 'data-request')))
        .orderBy('c.seq', 'desc')
        .limit(param('limit'))
        .offset(param('offset')),
    ),
    // A page's worth, put in order by the caller.
    requestsById: $(records.where('id', 'in', idList).where('type', '=', 'data-request')),
    requestCounts: $(
      db.selectNoFrom((eb) => [
        requests.clearSelect().select(count).where((w) => w.not(closed(w))).as('open'),
        requests
          .clearSelect()
          .select(count)
          .where((w) => w.not(closed(w)))
          .where('r.due_by', '<', param('today'))
          .as('overdue'),
        requests.clearSelect().select(count).where(closed).as('closed'),
      ]),
    ),
    recordsOfType: $(records.where('type', '=', param('type')).where('seq', '>', param('after')).orderBy('seq').limit(PAGE)),
    eventsAbout: $(events.where('record_id', 'in', textList).orderBy('seq')),
    closuresOf: $(db.selectFrom('privacy_request_closures').select(['request_id', 'closed_at', 'note']).where('request_id', 'in', idList).orderBy('seq')),

    insertRecord: $(
      db
        .insertInto('privacy_records')
        .values({
          id: param('id'),
          type: param('type'),
          email: param('email'),
          kid: param('kid'),
          jws: param('jws'),
          record: param('record'),
          receipt: param('receipt'),
          received_at: param('receivedAt'),
          due_by: param('dueBy'),
        })
        .onConflict((c) => c.columns(['kid', 'id']).doNothing()),
    ),
    recordByKidId: $(records.where('kid', '=', param('kid')).where('id', '=', param('id'))),
    recordsById: $(records.where('id', '=', param('id')).orderBy('seq')),
    recordsByEmail: $(records.where('email', '=', param('email')).orderBy('seq')),
    recordPage: $(records.where('seq', '>', param('after')).orderBy('seq').limit(PAGE)),
    countRecords: $(db.selectFrom('privacy_records').select((eb) => eb.fn.countAll<number | string>().as('n'))),
    // The health check's read: the newest row of each append-only table the receiver answers from.
    lastRows: $(
      db.selectNoFrom((eb) => [
        eb.selectFrom('privacy_records').select('seq').orderBy('seq', 'desc').limit(1).as('record'),
        eb.selectFrom('privacy_request_closures').select('seq').orderBy('seq', 'desc').limit(1).as('closure'),
      ]),
    ),

    insertClosure: $(db.insertInto('privacy_request_closures').values({ request_id: param('requestId'), closed_at: param('closedAt'), note: param('note') })),
    closures: $(db.selectFrom('privacy_request_closures').select(['request_id', 'closed_at', 'note']).orderBy('seq')),

    insertEvent: $(
      db
        .insertInto('privacy_events')
        .values({
          id: param('id'),
          kind: param('kind'),
          key: param('key'),
          email: param('email'),
          record_id: param('recordId'),
          record_kid: param('recordKid'),
          at: param('at'),
          data: param('data'),
          jws: param('jws'),
        })
        .onConflict((c) => c.column('key').doNothing()),
    ),
    eventByKey: $(events.where('key', '=', param('key'))),
    eventsByEmail: $(events.where('email', '=', param('email')).orderBy('seq')),
    eventPage: $(events.where('seq', '>', param('after')).orderBy('seq').limit(PAGE)),

    insertJob: $(
      db.insertInto('privacy_jobs').values({
        id: param('id'),
        kind: param('kind'),
        email: param('email'),
        record_id: param('recordId'),
        payload: param('payload'),
        created_at: param('at'),
        next_attempt_at: param('at'),
      }),
    ),
    capCount: $(
      db
        .selectFrom('privacy_mail_caps')
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .where('cap_key', '=', param('key'))
        .where('at', '>', param('since')),
    ),
    capAdd: $(db.insertInto('privacy_mail_caps').values({ cap_key: param('key'), at: param('at') })),
    capPrune: $(db.deleteFrom('privacy_mail_caps').where('at', '<', param('before'))),
    // Due, unleased, unfinished jobs of one kind, oldest due first; PostgreSQL skips rows another instance is claiming.
    claimJobs: $(
      jobs
        .set({ leased_until: param('lease') })
        .where('seq', 'in', (eb) =>
          eb
            .selectFrom('privacy_jobs')
            .select('seq')
            .where('kind', '=', param('kind'))
            .where('done_at', 'is', null)
            .where('gave_up_at', 'is', null)
            .where('next_attempt_at', '<=', param('now'))
            .where((w) => w.or([w('leased_until', 'is', null), w('leased_until', '<=', param('now'))]))
            .orderBy('next_attempt_at')
            .orderBy('seq')
            .limit(param('limit'))
            .$if(dialect === 'postgres', (q) => q.forUpdate().skipLocked()),
        )
        .returningAll(),
    ),
    renewLeases: $(jobs.set({ leased_until: param('until') }).where('id', 'in', idList).where('leased_until', '=', param('from')).returning('id')),
    jobDone: $(
      jobs
        .set((eb) => ({
          done_at: param('at'),
          result: param('result'),
          payload: eb.fn.coalesce(eb.val(param('payload')), eb.ref('payload')),
          attempts: eb('attempts', '+', 1),
          leased_until: null,
        }))
        .where('id', '=', param('id')),
    ),
    jobFailed: $(
      jobs
        .set((eb) => ({ next_attempt_at: param('next'), last_error: param('error'), attempts: eb('attempts', '+', 1), leased_until: null }))
        .where('id', '=', param('id')),
    ),
    jobGaveUp: $(
      jobs
        .set((eb) => ({ gave_up_at: param('at'), last_error: param('error'), attempts: eb('attempts', '+', 1), leased_until: null }))
        .where('id', '=', param('id')),
    ),
    retryJob: $(
      jobs.set({ gave_up_at: null, next_attempt_at: param('now'), leased_until: null }).where('id', '=', param('id')).where('gave_up_at', 'is not', null),
    ),

    bindKey: $(
      db
        .insertInto('privacy_meta')
        .values({ name: 'receiver-key', value: param('kid'), set_at: param('at') })
        .onConflict((c) => c.column('name').doNothing()),
    ),
    boundKey: $(db.selectFrom('privacy_meta').select('value').where('name', '=', 'receiver-key')),
    healthWrite: $(
      db
        .insertInto('privacy_health')
        .values({ id: 1, checked_at: param('at') })
        .onConflict((c) => c.column('id').doUpdateSet({ checked_at: (eb) => eb.ref('excluded.checked_at') })),
    ),
  };
}

export type Queries = ReturnType<typeof queries>;

/** The row a query of `queries` gives. */
export type Row<K extends keyof Queries> = Queries[K] extends Prepared<infer R> ? R : never;

/** The parameters of `insertRecord` for a row (the address already as `emailKey` makes it). */
export const recordArgs = (row: StoredRecord, email: string) => ({
  id: row.id,
  type: row.type,
  email,
  kid: row.kid,
  jws: row.jws,
  record: JSON.stringify(row.record),
  receipt: JSON.stringify(row.receipt),
  receivedAt: row.receivedAt,
  dueBy: row.dueBy,
});

export const toRecord = (row: Row<'recordByKidId'>): StoredRecord => ({
  id: row.id,
  type: row.type as StoredRecord['type'],
  email: row.email,
  kid: row.kid,
  jws: row.jws,
  record: fromJson(row.record),
  receipt: fromJson(row.receipt),
  receivedAt: row.received_at,
  dueBy: row.due_by,
});

export const toClosure = (row: Row<'closures'>): RequestClosure => ({ requestId: row.request_id, closedAt: row.closed_at, note: row.note });

export const toJob = (row: Row<'claimJobs'>): Job => ({
  id: row.id,
  kind: row.kind as Job['kind'],
  payload: fromJson(row.payload),
  email: row.email,
  recordId: row.record_id,
  createdAt: fromTime(row.created_at),
  attempts: row.attempts,
  nextAttemptAt: fromTime(row.next_attempt_at),
  doneAt: fromTime(row.done_at),
  result: row.result,
  lastError: row.last_error,
  gaveUpAt: fromTime(row.gave_up_at),
});

export const toEvent = (row: Row<'eventByKey'>): ReceiverEvent => ({
  id: row.id,
  kind: row.kind as ReceiverEvent['kind'],
  key: row.key,
  email: row.email,
  recordId: row.record_id,
  recordKid: row.record_kid,
  at: row.at,
  data: fromJson(row.data),
  jws: row.jws,
});
