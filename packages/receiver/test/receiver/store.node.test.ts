import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import pg from 'pg';
import { closeSync, openSync, writeSync } from 'node:fs';
import { keySigner, signRecord } from '@optimesys/privacy-records/sign';
import { MIGRATIONS as PG_MIGRATIONS, pgStore } from '../../src/store/pg-store.js';
import { MIGRATIONS as SQLITE_MIGRATIONS, sqliteStore } from '../../src/store/sqlite-store.js';
import type { RecordStore, StoredRecord } from '../../src/store/store.js';
import { verifyRecord } from '../../src/records/verify.js';
import { pgTestsDisabled, startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { consentRecord } from './helpers.js';

/** The order of P-256: (r, n − s) is a second valid ECDSA signature of the same message. */
const P256_N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

/** The same JWS with the other valid signature (r, n − s): anyone can make it from a JWS they saw. */
function malleate(jws: string): string {
  const [h, p, sig] = jws.split('.') as [string, string, string];
  const bytes = Buffer.from(sig, 'base64url');
  const s = BigInt(`0x${bytes.subarray(32).toString('hex')}`);
  const flipped = Buffer.from((P256_N - s).toString(16).padStart(64, '0'), 'hex');
  return `${h}.${p}.${Buffer.concat([bytes.subarray(0, 32), flipped]).toString('base64url')}`;
}

/** A row for a really signed record, as the receiver would store it. */
async function signedRow(jws: string, receipt: Record<string, unknown> = { receipt: 'r' }): Promise<StoredRecord> {
  const verified = await verifyRecord(jws);
  assert.ok(verified.ok, JSON.stringify(verified));
  const { record, kid } = verified;
  return {
    id: record.id,
    type: record.type,
    email: record.subject.email,
    kid,
    jws,
    record: record as unknown as Record<string, unknown>,
    receipt: { recordId: record.id, ...receipt },
    receivedAt: new Date().toISOString(),
    dueBy: null,
  };
}

function row(overrides: Partial<StoredRecord> = {}): StoredRecord {
  const id = overrides.id ?? randomUUID();
  return {
    id,
    type: 'consent',
    email: 'maija.meikalainen@example.fi',
    kid: 'kid-1',
    jws: `header.${id}.signature`,
    record: { id, type: 'consent' },
    receipt: { recordId: id, receipt: `receipt-${id}` },
    receivedAt: new Date().toISOString(),
    dueBy: null,
    ...overrides,
  };
}

async function collect(store: RecordStore): Promise<StoredRecord[]> {
  const rows: StoredRecord[] = [];
  for await (const r of store.all()) rows.push(r);
  return rows;
}

/** The contract every store keeps; run against SQLite and PostgreSQL alike. */
function storeContract(
  name: string,
  open: () => Promise<RecordStore>,
  tamper: (id: string) => Promise<void>,
) {
  describe(`${name} store`, () => {
    let store: RecordStore;
    before(async () => {
      store = await open();
    });
    after(async () => {
      await store.close();
    });

    it('stores a record once and gives it back', async () => {
      const r = row({ type: 'data-request', dueBy: '2026-12-25' });
      assert.equal((await store.put(r)).status, 'stored');
      const stored = await store.get(r.id);
      assert.deepEqual(stored, r);
    });

    it('answers the same record again as a duplicate with the first receipt', async () => {
      const r = row();
      await store.put(r);
      const again = await store.put({ ...r, receipt: { other: true }, receivedAt: new Date(0).toISOString() });
      assert.equal(again.status, 'duplicate');
      assert.deepEqual(again.row.receipt, r.receipt);
    });

    it('refuses the same id with other content as a conflict and keeps the original', async () => {
      const r = row();
      await store.put(r);
      const other = await store.put({ ...r, jws: 'header.other.signature' });
      assert.equal(other.status, 'conflict');
      assert.equal((await store.get(r.id))!.jws, r.jws);
    });

    it('stores one row for 1,000 concurrent copies of a record', async () => {
      const r = row();
      const before = await store.count();
      const results = await Promise.all(Array.from({ length: 1000 }, () => store.put({ ...r })));
      assert.equal(results.filter((x) => x.status === 'stored').length, 1);
      assert.equal(results.filter((x) => x.status === 'duplicate').length, 999);
      assert.equal(await store.count(), before + 1);
    });

    it("finds every record about one person, oldest first, whatever the address's case", async () => {
      const email = `${randomUUID()}@example.com`;
      const first = row({ email });
      const second = row({ email, type: 'data-request' });
      await store.put(first);
      await store.put(row());
      await store.put(second);
      const found = await store.byEmail(email.toUpperCase());
      assert.deepEqual(
        found.map((r) => r.id),
        [first.id, second.id],
      );
    });

    it('lists every record in order, past one page', async () => {
      const rows = Array.from({ length: 620 }, () => row());
      for (const r of rows) await store.put(r);
      const all = await collect(store);
      const ids = all.map((r) => r.id);
      assert.equal(new Set(ids).size, ids.length);
      assert.deepEqual(ids.slice(-620), rows.map((r) => r.id));
    });

    it('never lets a stored record be changed or deleted', async () => {
      const r = row();
      await store.put(r);
      await assert.rejects(() => tamper(r.id), /append-only/);
      assert.equal((await store.get(r.id))!.jws, r.jws);
    });

    it('keeps records of different keys with the same id apart: unique per (kid, id) (#11.10)', async () => {
      const id = randomUUID();
      const genuine = row({ id, kid: 'kid-genuine', jws: `header.${id}-genuine.signature` });
      const squatter = row({ id, kid: 'kid-other', jws: `header.${id}-other.signature` });
      assert.equal((await store.put(squatter)).status, 'stored');
      assert.equal((await store.put(genuine)).status, 'stored', 'another key posting the id first is no conflict');
      assert.equal((await store.get(id, 'kid-genuine'))!.jws, genuine.jws);
      assert.equal((await store.get(id, 'kid-other'))!.jws, squatter.jws);
      assert.equal((await store.get(id))!.kid, 'kid-other', 'without kid: the first stored');
      assert.deepEqual((await store.byId(id)).map((r) => r.kid), ['kid-other', 'kid-genuine']);
      assert.equal((await store.put({ ...genuine, jws: `header.${id}-changed.signature` })).status, 'conflict');
      assert.equal(await store.get(id, 'nobody'), undefined);
      assert.deepEqual(await store.byId(randomUUID()), []);
    });

    it('answers the (r, n−s) copy of a stored record as a duplicate, whichever came first (#11.10)', async () => {
      const { jws } = await signRecord(consentRecord(), keySigner());
      const copy = malleate(jws);
      assert.notEqual(copy, jws);
      assert.ok((await verifyRecord(copy)).ok, 'the copy verifies: the store cannot rely on JWS strings');
      const first = await store.put(await signedRow(copy, { receipt: 'first' }));
      assert.equal(first.status, 'stored');
      const genuine = await store.put(await signedRow(jws, { receipt: 'second' }));
      assert.equal(genuine.status, 'duplicate');
      assert.equal(genuine.row.receipt.receipt, 'first', 'answered with the receipt already given');
      // Same key, same id, other payload: a conflict.
      const other = await signRecord({ ...(await signedRow(jws)).record, decisions: [] } as never, keySigner());
      const otherRow = await signedRow(other.jws);
      assert.equal((await store.put({ ...otherRow, kid: genuine.row.kid })).status, 'conflict');
    });

    it('stores and finds addresses as normalizeEmail makes them (#11.9)', async () => {
      const local = `matti.${randomUUID().slice(0, 8)}`;
      const r = row({ email: ` ${local}@XN--YHTI-8QA.fi ` });
      const stored = await store.put(r);
      assert.equal(stored.row.email, `${local}@xn--yhti-8qa.fi`);
      assert.equal((await store.get(r.id))!.email, `${local}@xn--yhti-8qa.fi`);
      for (const query of [`${local}@yhtiö.fi`, `  ${local}@xn--yhti-8qa.fi `, `${local.toUpperCase()}@YHTIÖ.FI`]) {
        assert.deepEqual((await store.byEmail(query)).map((x) => x.id), [r.id], query);
      }
    });

    it('check() resolves while the store can read and write (#11.15)', async () => {
      const before = await store.count();
      await store.check();
      await store.check();
      assert.equal(await store.count(), before, 'the probe leaves no record behind');
    });

    it('keeps request closures append-only beside the records', async () => {
      const id = randomUUID();
      await store.closeRequest({ requestId: id, closedAt: '2026-11-25T10:00:00.000Z', note: 'answered by e-mail' });
      const closures = await store.closures();
      assert.deepEqual(closures.at(-1), { requestId: id, closedAt: '2026-11-25T10:00:00.000Z', note: 'answered by e-mail' });
    });
  });
}

const dir = mkdtempSync(join(tmpdir(), 'pw-sqlite-'));
const file = join(dir, 'records.db');
after(() => rmSync(dir, { recursive: true, force: true }));

storeContract(
  'SQLite',
  async () => sqliteStore(file),
  async (id) => {
    const db = new Database(file);
    try {
      db.prepare("UPDATE privacy_records SET jws = 'x' WHERE id = ?").run(id);
    } finally {
      db.close();
    }
  },
);

describe('SQLite store on disk', () => {
  it('keeps what it stored across a reopen, in WAL mode', async () => {
    const path = join(dir, 'reopen.db');
    const first = sqliteStore(path);
    const r = row();
    await first.put(r);
    await first.close();
    const second = sqliteStore(path);
    assert.deepEqual(await second.get(r.id), r);
    await second.close();
    const db = new Database(path);
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    db.close();
  });
});

/** The SQLite schema of 0.1.0, before versioned migrations (fixture, copied from sqlite-store.ts as it was). */
const SQLITE_SCHEMA_0_1 = `
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

describe('SQLite migrations (#11.10)', () => {
  it('upgrades a database made with the 0.1.0 schema: rows, seq, closures and append-only triggers kept', async () => {
    const path = join(dir, 'legacy.db');
    const legacy = new Database(path);
    legacy.pragma('journal_mode = WAL');
    legacy.exec(SQLITE_SCHEMA_0_1);
    const old = [row(), row({ type: 'data-request', dueBy: '2026-12-28' })];
    const insert = legacy.prepare(
      'INSERT INTO records (id, type, email, kid, jws, record, receipt, received_at, due_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    for (const r of old) insert.run(r.id, r.type, r.email, r.kid, r.jws, JSON.stringify(r.record), JSON.stringify(r.receipt), r.receivedAt, r.dueBy);
    legacy.prepare('INSERT INTO request_closures (request_id, closed_at, note) VALUES (?, ?, ?)').run(old[1]!.id, '2026-12-01T00:00:00.000Z', 'done');
    const seqs = legacy.prepare('SELECT seq, id FROM records ORDER BY seq').all();
    legacy.close();

    const store = sqliteStore(path);
    try {
      assert.deepEqual(await collect(store), old.map((r) => ({ ...r })));
      assert.deepEqual((await store.closures()).map((c) => c.requestId), [old[1]!.id]);
      // The change of migration 2: the same id under another key is another record.
      const sameId = row({ id: old[0]!.id, kid: 'kid-2', jws: 'header.other.signature' });
      assert.equal((await store.put(sameId)).status, 'stored');
      assert.equal((await store.put({ ...old[0]!, jws: 'header.changed.signature' })).status, 'conflict');
    } finally {
      await store.close();
    }
    const db = new Database(path);
    try {
      assert.equal(db.pragma('user_version', { simple: true }), SQLITE_MIGRATIONS.length);
      assert.deepEqual(db.prepare('SELECT seq, id FROM privacy_records WHERE seq <= 2 ORDER BY seq').all(), seqs, 'seq kept');
      assert.equal((db.prepare('SELECT max(seq) AS m FROM privacy_records').get() as { m: number }).m, 3, 'new rows after the old ones');
      assert.throws(() => db.prepare("UPDATE privacy_records SET email = 'x' WHERE seq = 1").run(), /append-only/);
      assert.throws(() => db.prepare('DELETE FROM privacy_records WHERE seq = 1').run(), /append-only/);
      assert.throws(() => db.prepare("UPDATE privacy_request_closures SET note = 'x'").run(), /append-only/);
      assert.throws(() => db.prepare('INSERT INTO privacy_records (id, type, email, kid, jws, record, receipt, received_at) SELECT id, type, email, kid, jws, record, receipt, received_at FROM privacy_records WHERE seq = 1').run(), /UNIQUE/);
    } finally {
      db.close();
    }
    // Opening again applies nothing twice.
    const again = sqliteStore(path);
    assert.equal(await again.count(), 3);
    await again.close();
  });

  it('refuses a database from a newer receiver instead of guessing', () => {
    const path = join(dir, 'newer.db');
    const db = new Database(path);
    db.pragma('user_version = 99');
    db.close();
    assert.throws(() => sqliteStore(path), /schema version 99.*upgrade the receiver/);
  });

  it('puts the append-only triggers back when something dropped them', async () => {
    const path = join(dir, 'dropped.db');
    const store = sqliteStore(path);
    const r = row();
    await store.put(r);
    await store.close();
    const db = new Database(path);
    db.exec('DROP TRIGGER privacy_records_no_update; DROP TRIGGER privacy_records_no_delete');
    db.close();
    await sqliteStore(path).close();
    const after = new Database(path);
    try {
      assert.throws(() => after.prepare('DELETE FROM privacy_records').run(), /append-only/);
    } finally {
      after.close();
    }
  });
});

describe('SQLite check() (#11.15)', () => {
  it('rejects on a corrupt file, where every put fails too', async () => {
    const path = join(dir, 'corrupt.db');
    const store = sqliteStore(path);
    for (let i = 0; i < 200; i++) await store.put(row());
    await store.check();
    await store.close(); // checkpoints the WAL into the file
    const db = new Database(path, { readonly: true });
    const { rootpage } = db.prepare("SELECT rootpage FROM sqlite_master WHERE name = 'privacy_records'").get() as { rootpage: number };
    const pageSize = db.pragma('page_size', { simple: true }) as number;
    db.close();
    // Garbage over the records table's root page.
    const fd = openSync(path, 'r+');
    writeSync(fd, Buffer.alloc(pageSize, 0x5a), 0, pageSize, (rootpage - 1) * pageSize);
    closeSync(fd);

    const broken = sqliteStore(path);
    try {
      await assert.rejects(() => broken.check(), /malformed|corrupt/i);
      await assert.rejects(() => broken.put(row()), /malformed|corrupt/i);
    } finally {
      await broken.close();
    }
  });
});

describe('PostgreSQL', { skip: pgTestsDisabled && 'PG_TESTS=off' }, () => {
  let server: TestPostgres;
  before(async () => {
    server = await startPostgres();
  });
  after(() => server?.stop());

  storeContract(
    'PostgreSQL',
    () => pgStore(server.url, { max: 20 }),
    async (id) => {
      const client = new pg.Client(server.url);
      await client.connect();
      try {
        await client.query("DELETE FROM privacy_records WHERE id = $1", [id]);
      } finally {
        await client.end();
      }
    },
  );

  /** A second client's SQL, as an operator or a database restart would act. */
  async function admin<T extends pg.QueryResultRow>(sql: string, params: unknown[] = [], url = server.url) {
    const client = new pg.Client(url);
    await client.connect();
    try {
      return (await client.query<T>(sql, params)).rows;
    } finally {
      await client.end();
    }
  }
  const withApp = (url: string, name: string) => `${url}${url.includes('?') ? '&' : '?'}application_name=${name}`;

  describe('PostgreSQL connections lost (#11.1)', () => {
    it('survives pg_terminate_backend of its connections: calls reject or succeed, never crash, and work again', async () => {
      const store = await pgStore(withApp(server.url, 'victim'), { max: 4 });
      const logged: string[] = [];
      const error = console.error;
      console.error = (...args: unknown[]) => void logged.push(args.join(' '));
      try {
        // Open a few pooled connections, then leave them idle.
        await Promise.all(Array.from({ length: 4 }, () => store.count()));
        const killed = await admin<{ ok: boolean }>(
          "SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE application_name = 'victim'",
        );
        assert.ok(killed.length >= 1, 'the store had connections to kill');
        await new Promise((r) => setTimeout(r, 200)); // the idle clients see their sockets close
        const outcomes = await Promise.allSettled(Array.from({ length: 8 }, () => store.put(row())));
        assert.ok(outcomes.some((o) => o.status === 'fulfilled'), 'later calls succeed');
        const r = row();
        assert.equal((await store.put(r)).status, 'stored');
        assert.equal((await store.get(r.id))!.jws, r.jws);
        await store.check();
        assert.ok(logged.some((line) => /connection lost/.test(line)), `the loss is logged: ${logged.join(' | ')}`);
      } finally {
        console.error = error;
        await store.close();
      }
    });

    it('rejects every call while the database is down (check() too), and works once it is back (#11.1, #11.15)', async () => {
      const store = await pgStore(withApp(server.url, 'outage'), { max: 4 });
      const error = console.error;
      console.error = () => undefined;
      try {
        const kept = row();
        await store.put(kept);
        await store.check();
        server.pause();
        try {
          await assert.rejects(() => store.check());
          await assert.rejects(() => store.put(row()));
          await assert.rejects(() => store.get(kept.id));
          await assert.rejects(() => store.byEmail(kept.email));
          await assert.rejects(async () => {
            for await (const _ of store.all()) break;
          });
        } finally {
          server.resume();
        }
        await store.check();
        const r = row();
        assert.equal((await store.put(r)).status, 'stored');
        assert.equal((await store.get(kept.id))!.jws, kept.jws, 'nothing accepted is lost');
      } finally {
        console.error = error;
        await store.close();
      }
    });
  });

  describe('PostgreSQL migrations (#11.10)', () => {
    /** The PostgreSQL schema of 0.1.0, before versioned migrations (fixture, copied from pg-store.ts as it was). */
    const PG_SCHEMA_0_1 = `
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

    async function database(name: string): Promise<string> {
      await admin(`CREATE DATABASE ${name}`);
      return server.url.replace(/\/postgres$/, `/${name}`);
    }

    it('upgrades a database made with the 0.1.0 schema: rows, seq, closures and append-only triggers kept', async () => {
      const url = await database('legacy_upgrade');
      await admin(PG_SCHEMA_0_1, [], url);
      const old = [row(), row({ type: 'data-request', dueBy: '2026-12-28' })];
      for (const r of old) {
        await admin(
          'INSERT INTO privacy_records (id, type, email, kid, jws, record, receipt, received_at, due_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)',
          [r.id, r.type, r.email, r.kid, r.jws, r.record, r.receipt, r.receivedAt, r.dueBy],
          url,
        );
      }
      await admin('INSERT INTO privacy_request_closures (request_id, closed_at, note) VALUES ($1, $2, $3)', [old[1]!.id, '2026-12-01T00:00:00.000Z', 'done'], url);

      // Two receivers starting together: the advisory lock runs each migration once.
      const [store, twin] = await Promise.all([pgStore(url), pgStore(url)]);
      try {
        assert.deepEqual(await collect(store), old);
        assert.deepEqual((await store.closures()).map((c) => c.requestId), [old[1]!.id]);
        assert.equal((await store.put(row({ id: old[0]!.id, kid: 'kid-2', jws: 'header.other.signature' }))).status, 'stored');
        assert.equal((await twin.put({ ...old[0]!, jws: 'header.changed.signature' })).status, 'conflict');
      } finally {
        await Promise.all([store.close(), twin.close()]);
      }
      const versions = await admin<{ version: number }>('SELECT version FROM privacy_schema_migrations ORDER BY version', [], url);
      assert.deepEqual(versions.map((v) => v.version), PG_MIGRATIONS.map((_, i) => i + 1));
      const seqs = await admin<{ seq: string }>('SELECT seq FROM privacy_records ORDER BY seq', [], url);
      assert.deepEqual(seqs.map((r) => Number(r.seq)), [1, 2, 3]);
      await assert.rejects(() => admin("UPDATE privacy_records SET email = 'x' WHERE seq = 1", [], url), /append-only/);
      await assert.rejects(() => admin('DELETE FROM privacy_records WHERE seq = 2', [], url), /append-only/);
      await assert.rejects(() => admin('DELETE FROM privacy_request_closures', [], url), /append-only/);
      // Opening again applies nothing twice.
      const again = await pgStore(url);
      assert.equal(await again.count(), 3);
      await again.close();
      assert.equal((await admin('SELECT version FROM privacy_schema_migrations', [], url)).length, PG_MIGRATIONS.length);
    });

    it('refuses a database from a newer receiver instead of guessing', async () => {
      const url = await database('legacy_newer');
      await admin('CREATE TABLE privacy_schema_migrations (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now()); INSERT INTO privacy_schema_migrations (version) VALUES (99)', [], url);
      await assert.rejects(() => pgStore(url), /schema version 99.*upgrade the receiver/);
    });
  });
});
