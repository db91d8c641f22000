/**
 * How `serve` lives through a database outage and through workers that keep
 * dying, and what still stops it: real processes (`serve --workers N`, the
 * single process) on a real PostgreSQL that is stopped and started again.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { respawnDelay } from '../../src/cli/cluster.js';
import { unreachable } from '../../src/store/store-wait.js';
import { pgTestsDisabled, startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { consentRecord, post, signed, tempDir } from './helpers.js';

const CLI = ['--import', 'tsx', 'packages/receiver/src/cli/bin.ts'];
/** The outage the receiver must outlive. */
const OUTAGE_MS = 60_000;

interface Launched {
  child: ChildProcess;
  /** Resolves with the URL of the start-up line; rejects if the process exits first. */
  started: Promise<string>;
  /** stdout and stderr as they came. */
  log(): string;
}

/** Starts `privacy-receiver serve` without waiting for it (it may be waiting for its database). */
function launch(args: string[], env: Record<string, string>): Launched {
  const child = spawn('node', [...CLI, 'serve', '--port', '0', '--rate-per-second', '0', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let out = '';
  child.stderr!.on('data', (chunk: Buffer) => void (out += chunk.toString()));
  const started = new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const url = out.match(/receiver: (http:\/\/\S+\/)/)?.[1];
      if (url) resolve(url);
    });
    child.once('exit', (code, signal) => reject(new Error(`receiver exited with ${String(code ?? signal)}: ${out}`)));
  });
  started.catch(() => undefined); // a test that expects the exit awaits `exited` instead
  return { child, started, log: () => out };
}

const alive = (child: ChildProcess) => child.exitCode === null && child.signalCode === null;

