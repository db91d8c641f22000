// More than one (#17): the receiver with 1 worker and with all workers, beside a bare-crypto
// ceiling server with the same worker counts, in one run; SQLite and PostgreSQL; mail and webhooks
// on and off. autocannon posts pre-signed distinct records (50 device keys, 32 connections).
// Reported: records per second, and CPU time per accepted record summed over the server's process
// tree from /proc (steadier than the rate on a shared machine), and each worker's share of it.
// Standalone: `node scripts/bench/scale.mjs [records per round]`.
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { tsImport } from 'tsx/esm/api';
import { median, signConsentRecords, startSinks, table } from './util.mjs';

const TICK_MS = 1000 / 100; // USER_HZ: /proc/<pid>/stat counts in 1/100 s on Linux

/** utime + stime of one process, in ms (fields 14 and 15 of /proc/<pid>/stat). */
function cpuMs(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  } catch {
    return 0;
  }
}

/** The process and every descendant (from /proc/<pid>/stat's ppid). */
function tree(root) {
  const parent = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parent.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone
    }
  }
  const out = [root];
  for (let i = 0; i < out.length; i++) for (const [pid, ppid] of parent) if (ppid === out[i]) out.push(pid);
  return out;
}

export function start(args, env = {}) {
  const child = spawn('node', args, { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const match = out.match(/^(http:\S+) ([\d,]+)\n/);
      if (match) resolve({ child, url: match[1], workers: match[2].split(',').map(Number) });
    });
    child.once('exit', (code) => reject(new Error(`bench server exited ${code}: ${out}`)));
  });
}
export const stop = ({ child }) => new Promise((done) => (child.once('exit', done), child.kill('SIGTERM')));

/**
 * Posts each body once (32 connections); returns the rate, the accepted count, and CPU ms per accepted record,
 * while the load runs and (`pending`: how many jobs are still to send) once every mail and webhook went.
 */
export async function drive(server, bodies, connections = 32, pending = async () => 0) {
  let i = 0;
  const pids = tree(server.child.pid);
  const before = new Map(pids.map((pid) => [pid, cpuMs(pid)]));
  const t0 = performance.now();
  let last = t0;
  const result = await new Promise((resolve, reject) => {
    const run = autocannon(
      {
        url: new URL('/api/records', server.url).href,
        connections,
        amount: bodies.length,
        requests: [{ method: 'POST', headers: { 'content-type': 'application/jose' }, setupRequest: (req) => ({ ...req, body: bodies[i++ % bodies.length] }) }],
      },
      (error, done) => (error ? reject(error) : resolve(done)),
    );
    run.on('response', () => (last = performance.now()));
  });
  // Up to the last answer: autocannon's own duration is in whole seconds, and it ends on a tick.
  const seconds = (last - t0) / 1000;
  const used = new Map(pids.map((pid) => [pid, cpuMs(pid) - before.get(pid)]));
  const accepted = result['2xx'];
  // Mail and webhooks give way to requests, so most of them go out after the load: wait until the
  // store has none left to send, and count that CPU time too.
  const started = Date.now();
  while ((await pending()) > 0 && Date.now() - started < 300_000) await new Promise((r) => setTimeout(r, 100));
  const drained = pids.reduce((sum, pid) => sum + cpuMs(pid) - before.get(pid), 0);
  const total = [...used.values()].reduce((a, b) => a + b, 0);
  const shares = server.workers.map((pid) => used.get(pid) ?? 0);
  return {
    rate: accepted / seconds,
    accepted,
    non2xx: result.non2xx + result.errors,
    cpuPerRecord: total / Math.max(1, accepted),
    /** Including what was left to send when the load ended (mail, webhooks). */
    cpuWithSending: drained / Math.max(1, accepted),
    drainMs: Date.now() - started,
    // The least busy worker's CPU beside an even share: 1.00 when the work is spread evenly.
    spread: shares.length > 1 ? Math.min(...shares) / (shares.reduce((a, b) => a + b, 0) / shares.length) : 1,
  };
}

/** How many mails and webhook messages the store still has to send (the bench server's database). */
export async function pendingJobs(kind, dir, url) {
  const unsent = 'WHERE done_at IS NULL AND gave_up_at IS NULL';
  if (kind === 'pg') {
    const { default: pg } = await import('pg');
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    return {
      count: async () => Number((await client.query(`SELECT count(*) AS n FROM privacy_jobs ${unsent}`)).rows[0].n),
      close: () => client.end(),
    };
  }
  const { default: Database } = await import('better-sqlite3');
  let db;
  return {
    count: async () => (db ??= new Database(join(dir, 'records.db'), { readonly: true, fileMustExist: true })).prepare(`SELECT count(*) AS n FROM privacy_jobs ${unsent}`).get().n,
    close: async () => db?.close(),
  };
}

/**
 * Every server of one worker count runs at once and the rounds go round them in turn, so a swing
 * in the shared machine's speed falls on all of them alike; each figure is the median over the rounds.
 * Warm-up: `warm` records per worker first, so V8 has compiled the hot paths (the receiver's CPU per
 * record falls by half over its first ~3000 records, the ceiling's by a third).
 */
