/**
 * More than one (#17): several receiver instances on one PostgreSQL, and
 * `serve --workers N`, as real processes, with a real PostgreSQL, the test
 * SMTP server and a webhook endpoint in this process.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import type { ServerResponse } from 'node:http';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { compactVerify, createLocalJWKSet } from 'jose';
import pg from 'pg';
import { startPostgres, pgTestsDisabled, type TestPostgres } from '../helpers/postgres.js';
import { startTestSmtp, type TestSmtp } from '../helpers/smtp.js';
import { SECRET, until, webhookEndpoint } from '../server/webhook-helpers.js';
import { consentRecord, post, signed, tempDir } from './helpers.js';

const CLI = ['--import', 'tsx', 'packages/receiver/src/cli/bin.ts'];

interface Instance {
  child: ChildProcess;
  url: string;
  log: () => string;
}

/** Starts `privacy-receiver serve` in its own process; resolves with its URL once it listens. */
function serve(args: string[], env: Record<string, string>): Promise<Instance> {
  const child = spawn('node', [...CLI, 'serve', '--port', '0', '--rate-per-second', '0', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let out = '';
  const log = () => out;
  child.stderr!.on('data', (chunk: Buffer) => void (out += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const url = out.match(/receiver: (http:\/\/\S+\/)/)?.[1];
      if (url) resolve({ child, url, log });
    });
    child.once('exit', (code) => reject(new Error(`receiver exited with ${String(code)}: ${out}`)));
  });
}

const exited = (child: ChildProcess) =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve({ code: child.exitCode, signal: child.signalCode })
    : new Promise<{ code: number | null; signal: string | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));

async function stopAll(instances: Instance[]) {
  for (const { child } of instances) if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  await Promise.all(instances.map(({ child }) => exited(child)));
}

/** Runs `fn` over `items` with at most `limit` at a time. */
async function pool<T, R>(items: readonly T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await fn(items[i]!, i);
      }
    }),
  );
  return results;
}

/** Record ids a webhook delivery is about (its data names the record). */
const recordIdOf = (payload: unknown): string | undefined => {
  const data = (payload as { data?: Record<string, unknown> })?.data ?? {};
  return (data.recordId ?? data.id ?? (data.record as { id?: string } | undefined)?.id) as string | undefined;
};

/**
 * Posts `n` records (one address each) over `instances`, waits until `jobsLeft` reads 0, stops every
 * instance (a stopped process sends nothing more), and returns how often each address was mailed
 * and each record's webhook message delivered.
 */
async function slowRun(
  instances: Instance[],
  smtp: TestSmtp,
  endpoint: { deliveries: { id: string; payload?: unknown }[] },
  jobsLeft: () => Promise<number>,
  prefix: string,
  n = 36,
) {
  const mailed = smtp.messages.length;
  const records = await Promise.all(Array.from({ length: n }, (_, i) => signed(consentRecord(`${prefix}-${i}@example.com`))));
  try {
    const statuses = await pool(records, n, async ({ jws }, i) => (await post(instances[i % instances.length]!.url, jws)).status);
    assert.deepEqual([...new Set(statuses)], [201]);
    await until(async () => (await jobsLeft()) === 0, 180_000, 'every mail and webhook message to be sent');
  } finally {
    if (process.env.DEBUG_SCALE) console.log(instances.map((i) => i.log()).join('\n'));
    await stopAll(instances);
  }
  const perAddress = new Map<string, number>();
  for (const mail of smtp.messages.slice(mailed)) for (const to of mail.envelope.to) perAddress.set(to, (perAddress.get(to) ?? 0) + 1);
  const perRecord = new Map<string, number>();
  for (const d of endpoint.deliveries) {
    const id = recordIdOf(d.payload);
    if (id) perRecord.set(id, (perRecord.get(id) ?? 0) + 1);
  }
  // Those sent other than once, as `index×count`: [] when each went exactly once.
  const notOnce = (counts: number[]) => counts.flatMap((count, i) => (count === 1 ? [] : [`${i}×${count}`]));
  return {
    mails: notOnce(records.map((_, i) => perAddress.get(`${prefix}-${i}@example.com`) ?? 0)),
    webhooks: notOnce(records.map(({ record }) => perRecord.get(record.id) ?? 0)),
  };
}

