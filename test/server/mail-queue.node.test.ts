// The MailQueue contract, run against the in-memory reference, the SQLite and
// the PostgreSQL queue; then what only SQLite has: several connections to one file, the
// record's transaction, append-only confirmations, the sender over it.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import pg from 'pg';
import { createMemoryMailQueue, type EnqueueInput, type EnqueueResult } from '../../src/server/mail/memory-queue.js';
import { startMailSender, type MailQueue } from '../../src/server/mail/sender.js';
import { PG_MAIL_SCHEMA, pgMailQueue } from '../../src/server/mail/pg-queue.js';
import { SQLITE_MAIL_SCHEMA, sqliteMailQueue } from '../../src/server/mail/sqlite-queue.js';
import { createMailTransport } from '../../src/server/mail/transport.js';
import { pgTestsDisabled, startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { tempDir } from '../helpers/mail-records.js';
import { startTestSmtp, type TestSmtp } from '../helpers/smtp.js';

type Queue = MailQueue & { enqueue(input: EnqueueInput, now?: Date): EnqueueResult | Promise<EnqueueResult> };
const T0 = new Date('2026-12-03T05:00:00.000Z');
const at = (ms: number) => new Date(T0.getTime() + ms);
const input = (to: string, addressKey = to, kind = 'confirm'): EnqueueInput => ({
  message: { to, subject: 'Vahvista tilauksesi – ä', text: `Hei ${to} 🎉`, html: '<p>Hei</p>', headers: { 'Content-Language': 'fi' } },
  addressKey,
  kind,
  recordId: '0b6f3c1e-8a41-4c52-9d3e-2f7a6b1c9e04',
});

function sqliteQueue(file = ':memory:') {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.exec(SQLITE_MAIL_SCHEMA);
  return { db, queue: sqliteMailQueue(db) };
}

// PostgreSQL: one throwaway server for the file, started on first use; each test starts from empty tables.
let postgres: { server: TestPostgres; pool: pg.Pool } | undefined;
async function pgPool(): Promise<pg.Pool> {
  if (!postgres) {
    const server = await startPostgres();
    const pool = new pg.Pool({ connectionString: server.url, max: 10 });
    await pool.query(PG_MAIL_SCHEMA);
    await pool.query(PG_MAIL_SCHEMA); // twice: the migration is idempotent
    postgres = { server, pool };
  }
  await postgres.pool.query('TRUNCATE privacy_mail_queue');
  return postgres.pool;
}
after(async () => {
  await postgres?.pool.end();
  postgres?.server.stop();
});

/** The PostgreSQL queue with each enqueue in a transaction of its own, as the store's put would run it. */
async function pgQueue(): Promise<Queue & { pool: pg.Pool }> {
  const pool = await pgPool();
  const queue = pgMailQueue(pool);
  return {
    ...queue,
    pool,
    async enqueue(item: EnqueueInput, now?: Date) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await queue.enqueue(client, item, now);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK');
        throw error;
      } finally {
        client.release();
      }
    },
  };
}

const implementations: [string, () => Queue | Promise<Queue>][] = [
  ['memory', () => createMemoryMailQueue()],
  ['sqlite', () => sqliteQueue().queue],
  ['postgresql', pgQueue],
];