export async function benchScale({ records = 2000, rounds = 3, warm = 2000 } = {}) {
  const all = availableParallelism();
  const counts = all > 1 ? [1, all] : [1];
  const warmCount = warm * Math.max(...counts);
  const bodies = await signConsentRecords(warmCount + rounds * records, { prefix: 'scale' });
  const sink = await startSinks();
  let postgres;
  try {
    const { startPostgres } = await tsImport('../../packages/receiver/test/helpers/postgres.ts', import.meta.url);
    postgres = await startPostgres();
  } catch {
    postgres = undefined;
  }
  let databases = 0;
  const freshDatabase = async () => {
    const { default: pg } = await import('pg');
    const admin = new pg.Client({ connectionString: postgres.url });
    await admin.connect();
    const name = `scale_${++databases}`;
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const url = new URL(postgres.url);
    url.pathname = `/${name}`;
    return url.toString();
  };
  const noJobs = { count: async () => 0, close: async () => {} };

  const rows = [];
  const dirs = [];
  for (const workers of counts) {
    const setups = [
      { label: 'ceiling (node:crypto only, stores nothing)', args: ['scripts/bench/ceiling-server.mjs', String(workers)] },
      { label: 'ceiling, imported keys cached as the receiver does', args: ['scripts/bench/ceiling-server.mjs', String(workers), 'cache'] },
    ];
    for (const [name, kind] of [['SQLite', 'sqlite'], ...(postgres ? [['PostgreSQL', 'pg']] : [])]) {
      for (const features of ['off', 'on']) {
        const dir = mkdtempSync(join(tmpdir(), 'pw-scale-'));
        dirs.push(dir);
        const url = kind === 'pg' ? await freshDatabase() : '-';
        setups.push({
          label: `receiver, ${name}, mail+webhooks ${features}`,
          features,
          args: ['--import', 'tsx', 'scripts/bench/scale-server.ts', String(workers), kind, dir, url, features, sink.smtp, sink.hooks],
          pending: await pendingJobs(kind, dir, url),
        });
      }
    }
    const servers = [];
    try {
      for (const setup of setups) {
        const server = await start(setup.args);
        servers.push({ ...setup, server, pending: setup.pending ?? noJobs, runs: [] });
      }
      for (const s of servers) await drive(s.server, bodies.slice(0, warm * workers), 32, s.pending.count);
      for (let round = 0; round < rounds; round++) {
        const slice = bodies.slice(warmCount + round * records, warmCount + (round + 1) * records);
        for (const s of servers) s.runs.push(await drive(s.server, slice, 32, s.pending.count));
      }
    } finally {
      for (const s of servers) {
        await stop(s.server);
        await s.pending.close();
      }
    }
    const mid = (runs, key) => median(runs.map((r) => r[key]));
    const [ceiling, cached] = servers;
    let off;
    for (const s of servers) {
      const cpu = mid(s.runs, 'cpuPerRecord');
      const all = mid(s.runs, 'cpuWithSending');
      const rate = mid(s.runs, 'rate');
      const row = {
        server: s.label,
        workers,
        'records/s': Math.round(rate),
        'CPU ms/record': cpu.toFixed(3),
        '+ sending after': all.toFixed(3),
        'least busy worker': workers > 1 ? `${mid(s.runs, 'spread').toFixed(2)}×` : '',
        'non-2xx': s.runs.reduce((n, r) => n + r.non2xx, 0),
      };
      if (s.features) {
        row['CPU vs ceiling'] = `${(cpu / mid(ceiling.runs, 'cpuPerRecord')).toFixed(2)}×`;
        row['vs cached ceiling'] = `${(cpu / mid(cached.runs, 'cpuPerRecord')).toFixed(2)}×`;
        row['rate vs ceiling'] = `${(rate / mid(ceiling.runs, 'rate')).toFixed(2)}×`;
      }
      if (s.features === 'off') off = { cpu, all };
      if (s.features === 'on') {
        row['on vs off CPU'] = `${(cpu / off.cpu).toFixed(2)}×`;
        row['… + sending'] = `${(all / off.all).toFixed(2)}× (${(mid(s.runs, 'drainMs') / 1000).toFixed(0)} s)`;
      }
      rows.push(row);
    }
  }
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  sink.stop();
  postgres?.stop();
  const text =
    `${table(rows, ['server', 'workers', 'records/s', 'CPU ms/record', '+ sending after', 'CPU vs ceiling', 'vs cached ceiling', 'rate vs ceiling', 'on vs off CPU', '… + sending', 'least busy worker', 'non-2xx'])}\n` +
    `Median of ${rounds} rounds of ${records} distinct records each, the servers of one worker count taking turns, after ${warm} records per worker to warm up; ` +
    `records pre-signed by 50 device keys, autocannon with 32 connections on loopback. CPU ms/record: user+system time of the server's process tree (/proc) per accepted ` +
    `record while the load runs; "+ sending after": the same once the store has no mail or webhook left to send (they give way to requests, so most go after the load; ` +
    `the seconds that took in "… + sending"); mail goes over SMTP and webhooks over HTTP to sinks in another process, not counted. "least busy worker": its CPU beside an even share. ` +
    `"cached ceiling": the ceiling keeping imported keys as the receiver does (50 keys: nearly every record hits), the like-for-like yardstick. ` +
    `Targets (#17): CPU ≤ 1.25× the ceiling at the same worker count; records/s ≥ 0.8× the ceiling where the machine is quiet; mail and webhooks on ≤ 1.10× off.` +
    (postgres ? '' : '\nPostgreSQL: not measured (its binaries are not installed).');
  return { rows, text };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log((await benchScale(process.argv[2] ? { records: Number(process.argv[2]) } : {})).text);
}
