// A database made by the receiver before one definition served both dialects (schema version 5, and the
// versions before it) is opened by today's store: every row is kept, the store works on it, and its schema
// ends up the same as a new database's. Against SQLite and PostgreSQL alike.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import pg from 'pg';
import { MIGRATIONS } from '../../src/store/migrations.js';
import { pgStore } from '../../src/store/pg-store.js';
import { sqliteStore } from '../../src/store/sqlite-store.js';
import type { Job, ReceiverEvent, RecordStore, StoredRecord } from '../../src/store/store.js';
import { pgTestsDisabled, startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { tempDir } from './helpers.js';
import { POSTGRES_MIGRATIONS_TABLE, POSTGRES_V5, SQLITE_V5, SQLITE_V5_TRIGGERS } from './store-v5-fixture.js';

const DAY = 86_400_000;
const at = (ms: number) => new Date(Date.now() + ms).toISOString();

/** A database as the old receiver left it: `run` takes `?` placeholders and the old table names. */
interface Old {
  run(sql: string, params?: unknown[]): Promise<void>;
  /** Today's SQL on the upgraded database, for what the store does not expose. */
  query<T>(sql: string, params?: unknown[]): Promise<T[]>;
  open(): Promise<RecordStore>;
  /** Columns, constraints, indexes and triggers, in a form that does not depend on how they were written. */
  schema(): Promise<unknown>;
  freshSchema(): Promise<unknown>;
  version(): Promise<number>;
}

/** What version 5 holds: records (two of one id, under two keys), a closure, events, jobs in every state, cap rows, the bound key. */
function contents() {
  const record = (over: Partial<StoredRecord> = {}): StoredRecord => {
    const id = over.id ?? randomUUID();
    return { id, type: 'consent', email: 'maija@example.fi', kid: 'kid-a', jws: `h.${id}-${over.kid ?? 'a'}.s`, record: { id, n: [1, 2] }, receipt: { recordId: id }, receivedAt: at(-3 * DAY), dueBy: null, ...over };
  };
  const first = record();
  const records = [first, record({ type: 'data-request', dueBy: '2026-12-28' }), record({ id: first.id, kid: 'kid-b' })];
  const event = (kind: ReceiverEvent['kind'], key: string): ReceiverEvent => ({
    id: randomUUID(), kind, key, email: 'maija@example.fi', recordId: first.id, recordKid: 'kid-a', at: at(-DAY), data: { tokenId: key }, jws: `r.${key}.s`,
  });
  const events = [event('confirmation', `confirm:kid-a:${first.id}`), event('withdrawal', `withdraw:${randomUUID()}`)];
  const job = (over: Partial<Job>): Job => ({
    id: randomUUID(), kind: 'mail', payload: { to: 'maija@example.fi' }, email: 'maija@example.fi', recordId: first.id, createdAt: at(-DAY),
    attempts: 0, nextAttemptAt: at(-DAY), doneAt: null, result: null, lastError: null, gaveUpAt: null, ...over,
  });
  const jobs = [
    job({}),
    job({ kind: 'webhook', email: null, recordId: null, payload: { endpoint: 'https://example.com/hook', body: '{}' }, attempts: 1, doneAt: at(-DAY), result: '204' }),
    job({ attempts: 2, nextAttemptAt: at(DAY), lastError: 'timeout' }),
    job({ attempts: 5, lastError: 'refused', gaveUpAt: at(-DAY) }),
  ];
  const leased = job({ recordId: null }); // leased by a process that is still sending it
  const closure = { requestId: records[1]!.id, closedAt: at(-DAY), note: 'answered by e-mail' };
  return { records, events, jobs, leased, closure };
}

async function fill(old: Old, names: (table: string) => string, data = contents()) {
  for (const r of data.records) {
    await old.run(`INSERT INTO ${names('records')} (id, type, email, kid, jws, record, receipt, received_at, due_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [r.id, r.type, r.email, r.kid, r.jws, JSON.stringify(r.record), JSON.stringify(r.receipt), r.receivedAt, r.dueBy]);
  }
  const c = data.closure;
  await old.run(`INSERT INTO ${names('request_closures')} (request_id, closed_at, note) VALUES (?, ?, ?)`, [c.requestId, c.closedAt, c.note]);
  for (const e of data.events) {
    await old.run(`INSERT INTO ${names('events')} (id, kind, key, email, record_id, record_kid, at, data, jws) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [e.id, e.kind, e.key, e.email, e.recordId, e.recordKid, e.at, JSON.stringify(e.data), e.jws]);
  }
  for (const [j, lease] of [...data.jobs.map((j) => [j, null] as const), [data.leased, at(DAY)] as const]) {
    await old.run(`INSERT INTO ${names('jobs')} (id, kind, email, record_id, payload, created_at, next_attempt_at, leased_until, attempts, done_at, result, last_error, gave_up_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [j.id, j.kind, j.email, j.recordId, JSON.stringify(j.payload), j.createdAt, j.nextAttemptAt, lease, j.attempts, j.doneAt, j.result, j.lastError, j.gaveUpAt]);
  }
  for (const ago of [-3_600_000, -7_200_000, -10_800_000]) await old.run(`INSERT INTO ${names('mail_caps')} (cap_key, at) VALUES (?, ?)`, ['mail:full', at(ago)]);
  await old.run(`INSERT INTO ${names('receiver_meta')} (name, value, set_at) VALUES ('receiver-key', ?, ?)`, ['kid-receiver', at(-DAY)]);
  await old.run('INSERT INTO privacy_health (id, checked_at) VALUES (1, ?)', [at(-60_000)]);
  return data;
}

async function collect<T>(rows: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const row of rows) all.push(row);
  return all;
}

function upgradeContract(name: string, make: (version: number) => Promise<Old>, names: (table: string) => string) {
  describe(`${name}: a database of schema version 5`, () => {
    it('keeps every record, closure, event, job, cap row and the bound key, and the store works on it', async () => {
      const old = await make(5);
      const data = await fill(old, names);
      const store = await old.open();
      try {
        assert.deepEqual(await collect(store.all()), data.records);
        assert.deepEqual((await store.byId(data.records[0]!.id)).map((r) => r.kid), ['kid-a', 'kid-b']);
        assert.deepEqual(await store.closures(), [data.closure]);
        assert.deepEqual(await collect(store.allEvents()), data.events);
        assert.deepEqual(await store.event(data.events[0]!.key), data.events[0]);
        assert.deepEqual(await store.jobs({}), [...data.jobs, data.leased]);
        assert.deepEqual(await old.query('SELECT CAST(count(*) AS INTEGER) AS n FROM privacy_mail_caps'), [{ n: 3 }]);
        assert.equal(await store.bindKey('kid-other'), 'kid-receiver', 'the key the database belongs to');

        // The cap rows count: three mails in the window fill a cap of three, not one of four.
        const mail = (max: number) => ({ kind: 'mail' as const, email: 'cap@example.fi', payload: {}, caps: [{ key: 'mail:full', max, windowMs: DAY }] });
        await store.queueJobs([mail(3)]);
        assert.equal((await store.jobs({ email: 'cap@example.fi' })).length, 0);
        await store.queueJobs([mail(4)]);
        assert.equal((await store.jobs({ email: 'cap@example.fi' })).length, 1);

        // Old rows answer duplicates and conflicts; new rows come after them; the queue goes on.
        const [first] = data.records as [StoredRecord];
        assert.deepEqual(await store.put({ ...first, receipt: { other: true } }), { status: 'duplicate', row: first });
        assert.equal((await store.put({ ...first, jws: 'h.changed.s' })).status, 'conflict');
        const added = { ...first, id: randomUUID(), jws: 'h.new.s' };
        assert.equal((await store.put(added)).status, 'stored');
        assert.deepEqual((await collect(store.all())).at(-1), added);
        assert.equal((await store.addEvent({ ...data.events[0]!, id: randomUUID() })).status, 'duplicate');
        const claimed = await store.claimJobs('mail', new Date(), 10, new Date(Date.now() + 60_000));
        assert.deepEqual(claimed.map((j) => j.id).sort(), [data.jobs[0]!.id, (await store.jobs({ email: 'cap@example.fi' }))[0]!.id].sort());
        await store.jobDone(data.jobs[0]!.id, new Date(), '250 ok');
        assert.equal((await store.retryJob(data.jobs[3]!.id, new Date())), true);
        await store.check();
      } finally {
        await store.close();
      }
      assert.equal(await old.version(), MIGRATIONS.length);
      assert.deepEqual(await old.query('SELECT CAST(count(*) AS INTEGER) AS n FROM privacy_records'), [{ n: 4 }]);
      for (const table of ['privacy_records', 'privacy_request_closures', 'privacy_events']) {
        await assert.rejects(() => old.query(`UPDATE ${table} SET seq = seq`), /append-only/, table);
        await assert.rejects(() => old.query(`DELETE FROM ${table}`), /append-only/, table);
      }
      assert.deepEqual(await old.schema(), await old.freshSchema(), 'the same columns, constraints, indexes and triggers as a new database');
    });

    for (const version of [1, 2, 3, 4]) {
      it(`upgrades from version ${version} too, to the schema of a new database`, async () => {
        const old = await make(version);
        const data = contents();
        const r = data.records[1]!;
        await old.run(`INSERT INTO ${names('records')} (id, type, email, kid, jws, record, receipt, received_at, due_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          [r.id, r.type, r.email, r.kid, r.jws, JSON.stringify(r.record), JSON.stringify(r.receipt), r.receivedAt, r.dueBy]);
        await old.run(`INSERT INTO ${names('request_closures')} (request_id, closed_at, note) VALUES (?, ?, ?)`, [r.id, data.closure.closedAt, 'done']);
        const store = await old.open();
        try {
          assert.deepEqual(await collect(store.all()), [r]);
          assert.equal((await store.closures())[0]!.requestId, r.id);
        } finally {
          await store.close();
        }
        assert.deepEqual(await old.schema(), await old.freshSchema());
      });
    }
  });
}