/** A webhook endpoint that takes `ms` to answer each POST (several at once, as a real one would). */
const slowEndpoint = (ms: number) => webhookEndpoint((_d, _n, res) => void setTimeout(() => res.writeHead(204).end(), ms));

describe('several instances on one PostgreSQL (#17)', { skip: pgTestsDisabled }, () => {
  let postgres: TestPostgres;
  let smtp: TestSmtp;
  before(async () => {
    postgres = await startPostgres();
    smtp = await startTestSmtp();
  });
  after(async () => {
    await smtp?.stop();
    postgres?.stop();
  });

  /** A fresh database on the test server for one test. */
  async function database(name: string): Promise<string> {
    const admin = new pg.Client({ connectionString: postgres.url });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const url = new URL(postgres.url);
    url.pathname = `/${name}`;
    return url.toString();
  }

  async function jobsLeft(url: string): Promise<number> {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const { rows } = await client.query<{ n: string }>('SELECT count(*) AS n FROM privacy_jobs WHERE done_at IS NULL AND gave_up_at IS NULL');
      if (process.env.DEBUG_SCALE === '2') {
        const left = await client.query("SELECT kind, attempts, last_error, next_attempt_at, leased_until, now() FROM privacy_jobs WHERE done_at IS NULL AND gave_up_at IS NULL LIMIT 5");
        console.log(rows[0], left.rows);
      }
      return Number(rows[0]!.n);
    } finally {
      await client.end();
    }
  }

  const environment = (databaseUrl: string, webhookUrl: string, extra: Record<string, string> = {}) => ({
    DATABASE_URL: databaseUrl,
    SMTP_URL: smtp.url,
    MAIL_FROM: 'Receiver <no-reply@example.com>',
    PUBLIC_URL: 'http://127.0.0.1:9',
    WEBHOOK_URL: webhookUrl,
    WEBHOOK_SECRET: SECRET,
    // Every record here comes from this one client, most from one signing key: open the client and key caps.
    MAIL_CAP_CLIENT: '100000',
    MAIL_CAP_KEY: '100000',
    ...extra,
  });

  it('three instances started together on an empty database all come up; every record stored once, mailed once, delivered under one webhook-id; a cap holds across them', async () => {
    const databaseUrl = await database('three');
    const endpoint = await webhookEndpoint();
    const dataDir = tempDir(); // the receipt key is shared: one file here, a secret in production
    const env = environment(databaseUrl, endpoint.url);
    const instances = await Promise.all([0, 1, 2].map(() => serve(['--workers', '1', '--data-dir', dataDir], env)));
    try {
      for (const { url } of instances) assert.equal((await fetch(new URL('/readyz', url))).status, 200);

      const mailed = smtp.messages.length;
      const records = await Promise.all(Array.from({ length: Number(process.env.SCALE_N ?? 300) }, (_, i) => signed(consentRecord(`three-${i}@example.com`))));
      const statuses = await pool(records, 24, async ({ jws }, i) => (await post(instances[i % 3]!.url, jws)).status);
      assert.deepEqual([...new Set(statuses)], [201]);

      const spread = await Promise.all(Array.from({ length: 9 }, (_, i) => signed(consentRecord('capped@example.com', true, new Date(Date.now() - (9 - i) * 1000)))));
      for (const [i, { jws }] of spread.entries()) assert.equal((await post(instances[i % 3]!.url, jws)).status, 201);

      // Once the queue is empty nothing more is sent in normal running: every job was done once.
      await until(async () => (await jobsLeft(databaseUrl)) === 0, 60_000, 'the queue to empty');
      const mails = smtp.messages.slice(mailed);
      const perAddress = new Map<string, number>();
      for (const mail of mails) for (const to of mail.envelope.to) perAddress.set(to, (perAddress.get(to) ?? 0) + 1);
      for (let i = 0; i < records.length; i++) assert.equal(perAddress.get(`three-${i}@example.com`), 1, `three-${i} mailed once`);
      const capped = perAddress.get('capped@example.com') ?? 0;
      assert.ok(capped >= 1 && capped <= 3, `9 posts over three instances gave ${capped} mails (cap 3)`);

      const byId = new Map<string, number>();
      for (const d of endpoint.deliveries) byId.set(d.id, (byId.get(d.id) ?? 0) + 1);
      assert.ok(endpoint.deliveries.every((d) => d.verified));
      assert.deepEqual([...byId.values()].filter((n) => n !== 1), [], 'every webhook-id delivered once');
      const delivered = new Set(endpoint.deliveries.map((d) => recordIdOf(d.payload)));
      for (const { record } of records) assert.ok(delivered.has(record.id), `a webhook message for ${record.id}`);

      const client = new pg.Client({ connectionString: databaseUrl });
      await client.connect();
      const { rows } = await client.query<{ n: string; distinct: string }>(
        "SELECT count(*) AS n, count(DISTINCT id) AS distinct FROM privacy_records WHERE email LIKE 'three-%'",
      );
      const versions = await client.query('SELECT version FROM privacy_schema_migrations ORDER BY version');
      await client.end();
      assert.deepEqual(rows[0], { n: String(records.length), distinct: String(records.length) });
      assert.deepEqual(
        versions.rows.map((r: { version: number }) => r.version),
        Array.from({ length: versions.rows.length }, (_, i) => i + 1),
        'each migration applied once',
      );
    } finally {
      if (process.env.DEBUG_SCALE) console.log(instances.map((i) => i.log()).join('\n'), smtp.messages.length, smtp.attempts);
      await stopAll(instances);
      await endpoint.close();
    }
  });

  it('kill -9 of an instance while it sends: every accepted record gets its mail and its webhook once the lease has run out', async () => {
    const databaseUrl = await database('killed');
    assert.equal(spawnSync('node', [...CLI, 'migrate', '--data-dir', tempDir()], { env: { ...process.env, DATABASE_URL: databaseUrl }, encoding: 'utf8' }).status, 0);
    // The endpoint holds every request until the instance is killed: it dies with deliveries in flight.
    let holding = true;
    const held: ServerResponse[] = [];
    const endpoint = await webhookEndpoint((_d, _n, res) => (holding ? held.push(res) : res.writeHead(204).end()));
    const dataDir = tempDir();
    const env = environment(databaseUrl, endpoint.url, { JOB_LEASE_SECONDS: '3' });
    const instances = await Promise.all([0, 1, 2].map(() => serve(['--workers', '1', '--data-dir', dataDir], env)));
    const [victim] = instances;
    try {
      const mailed = smtp.messages.length;
      const records = await Promise.all(Array.from({ length: 60 }, (_, i) => signed(consentRecord(`killed-${i}@example.com`))));
      const statuses = await pool(records, 12, async ({ jws }, i) => (await post(instances[i % 3]!.url, jws)).status);
      assert.deepEqual([...new Set(statuses)], [201]);
      await until(() => held.length >= 6, 20_000, 'deliveries in flight');
      victim!.child.kill('SIGKILL');
      await exited(victim!.child);
      holding = false;
      for (const res of held.splice(0)) if (!res.destroyed) res.writeHead(204).end();

      await until(async () => (await jobsLeft(databaseUrl)) === 0, 60_000, 'the survivors to finish the dead instance\'s work');
      const mails = smtp.messages.slice(mailed);
      for (let i = 0; i < 60; i++) {
        assert.ok(mails.some((m) => m.envelope.to.includes(`killed-${i}@example.com`)), `killed-${i} was mailed`);
      }
      const delivered = new Map<string, Set<string>>();
      for (const d of endpoint.deliveries) {
        const id = recordIdOf(d.payload);
        if (id) delivered.set(id, (delivered.get(id) ?? new Set()).add(d.id));
      }
      for (const { record } of records) {
        // At least once; a repeat after the crash carries the same webhook-id.
        assert.equal(delivered.get(record.id)?.size, 1, `one webhook-id for ${record.id}`);
      }
    } finally {
      holding = false;
      for (const res of held) if (!res.destroyed) res.writeHead(204).end();
      await stopAll(instances);
      await endpoint.close();
    }
  });

  it('a database that goes away: /readyz 503 and posts 503 with Retry-After, never a crash; ready again once it is back', async () => {
    const own = await startPostgres(); // paused and resumed: its own server
    const { createReceiver } = await import('../../src/receiver.js');
    const receiver = await createReceiver({ dataDir: tempDir(), databaseUrl: own.url, rateLimit: false, mail: false });
    const logged = console.error;
    console.error = () => undefined;
    const get = (path: string) => receiver.fetch(new Request(`http://127.0.0.1${path}`));
    const postOne = async () =>
      receiver.fetch(
        new Request('http://127.0.0.1/api/records', { method: 'POST', headers: { 'content-type': 'application/jose' }, body: (await signed(consentRecord())).jws }),
      );
    try {
      assert.equal((await get('/readyz')).status, 200);
      own.pause();
      await new Promise((resolve) => setTimeout(resolve, 1100)); // a probe's outcome answers /readyz for a second
      const ready = await get('/readyz');
      assert.equal(ready.status, 503);
      assert.ok(Number(ready.headers.get('retry-after')) > 0);
      assert.equal((await get('/healthz')).status, 200, 'the process is alive');
      const refused = await postOne();
      assert.equal(refused.status, 503);
      assert.ok(Number(refused.headers.get('retry-after')) > 0);
      own.resume();
      await until(async () => (await get('/readyz')).status === 200, 30_000, '/readyz after the database is back');
      assert.equal((await postOne()).status, 201);
    } finally {
      console.error = logged;
      await receiver.close();
      own.stop();
    }
  });

  it('two instances on one PostgreSQL with a slow SMTP server send each mail once (and each webhook message once)', async () => {
    const databaseUrl = await database('slow');
    const endpoint = await slowEndpoint(600);
    const dataDir = tempDir();
    // Each message takes 0.6 s and a lease 3 s: a batch of ten outlasts its lease unless the sender keeps it.
    smtp.delayMs = 600;
    try {
      const env = environment(databaseUrl, endpoint.url, { JOB_LEASE_SECONDS: '3' });
      const instances = await Promise.all([0, 1].map(() => serve(['--workers', '1', '--data-dir', dataDir], env)));
      const { mails, webhooks } = await slowRun(instances, smtp, endpoint, () => jobsLeft(databaseUrl), 'slow-pg');
      assert.deepEqual(mails, [], 'each address mailed once');
      assert.deepEqual(webhooks, [], 'each record\'s webhook message delivered once');
    } finally {
      smtp.delayMs = 0;
      await endpoint.close();
    }
  });

  it('serve --workers 2 on PostgreSQL: concurrent posts each stored once, every receipt verifies with jose', async () => {
    const databaseUrl = await database('workers');
    await workersRun(['--workers', '2', '--data-dir', tempDir()], { DATABASE_URL: databaseUrl });
  });
});

