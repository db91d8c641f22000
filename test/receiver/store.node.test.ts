import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import pg from 'pg';
import { pgStore } from '../../src/server/receiver/pg-store.js';
import { sqliteStore } from '../../src/server/receiver/sqlite-store.js';
import type { RecordStore, StoredRecord } from '../../src/server/receiver/store.js';
import { pgTestsDisabled, startPostgres, type TestPostgres } from '../helpers/postgres.js';

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
      db.prepare("UPDATE records SET jws = 'x' WHERE id = ?").run(id);
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
});