/** SQLite's schema: each table's columns, indexes (constraints' by what they are, not their generated names) and triggers. */
function sqliteSchema(file: string) {
  const db = new Database(file, { readonly: true });
  const tidy = (sql: string | null) => sql?.replace(/["\s]+/g, ' ').trim().toLowerCase() ?? null;
  try {
    const objects = db.prepare<[], { type: string; name: string; tbl_name: string; sql: string | null }>("SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name").all();
    return objects.map(({ type, name, tbl_name, sql }) => {
      if (type === 'trigger') return { trigger: name, on: tbl_name, sql: tidy(sql)!.replace(/^create trigger (if not exists )?/, '') };
      if (type === 'index') return { index: name, on: tbl_name, where: tidy(sql)!.split(' where ')[1] ?? null };
      const columns = db.pragma(`table_xinfo(${name})`) as { name: string; type: string; notnull: number; dflt_value: unknown; pk: number }[];
      const indexes = (db.pragma(`index_list(${name})`) as { name: string; unique: number; origin: string; partial: number }[])
        .map((i) => ({ origin: i.origin, name: i.origin === 'c' ? i.name : '', unique: i.unique, partial: i.partial, columns: (db.pragma(`index_info(${i.name})`) as { name: string }[]).map((c) => c.name) }))
        .sort((a, b) => `${a.name}${a.columns}`.localeCompare(`${b.name}${b.columns}`));
      return { table: name, columns: columns.map((c) => ({ ...c, type: c.type.toLowerCase() })), indexes };
    });
  } finally {
    db.close();
  }
}

const dir = tempDir();
upgradeContract(
  'SQLite',
  async (version) => {
    const file = join(dir, `v${version}-${randomUUID()}.db`);
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    for (let v = 0; v < version; v++) {
      db.exec(SQLITE_V5[v]!);
      db.pragma(`user_version = ${v + 1}`);
    }
    if (version >= 4) db.exec(SQLITE_V5_TRIGGERS);
    db.close();
    const withDb = <T>(work: (db: Database.Database) => T): T => {
      const open = new Database(file);
      try {
        return work(open);
      } finally {
        open.close();
      }
    };
    return {
      run: async (sql, params = []) => void withDb((d) => d.prepare(sql).run(...params)),
      query: async <T>(sql: string, params: unknown[] = []) => withDb((d) => (d.prepare(sql).reader ? (d.prepare(sql).all(...params) as T[]) : (d.prepare(sql).run(...params), []))),
      open: async () => sqliteStore(file),
      schema: async () => sqliteSchema(file),
      async freshSchema() {
        const fresh = join(dir, `fresh-${randomUUID()}.db`);
        await sqliteStore(fresh).close();
        return sqliteSchema(fresh);
      },
      version: async () => withDb((d) => d.pragma('user_version', { simple: true }) as number),
    };
  },
  (table) => table,
);

describe('PostgreSQL', { skip: pgTestsDisabled && 'PG_TESTS=off' }, () => {
  let server: TestPostgres;
  before(async () => {
    server = await startPostgres();
  });
  after(() => server?.stop());

  async function query<T>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
    const client = new pg.Client(url);
    await client.connect();
    try {
      let n = 0;
      return (await client.query(sql.replace(/\?/g, () => `$${++n}`), params)).rows as T[];
    } finally {
      await client.end();
    }
  }
  async function database(): Promise<string> {
    const name = `upgrade_${randomUUID().replace(/-/g, '')}`;
    await query(server.url, `CREATE DATABASE ${name}`);
    return server.url.replace(/\/postgres$/, `/${name}`);
  }
  /** PostgreSQL's schema: columns, constraints, indexes, triggers and the trigger function of the privacy_ tables. */
  const postgresSchema = async (url: string) => ({
    columns: await query(url, "SELECT table_name, column_name, data_type, is_nullable, column_default FROM information_schema.columns WHERE table_schema = 'public' AND table_name LIKE 'privacy_%' ORDER BY 1, ordinal_position"),
    constraints: await query(url, "SELECT conrelid::regclass::text AS on, conname, pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conrelid::regclass::text LIKE 'privacy_%' ORDER BY 1, 2"),
    indexes: await query(url, "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename LIKE 'privacy_%' ORDER BY 1, 2"),
    triggers: await query(url, 'SELECT tgrelid::regclass::text AS on, tgname, pg_get_triggerdef(oid) AS def FROM pg_trigger WHERE NOT tgisinternal ORDER BY 1, 2'),
    functions: (await query<{ proname: string; src: string }>(url, "SELECT proname, prosrc AS src FROM pg_proc WHERE proname LIKE 'privacy_%'")).map((f) => ({ ...f, src: f.src.replace(/\s+/g, ' ').trim() })),
  });

  upgradeContract(
    'PostgreSQL',
    async (version) => {
      const url = await database();
      await query(url, POSTGRES_MIGRATIONS_TABLE);
      for (let v = 0; v < version; v++) {
        await query(url, POSTGRES_V5[v]!);
        await query(url, 'INSERT INTO privacy_schema_migrations (version) VALUES (?)', [v + 1]);
      }
      return {
        run: async (sql, params) => void (await query(url, sql, params)),
        query: (sql, params) => query(url, sql, params),
        open: () => pgStore(url),
        schema: () => postgresSchema(url),
        async freshSchema() {
          const fresh = await database();
          await (await pgStore(fresh)).close();
          return postgresSchema(fresh);
        },
        version: async () => (await query<{ v: number }>(url, 'SELECT max(version) AS v FROM privacy_schema_migrations'))[0]!.v,
      };
    },
    (table) => ({ receiver_meta: 'privacy_meta' })[table] ?? `privacy_${table}`,
  );
});