const exited = (child: ChildProcess) =>
  !alive(child)
    ? Promise.resolve({ code: child.exitCode, signal: child.signalCode })
    : new Promise<{ code: number | null; signal: string | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` every `every` ms until it gives something other than undefined or false; fails after `ms`. */
async function until<T>(check: () => T | undefined | false | Promise<T | undefined | false>, ms: number, what: string, every = 100): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > end) throw new Error(`Timed out waiting for ${what}`);
    await sleep(every);
  }
}

/** The worker processes the primary `pid` has forked now. */
function workerPids(pid: number): number[] {
  return spawnSync('ps', ['-o', 'pid=,comm=', '--ppid', String(pid)], { encoding: 'utf8' })
    .stdout.trim()
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter(([, comm]) => comm === 'node')
    .map(([pid]) => Number(pid));
}

const count = (text: string, pattern: RegExp) => text.match(new RegExp(pattern.source, 'g'))?.length ?? 0;

async function stop(launched: Launched) {
  if (alive(launched.child)) launched.child.kill('SIGTERM');
  return exited(launched.child);
}

describe('what is waited for, and how long', () => {
  const coded = (code: string, message = code) => Object.assign(new Error(message), { code });
  it('tells a database that cannot be reached now from one that refuses the receiver', () => {
    for (const error of [
      coded('ECONNREFUSED'),
      coded('ETIMEDOUT'),
      coded('ENOTFOUND'),
      coded('57P03', 'the database system is starting up'),
      coded('57P01', 'terminating connection due to administrator command'),
      coded('53300', 'sorry, too many clients already'),
      coded('08006'),
      new Error('Connection terminated unexpectedly'),
      new Error('Connection terminated due to connection timeout'),
      new Error('timeout exceeded when trying to connect'),
      new AggregateError([coded('ECONNREFUSED'), coded('ECONNREFUSED')]),
    ]) {
      assert.equal(unreachable(error), true, error.message);
    }
    for (const error of [
      coded('28P01', 'password authentication failed for user "privacy"'),
      coded('28000', 'role "x" does not exist'),
      coded('3D000', 'database "x" does not exist'),
      coded('42501', 'permission denied for schema public'),
      coded('DEPTH_ZERO_SELF_SIGNED_CERT'),
      new Error('The server does not support SSL connections'),
      new TypeError('Invalid URL'),
    ]) {
      assert.equal(unreachable(error), false, error.message);
    }
  });

  it('replaces a dying worker at once, then after 1 s doubling to 60 s', () => {
    assert.deepEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 20].map(respawnDelay), [0, 1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000, 60_000]);
  });
});

describe('serve during a database outage', { skip: pgTestsDisabled }, () => {
  let postgres: TestPostgres;
  before(async () => {
    postgres = await startPostgres();
  });
  after(() => postgres?.stop());

  /** A fresh database on the shared test server. */
  async function database(name: string): Promise<string> {
    const admin = new pg.Client({ connectionString: postgres.url });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const url = new URL(postgres.url);
    url.pathname = `/${name}`;
    return url.toString();
  }

  it(`the primary survives a ${OUTAGE_MS / 1000} s database outage with a worker killed during it; back to 2 workers once the database returns`, { timeout: OUTAGE_MS + 240_000 }, async () => {
    const own = await startPostgres(); // stopped and started again: its own server
    const receiver = launch(['--workers', '2', '--data-dir', tempDir()], { DATABASE_URL: own.url });
    let paused = false;
    try {
      const url = await receiver.started;
      const primary = receiver.child.pid!;
      const [victim, survivor] = workerPids(primary);
      assert.ok(victim && survivor, `two workers: ${receiver.log()}`);

      own.pause();
      paused = true;
      process.kill(victim, 'SIGKILL');
      await until(() => receiver.log().includes(`worker ${victim} exited with signal SIGKILL; starting another`), 30_000, 'the primary to replace the killed worker');
      await until(() => /database unreachable/.test(receiver.log()), 60_000, 'the replacement to find the database away');

      const outageEnds = Date.now() + OUTAGE_MS;
      let checks = 0;
      do {
        assert.ok(alive(receiver.child), `the primary is running: ${receiver.log()}`);
        // The replacement waits for the database instead of exiting; the survivor serves alone.
        assert.equal(workerPids(primary).length, 2, `a waiting replacement beside the survivor: ${receiver.log()}`);
        const ready = await fetch(new URL('/readyz', url));
        assert.equal(ready.status, 503);
        assert.ok(Number(ready.headers.get('retry-after')) > 0, 'readyz Retry-After');
        const refused = await post(url, (await signed(consentRecord('outage@example.com'))).jws);
        assert.equal(refused.status, 503);
        assert.ok(Number(refused.headers.get('retry-after')) > 0, 'post Retry-After');
        checks++;
        await sleep(Math.min(10_000, Math.max(0, outageEnds - Date.now())));
      } while (Date.now() < outageEnds);
      assert.ok(checks >= 2, 'checked more than once during the outage');

      own.resume();
      paused = false;
      await until(async () => (await fetch(new URL('/readyz', url))).status === 200, 60_000, '/readyz after the database is back', 250);
      const { jws, record } = await signed(consentRecord('after-outage@example.com'));
      assert.equal((await post(url, jws)).status, 201);
      const replacement = await until(() => receiver.log().match(/worker (\d+) listening \(2 of 2 workers\)/)?.[1], 60_000, 'the replacement to listen');
      const workers = workerPids(primary);
      assert.equal(workers.length, 2);
      assert.ok(workers.includes(Number(replacement)) && workers.includes(survivor) && !workers.includes(victim), JSON.stringify(workers));

      const log = receiver.log();
      assert.equal(count(log, /database unreachable/), 1, `one line for the outage, not one per attempt:\n${log}`);
      assert.equal(count(log, /database reachable again/), 1, log);
      assert.doesNotMatch(log, /before it listened/);
      const client = new pg.Client({ connectionString: own.url });
      await client.connect();
      const { rows } = await client.query('SELECT 1 FROM privacy_records WHERE id = $1', [record.id]);
      await client.end();
      assert.equal(rows.length, 1, 'the record posted after the outage is stored');
    } finally {
      if (paused) own.resume();
      const { code } = await stop(receiver);
      own.stop();
      assert.equal(code, 0, receiver.log());
    }
  });

  for (const workers of ['1', '2']) {
    it(`serve --workers ${workers} started while the database is down waits for it, then starts by itself`, { timeout: 180_000 }, async () => {
      const own = await startPostgres();
      own.pause();
      let paused = true;
      const receiver = launch(['--workers', workers, '--data-dir', tempDir()], { DATABASE_URL: own.url });
      try {
        await until(() => /database unreachable/.test(receiver.log()), 60_000, 'the receiver to find the database away');
        await sleep(5000); // several attempts
        assert.ok(alive(receiver.child), receiver.log());
        own.resume();
        paused = false;
        const url = await receiver.started;
        assert.equal((await fetch(new URL('/readyz', url))).status, 200);
        assert.equal((await post(url, (await signed(consentRecord('late@example.com'))).jws)).status, 201);
        assert.equal(count(receiver.log(), /database unreachable/), 1, receiver.log());
        assert.equal(count(receiver.log(), /database reachable again/), 1, receiver.log());
      } finally {
        if (paused) own.resume();
        const { code } = await stop(receiver);
        own.stop();
        assert.equal(code, 0, receiver.log());
      }
    });
  }

  it('SIGTERM while waiting for the database stops the receiver with exit 0', { timeout: 120_000 }, async () => {
    const own = await startPostgres();
    own.pause();
    const receiver = launch(['--workers', '2', '--data-dir', tempDir()], { DATABASE_URL: own.url });
    try {
      await until(() => /database unreachable/.test(receiver.log()), 60_000, 'the receiver to find the database away');
      assert.deepEqual(await stop(receiver), { code: 0, signal: null }, receiver.log());
    } finally {
      own.resume();
      own.stop();
    }
  });

  let newer = 0;
  // Waiting cannot mend these: the start stops with exit 1 and one line saying what is wrong.
  const permanent: [string, (url: URL) => Promise<void> | void, RegExp][] = [
    ['a database that does not exist', (url) => void (url.pathname = '/no_such_database'), /database "no_such_database" does not exist/],
    ['a role the database does not know', (url) => void (url.username = 'no_such_role'), /role "no_such_role" does not exist/],
    [
      'a schema newer than this receiver',
      async (url) => {
        url.pathname = new URL(await database(`newer_${++newer}`)).pathname;
        const migrate = spawnSync('node', [...CLI, 'migrate', '--data-dir', tempDir()], { env: { ...process.env, DATABASE_URL: url.toString() }, encoding: 'utf8' });
        assert.equal(migrate.status, 0, migrate.stderr);
        const client = new pg.Client({ connectionString: url.toString() });
        await client.connect();
        await client.query('INSERT INTO privacy_schema_migrations (version) VALUES (999)');
        await client.end();
      },
      /schema version 999; this receiver knows up to \d+: upgrade the receiver/,
    ],
  ];
  for (const [what, arrange, message] of permanent) {
    for (const workers of ['1', '2']) {
      it(`serve --workers ${workers} with ${what} exits 1 with one line`, { timeout: 60_000 }, async () => {
        const url = new URL(postgres.url);
        await arrange(url);
        const run = spawnSync('node', [...CLI, 'serve', '--port', '0', '--workers', workers, '--data-dir', tempDir()], {
          env: { ...process.env, DATABASE_URL: url.toString() },
          encoding: 'utf8',
          timeout: 50_000,
        });
        assert.equal(run.status, 1, run.stderr);
        const lines = run.stderr.trim().split('\n');
        assert.equal(lines.length, 1, run.stderr);
        assert.match(lines[0]!, /^privacy-receiver: /);
        assert.match(lines[0]!, message);
        assert.doesNotMatch(run.stderr, /unreachable|    at /);
      });
    }
  }
});

describe('serve --workers: a worker that keeps dying', () => {
  it('a worker that keeps crashing is respawned with growing delays; the primary keeps running', { timeout: 240_000 }, async () => {
    const receiver = launch(['--workers', '2', '--data-dir', tempDir()], {});
    try {
      await receiver.started;
      const primary = receiver.child.pid!;
      let victim = workerPids(primary)[0]!;
      const gaps: number[] = [];
      for (let i = 0; i < 5; i++) {
        const before = new Set(workerPids(primary));
        const killedAt = Date.now();
        process.kill(victim, 'SIGKILL');
        const fresh = await until(() => workerPids(primary).find((pid) => !before.has(pid)), 120_000, `replacement ${i + 1}`, 50);
        gaps.push(Date.now() - killedAt);
        // Killed as soon as it listens: it dies young, as a worker in a crash loop does.
        await until(() => receiver.log().includes(`worker ${fresh} listening`), 120_000, `replacement ${i + 1} to listen`);
        victim = fresh;
      }
      // At once, then 1 s, 2 s, 4 s, 8 s: each replacement waits longer than the one before.
      const scheduled = [0, 1000, 2000, 4000, 8000];
      for (const [i, gap] of gaps.entries()) assert.ok(gap >= scheduled[i]! - 50, `gap ${i + 1} of ${gap} ms is at least ${scheduled[i]} ms: ${gaps.join(', ')}`);
      for (let i = 2; i < gaps.length; i++) assert.ok(gaps[i]! > gaps[i - 1]!, `the gaps grow: ${gaps.join(', ')}`);
      for (const delay of ['1', '2', '4', '8']) assert.match(receiver.log(), new RegExp(`starting another in ${delay} s`));
      assert.ok(alive(receiver.child), receiver.log());
      assert.equal(workerPids(primary).length, 2);
    } finally {
      const { code } = await stop(receiver);
      assert.equal(code, 0, receiver.log());
    }
  });
});