for (const [name, make] of implementations) {
  describe(`MailQueue contract: ${name}`, { skip: name === 'postgresql' && pgTestsDisabled && 'PG_TESTS=off' }, () => {
    it('claims due mail oldest first, up to the limit, and leases it', async () => {
      const queue = await make();
      for (const to of ['a', 'b', 'c']) await queue.enqueue(input(`${to}@example.fi`), at(to.charCodeAt(0)));
      const first = await queue.claim(at(1000), 2, at(61_000));
      assert.deepEqual(first.map((m) => m.message.to), ['a@example.fi', 'b@example.fi']);
      assert.equal(first[0]!.attempts, 0);
      assert.equal(first[0]!.queuedAt.getTime(), at(97).getTime());
      assert.deepEqual(first[0]!.message, input('a@example.fi').message, 'the message round-trips');
      assert.deepEqual((await queue.claim(at(2000), 10, at(62_000))).map((m) => m.message.to), ['c@example.fi'], 'leased mail is not handed out twice');
      assert.deepEqual(await queue.claim(at(60_999), 10, at(120_000)), []);
      assert.deepEqual((await queue.claim(at(61_000), 10, at(121_000))).map((m) => m.message.to), ['a@example.fi', 'b@example.fi'], 'after the lease it is due again');
    });

    it('nothing is claimed before it is due', async () => {
      const queue = await make();
      await queue.enqueue(input('later@example.fi'), at(5000));
      assert.deepEqual(await queue.claim(at(4999), 10, at(10_000)), []);
      assert.equal((await queue.claim(at(5000), 10, at(10_000))).length, 1);
    });

    it('sent and given-up mail is never claimed again; failed mail waits for its next attempt', async () => {
      const queue = await make();
      await queue.enqueue(input('sent@example.fi'), T0);
      await queue.enqueue(input('failed@example.fi'), at(1));
      await queue.enqueue(input('gone@example.fi'), at(2));
      const [sent, failed, gone] = await queue.claim(at(2), 10, at(1000));
      await queue.sent(sent!.id, at(10), '<m1@optimesys.fi>');
      await queue.failed(failed!.id, at(30_000), '451 try later');
      await queue.gaveUp(gone!.id, '550 no such user');
      assert.deepEqual(await queue.claim(at(29_999), 10, at(40_000)), [], 'the failure cleared the lease but set the next attempt');
      const again = await queue.claim(at(30_000), 10, at(40_000));
      assert.deepEqual(again.map((m) => m.message.to), ['failed@example.fi']);
      assert.equal(again[0]!.attempts, 1);
      assert.deepEqual(await queue.claim(at(35_000), 10, at(45_000)), [], 'still leased');
      assert.deepEqual((await queue.claim(at(40_000), 10, at(50_000))).map((m) => m.message.to), ['failed@example.fi']);
    });

    it('at most 3 confirmation mails to one address in 24 h', async () => {
      const queue = await make();
      for (let i = 0; i < 3; i++) assert.equal((await queue.enqueue(input('x@example.fi', 'kx'), at(i))).queued, true);
      assert.deepEqual(await queue.enqueue(input('x@example.fi', 'kx'), at(3)), { queued: false, reason: 'cap' });
      assert.equal((await queue.enqueue(input('y@example.fi', 'ky'), at(3))).queued, true);
      assert.equal((await queue.enqueue(input('x@example.fi', 'kx', 'notice'), at(3))).queued, true);
      assert.equal((await queue.enqueue(input('x@example.fi', 'kx'), at(86_400_000))).queued, true, 'the first has left the window');
    });
  });
}

describe('SQLite mail queue', () => {
  it('two connections to one file never claim the same mail', async () => {
    const file = join(tempDir('pw-queue-'), 'receiver.db');
    const one = sqliteQueue(file);
    const two = sqliteMailQueue(new Database(file));
    for (let i = 0; i < 20; i++) one.queue.enqueue(input(`m${i}@example.fi`, `k${i}`), T0);
    const claimed: string[] = [];
    for (let round = 0; round < 5; round++) {
      for (const queue of [one.queue, two]) claimed.push(...(await queue.claim(at(1000), 3, at(60_000))).map((m) => m.id));
    }
    assert.equal(claimed.length, 20);
    assert.equal(new Set(claimed).size, 20);
  });

  it('a mail queued inside the record transaction rolls back with it', () => {
    const { db, queue } = sqliteQueue();
    db.exec('CREATE TABLE records (id TEXT PRIMARY KEY)');
    const store = db.transaction((id: string, fail: boolean) => {
      db.prepare('INSERT INTO records (id) VALUES (?)').run(id);
      queue.enqueue(input(`${id}@example.fi`), T0);
      if (fail) throw new Error('disk full');
    });
    store('kept', false);
    assert.throws(() => store('lost', true), /disk full/);
    assert.deepEqual(db.prepare('SELECT message FROM mail_queue').all().map((r) => JSON.parse((r as { message: string }).message).to), ['kept@example.fi']);
  });

  it('confirmations: once, then already; append-only', () => {
    const { db, queue } = sqliteQueue();
    const id = '0b6f3c1e-8a41-4c52-9d3e-2f7a6b1c9e04';
    assert.equal(queue.isConfirmed(id), false);
    assert.equal(queue.confirm(id, T0, 'tok1'), 'confirmed');
    assert.equal(queue.confirm(id, at(1000), 'tok2'), 'already');
    assert.equal(queue.isConfirmed(id), true);
    assert.deepEqual(db.prepare('SELECT confirmed_at, token_id FROM confirmations').all(), [{ confirmed_at: T0.toISOString(), token_id: 'tok1' }]);
    assert.throws(() => db.exec('DELETE FROM confirmations'), /append-only/);
    assert.throws(() => db.exec(`UPDATE confirmations SET token_id = 'x'`), /append-only/);
  });

  describe('with the sender and a real SMTP server', () => {
    let smtp: TestSmtp;
    before(async () => {
      smtp = await startTestSmtp();
    });
    after(() => smtp.stop());

    it('SMTP down, then back: the queued mail arrives once and is marked sent', async () => {
      const { db, queue } = sqliteQueue();
      queue.enqueue(input('sqlite@example.fi'));
      await smtp.stop();
      const transport = createMailTransport({ smtpUrl: smtp.url, from: 'OptimeSys <tietosuoja@optimesys.fi>', timeoutMs: 2000 });
      const sender = startMailSender({ queue, transport, backoff: { baseMs: 30, capMs: 100, jitter: 0 }, intervalMs: 10, log: () => {} });
      try {
        const attempts = () => (db.prepare('SELECT attempts FROM mail_queue').get() as { attempts: number }).attempts;
        while (attempts() < 2) await new Promise((r) => setTimeout(r, 10));
        await smtp.start();
        const received = await smtp.waitFor((m) => m.envelope.to.includes('sqlite@example.fi'));
        assert.equal(received.parsed.subject, 'Vahvista tilauksesi – ä');
        assert.equal(received.parsed.text?.trim(), 'Hei sqlite@example.fi 🎉');
        let row: { sent_at: string | null; message_id: string; last_error: string } | undefined;
        for (let i = 0; i < 100 && !row?.sent_at; i++) {
          row = db.prepare('SELECT sent_at, message_id, last_error FROM mail_queue').get() as typeof row;
          await new Promise((r) => setTimeout(r, 10));
        }
        assert.equal(row!.message_id, received.parsed.messageId);
        assert.ok(row!.last_error, 'the outage is on record');
      } finally {
        await sender.stop();
        transport.close();
      }
    });
  });
});