/** Posts many records at once to `serve --workers 2`; checks each is stored once and every receipt verifies. */
async function workersRun(args: string[], env: Record<string, string>, duringLoad?: (instance: Instance) => Promise<void>) {
  const instance = await serve(args, env);
  try {
    assert.match(instance.log(), /2 workers/);
    const jwks = createLocalJWKSet((await (await fetch(new URL('/.well-known/jwks.json', instance.url))).json()) as never);
    const records = await Promise.all(Array.from({ length: 200 }, (_, i) => signed(consentRecord(`workers-${i}@example.com`))));
    const load = pool(records, 32, async ({ jws, record }) => {
      for (let attempt = 0; ; attempt++) {
        // A connection the primary handed to a worker as it was killed gets no answer: the client gives up, as the outbox does.
        const response = await fetch(new URL('/api/records', instance.url), {
          method: 'POST',
          headers: { 'content-type': 'application/jose' },
          body: jws,
          signal: AbortSignal.timeout(10_000),
        }).catch(() => undefined);
        // A worker killed mid-request: the outbox would send the same record again, as here.
        if (!response || response.status === 503) {
          assert.ok(attempt < 20, `record ${record.id} never accepted: ${response?.status ?? 'no answer'}\n${instance.log()}`);
          await new Promise((r) => setTimeout(r, 100));
          continue;
        }
        assert.ok([200, 201].includes(response.status), `status ${response.status}`);
        const { receipt, recordId } = (await response.json()) as { receipt: string; recordId: string };
        assert.equal(recordId, record.id);
        await compactVerify(receipt, jwks, { algorithms: ['ES256'] });
        return record.id;
      }
    });
    await duringLoad?.(instance);
    const ids = await load;
    assert.equal(new Set(ids).size, 200);
    const exports = spawnSync('node', [...CLI, 'verify', ...args.slice(2)], { env: { ...process.env, ...env }, encoding: 'utf8' });
    assert.equal(exports.status, 0, exports.stderr);
    assert.equal((JSON.parse(exports.stdout) as { checked: number }).checked, 200, 'each record stored once');
  } finally {
    instance.child.kill('SIGTERM');
    assert.deepEqual(await exited(instance.child), { code: 0, signal: null }, instance.log());
  }
  return instance;
}

