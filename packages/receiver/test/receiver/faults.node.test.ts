// #1 and #15 seen from the HTTP side: a database that drops its connections or a store
// that cannot write gives 503s (retried by the browser's outbox), never a crash.
import assert from 'node:assert/strict';
import { closeSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import pg from 'pg';
import { createReceiver } from '../../src/receiver.js';
import { startReceiver, type RunningReceiver } from '../../src/receiver.js';
import { pgTestsDisabled, startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { config, consentRecord, post, signed, tempDir } from './helpers.js';

describe('receiver with PostgreSQL: connections killed mid-run (#1)', { skip: pgTestsDisabled && 'PG_TESTS=off' }, () => {
  let server: TestPostgres;
  let receiver: RunningReceiver;
  before(async () => {
    server = await startPostgres();
    receiver = await startReceiver(config({ rateLimit: false, databaseUrl: server.url }));
  });
  after(async () => {
    await receiver?.close();
    server?.stop();
  });

  it('keeps serving, and keeps every record it answered 201', async () => {
    const accepted: string[] = [];
    const statuses = new Map<number, number>();
    const admin = new pg.Client({ connectionString: server.url });
    await admin.connect();
    let running = true;
    const worker = async (n: number) => {
      for (let i = 0; running; i++) {
        const { jws, record } = await signed(consentRecord(`kill-${n}-${i}@example.com`));
        const response = await post(receiver.url, jws);
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        if (response.status === 201) accepted.push(record.id);
        else assert.equal(response.status, 503, `a lost connection is a 503, not ${response.status}`);
      }
    };
    const workers = Array.from({ length: 8 }, (_, n) => worker(n));
    // Kill every backend but our own, five times, while posts go on.
    for (let round = 0; round < 5; round++) {
      await new Promise((r) => setTimeout(r, 150));
      await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND datname = current_database()');
    }
    running = false;
    await Promise.all(workers);
    await admin.end();

    // Once the database is reachable again, the next posts are stored: the pool reconnects.
    for (let i = 0; i < 10; i++) {
      const { jws, record } = await signed(consentRecord(`after-${i}@example.com`));
      assert.equal((await post(receiver.url, jws)).status, 201);
      accepted.push(record.id);
    }
    assert.ok(statuses.get(201), `some posts were stored during the kills: ${JSON.stringify([...statuses])}`);
    assert.equal((await fetch(new URL('/readyz', receiver.url))).status, 200);
    for (const id of accepted) assert.ok(await receiver.store.get(id), `record ${id} answered 201 is stored`);
  });
});

describe('receiver with a corrupt SQLite file (#15)', () => {
  it('says so at /readyz with 503 (/healthz: alive) and answers posts with 503, not 500', async () => {
    const dataDir = tempDir();
    const first = await createReceiver({ dataDir, rateLimit: false, mail: false });
    for (let i = 0; i < 100; i++) {
      const { jws } = await signed(consentRecord(`c${i}@example.com`));
      await first.fetch(new Request('http://127.0.0.1/api/records', { method: 'POST', headers: { 'content-type': 'application/jose' }, body: jws }));
    }
    await first.close();
    const path = join(dataDir, 'records.db');
    const db = new Database(path, { readonly: true });
    const { rootpage } = db.prepare("SELECT rootpage FROM sqlite_master WHERE name = 'privacy_records'").get() as { rootpage: number };
    const pageSize = db.pragma('page_size', { simple: true }) as number;
    db.close();
    const fd = openSync(path, 'r+');
    writeSync(fd, Buffer.alloc(pageSize, 0x5a), 0, pageSize, (rootpage - 1) * pageSize);
    closeSync(fd);

    const receiver = await createReceiver({ dataDir, rateLimit: false, mail: false });
    const logged = console.error;
    console.error = () => undefined;
    try {
      const ready = await receiver.fetch(new Request('http://127.0.0.1/readyz'));
      assert.equal(ready.status, 503);
      assert.ok(Number(ready.headers.get('retry-after')) > 0);
      assert.equal((await receiver.fetch(new Request('http://127.0.0.1/healthz'))).status, 200);
      const { jws } = await signed(consentRecord());
      const response = await receiver.fetch(new Request('http://127.0.0.1/api/records', { method: 'POST', headers: { 'content-type': 'application/jose' }, body: jws }));
      assert.equal(response.status, 503);
      assert.ok(Number(response.headers.get('retry-after')) > 0);
      assert.doesNotMatch(await response.text(), /malformed|sqlite|at \S+ \(/i);
    } finally {
      console.error = logged;
      await receiver.close();
    }
  });
});