describe('PostgreSQL mail queue', { skip: pgTestsDisabled && 'PG_TESTS=off' }, () => {
  it('concurrent claims from several receivers never get the same mail', async () => {
    const queue = await pgQueue();
    for (let i = 0; i < 30; i++) await queue.enqueue(input(`m${i}@example.fi`, `k${i}`), T0);
    const receivers = [pgMailQueue(queue.pool), pgMailQueue(queue.pool), pgMailQueue(queue.pool)];
    const rounds = await Promise.all(
      Array.from({ length: 12 }, (_, i) => receivers[i % 3]!.claim(at(1000), 4, at(60_000))),
    );
    const ids = rounds.flat().map((m) => m.id);
    assert.equal(ids.length, 30);
    assert.equal(new Set(ids).size, 30);
  });

  it('concurrent records for one address: the cap holds across transactions', async () => {
    const queue = await pgQueue();
    const results = await Promise.all(Array.from({ length: 8 }, () => queue.enqueue(input('race@example.fi', 'krace'), T0)));
    assert.equal(results.filter((r) => r.queued).length, 3);
  });

  it('a mail queued in the record transaction rolls back with it', async () => {
    const queue = await pgQueue();
    const client = await queue.pool.connect();
    try {
      await client.query('BEGIN');
      await pgMailQueue(queue.pool).enqueue(client, input('rolledback@example.fi'), T0);
      await client.query('ROLLBACK');
    } finally {
      client.release();
    }
    assert.deepEqual(await queue.claim(at(1000), 10, at(2000)), []);
  });

  it('confirmations: once, then already; append-only', async () => {
    const queue = pgMailQueue(await pgPool());
    const id = '5b6f3c1e-8a41-4c52-9d3e-2f7a6b1c9e04';
    assert.equal(await queue.isConfirmed(id), false);
    const outcomes = await Promise.all([queue.confirm(id, T0, 'tok1'), queue.confirm(id, T0, 'tok2'), queue.confirm(id, T0, 'tok3')]);
    assert.deepEqual(outcomes.sort(), ['already', 'already', 'confirmed'], 'racing POSTs confirm once');
    assert.equal(await queue.isConfirmed(id), true);
    await assert.rejects(postgres!.pool.query('DELETE FROM privacy_confirmations'), /append-only/);
    await assert.rejects(postgres!.pool.query(`UPDATE privacy_confirmations SET token_id = 'x'`), /append-only/);
  });
});