describe('serve --workers (#17)', () => {
  it('SQLite, 2 workers: concurrent posts each stored once, every receipt verifies; a killed worker is replaced and logged', async () => {
    const dataDir = tempDir();
    const instance = await workersRun(['--workers', '2', '--data-dir', dataDir], {}, async ({ child }) => {
      const workers = spawnSync('ps', ['-o', 'pid=,comm=', '--ppid', String(child.pid)], { encoding: 'utf8' })
        .stdout.trim()
        .split('\n')
        .map((line) => line.trim().split(/\s+/))
        .filter(([, comm]) => comm === 'node')
        .map(([pid]) => Number(pid));
      assert.equal(workers.length, 2, `two worker processes: ${JSON.stringify(workers)}`);
      process.kill(workers[0]!, 'SIGKILL');
    });
    assert.match(instance.log(), /worker \d+ exited with signal SIGKILL; starting another/);
    assert.match(instance.log(), /stopped on SIGTERM/);
  });
});

describe('SQLite shared by several processes (#17)', () => {
  it('three instances started together on one empty data directory all come up; records posted over them each stored once', async () => {
    const dataDir = tempDir();
    const instances = await Promise.all([0, 1, 2].map(() => serve(['--workers', '1', '--data-dir', dataDir], {})));
    try {
      for (const { url } of instances) assert.equal((await fetch(new URL('/readyz', url))).status, 200);
      const records = await Promise.all(Array.from({ length: 90 }, (_, i) => signed(consentRecord(`shared-${i}@example.com`))));
      const statuses = await pool(records, 12, async ({ jws }, i) => (await post(instances[i % 3]!.url, jws)).status);
      assert.deepEqual([...new Set(statuses)], [201]);
      // The same records again, each to another instance: answered as repeats, stored once.
      const again = await pool(records, 12, async ({ jws }, i) => (await post(instances[(i + 1) % 3]!.url, jws)).status);
      assert.deepEqual([...new Set(again)], [200]);
    } finally {
      await stopAll(instances);
    }
    const verify = spawnSync('node', [...CLI, 'verify', '--data-dir', dataDir], { encoding: 'utf8' });
    assert.equal(verify.status, 0, verify.stderr);
    assert.equal((JSON.parse(verify.stdout) as { checked: number }).checked, 90);
  });

  it('SIGTERM to the primary of --workers 2 mid-burst drains every worker: exit 0, every record answered 201 is stored', async () => {
    const dataDir = tempDir();
    const instance = await serve(['--workers', '2', '--data-dir', dataDir], {});
    const accepted: string[] = [];
    let running = true;
    let n = 0;
    const workers = Array.from({ length: 16 }, async () => {
      while (running) {
        const { jws, record } = await signed(consentRecord(`drain-${n++}@example.com`));
        const response = await post(instance.url, jws).catch(() => undefined);
        if (response?.status === 201) accepted.push(record.id);
        if (response) await response.arrayBuffer();
        else running = false; // the port is closed: the receiver has stopped
      }
    });
    await until(() => accepted.length >= 100, 60_000, '100 records accepted');
    instance.child.kill('SIGTERM');
    const { code } = await exited(instance.child);
    running = false;
    await Promise.all(workers);
    assert.equal(code, 0, instance.log());
    assert.equal(instance.log().match(/stopped on SIGTERM/g)?.length, 3, 'both workers and the primary stopped cleanly');
    const { sqliteStore } = await import('../../src/store/sqlite-store.js');
    const store = sqliteStore(`${dataDir}/records.db`);
    const missing = [];
    for (const id of accepted) if (!(await store.get(id))) missing.push(id);
    await store.close();
    assert.deepEqual(missing, []);
  });
});

describe('SQLite shared by several processes, slow SMTP', () => {
  let smtp: TestSmtp;
  before(async () => {
    smtp = await startTestSmtp();
  });
  after(() => smtp?.stop());

  it('serve --workers 2 on SQLite with a slow SMTP server sends each mail once (and each webhook message once)', async () => {
    const dataDir = tempDir();
    const endpoint = await slowEndpoint(600);
    smtp.delayMs = 600;
    const jobsLeft = async () => {
      const db = new Database(`${dataDir}/records.db`, { readonly: true, fileMustExist: true });
      try {
        return (db.prepare('SELECT count(*) AS n FROM privacy_jobs WHERE done_at IS NULL AND gave_up_at IS NULL').get() as { n: number }).n;
      } finally {
        db.close();
      }
    };
    try {
      const instance = await serve(['--workers', '2', '--data-dir', dataDir], {
        SMTP_URL: smtp.url,
        MAIL_FROM: 'Receiver <no-reply@example.com>',
        PUBLIC_URL: 'http://127.0.0.1:9',
        WEBHOOK_URL: endpoint.url,
        WEBHOOK_SECRET: SECRET,
        JOB_LEASE_SECONDS: '3',
        MAIL_CAP_CLIENT: '100000',
        MAIL_CAP_KEY: '100000',
      });
      assert.match(instance.log(), /2 workers/);
      const { mails, webhooks } = await slowRun([instance], smtp, endpoint, jobsLeft, 'slow-sqlite');
      assert.deepEqual(mails, [], 'each address mailed once');
      assert.deepEqual(webhooks, [], 'each record\'s webhook message delivered once');
    } finally {
      smtp.delayMs = 0;
      await endpoint.close();
    }
  });
});

describe('/readyz (#17)', () => {
  it('is 503 while the schema is older than this receiver needs (SQLite), and 200 again once it is current', async () => {
    const { createReceiver } = await import('../../src/receiver.js');
    const { default: Database } = await import('better-sqlite3');
    const dataDir = tempDir();
    const receiver = await createReceiver({ dataDir, rateLimit: false, mail: false });
    const logged = console.error;
    console.error = () => undefined;
    const db = new Database(`${dataDir}/records.db`);
    try {
      const current = db.pragma('user_version', { simple: true }) as number;
      assert.equal((await receiver.fetch(new Request('http://127.0.0.1/readyz'))).status, 200);
      db.pragma(`user_version = ${current - 1}`);
      await new Promise((resolve) => setTimeout(resolve, 1100)); // a probe's outcome answers /readyz for a second
      assert.equal((await receiver.fetch(new Request('http://127.0.0.1/readyz'))).status, 503);
      assert.equal((await receiver.fetch(new Request('http://127.0.0.1/healthz'))).status, 200);
      db.pragma(`user_version = ${current + 1}`); // the next release migrated: still ready
      await new Promise((resolve) => setTimeout(resolve, 1100));
      assert.equal((await receiver.fetch(new Request('http://127.0.0.1/readyz'))).status, 200);
      db.pragma(`user_version = ${current}`);
    } finally {
      db.close();
      console.error = logged;
      await receiver.close();
    }
  });
});
