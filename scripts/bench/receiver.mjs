// Receiver throughput: records per second verified and stored (SQLite, and
// PostgreSQL when its binaries are installed) beside the same server answering
// without storing, from a bounded load generator on loopback; p50/p99 latency.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tsImport } from 'tsx/esm/api';
import { BENCH_MAIL } from './queues.mjs';
import { median, percentile, signConsentRecords, table } from './util.mjs';

function startServer(kind, databaseUrl, srcDir) {
  const dir = mkdtempSync(join(tmpdir(), 'pw-bench-'));
  const child = spawn('node', ['--import', 'tsx', 'scripts/bench/receiver-server.ts', kind, dir, databaseUrl ?? '', ...(srcDir ? [srcDir] : [])], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.stdout.once('data', (chunk) =>
      resolve({
        url: String(chunk).trim(),
        stop: () => new Promise((done) => (child.once('exit', done), child.kill('SIGTERM'))).then(() => rmSync(dir, { recursive: true, force: true })),
      }),
    );
    child.once('exit', (code) => reject(new Error(`bench server exited ${code}`)));
  });
}

/** Posts every JWS once with `concurrency` requests in flight; returns rate and latencies. */
async function load(url, bodies, concurrency = 32) {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const target = new URL('/api/records', url);
  const latencies = [];
  let next = 0;
  let failed = 0;
  const post = (body) =>
    new Promise((resolve) => {
      const started = performance.now();
      const req = request(target, { method: 'POST', agent, headers: { 'content-type': 'application/jose', 'content-length': Buffer.byteLength(body) } }, (res) => {
        res.resume();
        res.on('end', () => {
          latencies.push(performance.now() - started);
          if (res.statusCode !== 201) failed++;
          resolve();
        });
      });
      req.on('error', () => (failed++, resolve()));
      req.end(body);
    });
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < bodies.length) await post(bodies[next++]);
  }));
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  return { rate: bodies.length / seconds, p50: median(latencies), p99: percentile(latencies, 99), failed };
}

/** The sources of the commit before the receiver moved to Hono, unpacked under .bench/ (gitignored). */
const BASELINE = '1b3db82';
function baselineSources() {
  const dir = join('.bench', `baseline-${BASELINE}`);
  if (!existsSync(join(dir, 'src'))) {
    mkdirSync(dir, { recursive: true });
    execFileSync('sh', ['-c', `git archive ${BASELINE} src | tar -x -C ${dir}`]);
  }
  return join(dir, 'src');
}

/** The same records through `createReceiver().fetch` in this process: no sockets, no HTTP parsing. */
async function inProcess(bodies, concurrency = 32) {
  const { createReceiver } = await tsImport('../../packages/receiver/src/receiver.ts', import.meta.url);
  const dir = mkdtempSync(join(tmpdir(), 'pw-bench-'));
  const receiver = await createReceiver({ dataDir: dir, rateLimit: false, mail: BENCH_MAIL });
  const latencies = [];
  let next = 0;
  let failed = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < bodies.length) {
      const body = bodies[next++];
      const t = performance.now();
      const response = await receiver.fetch(new Request('http://127.0.0.1/api/records', { method: 'POST', headers: { 'content-type': 'application/jose' }, body }));
      await response.arrayBuffer();
      latencies.push(performance.now() - t);
      if (response.status !== 201) failed++;
    }
  }));
  const seconds = (performance.now() - started) / 1000;
  await receiver.close();
  rmSync(dir, { recursive: true, force: true });
  return { rate: bodies.length / seconds, p50: median(latencies), p99: percentile(latencies, 99), failed };
}

/** Nanoseconds per `take()` with one address, and cycling through 100k distinct ones. */
async function limiterCost() {
  const { rateLimiter } = await tsImport('../../packages/receiver/src/http/rate-limit.ts', import.meta.url);
  const keys = Array.from({ length: 100_000 }, (_, i) => `2001:db8::${i.toString(16)}`);
  const time = (limiter, key) => {
    const n = 1_000_000;
    const t = process.hrtime.bigint();
    for (let i = 0; i < n; i++) limiter.take(key(i));
    return Number(process.hrtime.bigint() - t) / n;
  };
  const one = time(rateLimiter({ burst: 30, perSecond: 5 }), () => '192.0.2.1');
  const limiter = rateLimiter({ burst: 30, perSecond: 5 });
  const many = time(limiter, (i) => keys[i % keys.length]);
  const heapBefore = process.memoryUsage().heapUsed;
  const full = rateLimiter({ burst: 30, perSecond: 5 });
  for (const key of keys) full.take(key);
  const heap = process.memoryUsage().heapUsed - heapBefore;
  return { one, many, buckets: limiter.size, heapMiB: heap / 2 ** 20 };
}

export async function benchReceiver({ records = 3000 } = {}) {
  // Each record from its own browser: the receiver imports a new key every time, as in real traffic.
  const bodies = await signConsentRecords(records * 5, { keys: records * 5 });
  const chunk = (i) => bodies.slice(i * records, (i + 1) * records);
  const rows = [];
  const measure = async (label, kind, part, databaseUrl, srcDir) => {
    const server = await startServer(kind, databaseUrl, srcDir);
    try {
      await load(server.url, bodies.slice(0, 200).map((b) => b)); // warm-up (duplicates after the first run: 200s)
      const result = await load(server.url, chunk(part));
      rows.push({ store: label, 'records/s': Math.round(result.rate), 'p50 ms': result.p50.toFixed(1), 'p99 ms': result.p99.toFixed(1), failed: result.failed });
      return result.rate;
    } finally {
      await server.stop();
    }
  };
  const none = await measure('none (verify + countersign only)', 'none', 0);
  const sqlite = await measure('SQLite (WAL, synchronous=FULL, group commit)', 'sqlite', 1);
  let baseline;
  try {
    baseline = await measure(`SQLite, baseline ${BASELINE} (before Hono)`, 'sqlite', 3, undefined, baselineSources());
  } catch (error) {
    rows.push({ store: `baseline ${BASELINE}: not measured (${error.message.split('\n')[0]})` });
  }
  const fetched = await inProcess(chunk(4));
  rows.push({ store: 'SQLite, createReceiver().fetch in-process', 'records/s': Math.round(fetched.rate), 'p50 ms': fetched.p50.toFixed(1), 'p99 ms': fetched.p99.toFixed(1), failed: fetched.failed });
  let pg;
  try {
    const { startPostgres } = await tsImport('../../packages/receiver/test/helpers/postgres.ts', import.meta.url);
    const server = await startPostgres();
    try {
      pg = await measure('PostgreSQL', 'pg', 2, server.url);
    } finally {
      server.stop();
    }
  } catch (error) {
    rows.push({ store: `PostgreSQL: not measured (${error.message.split('\n')[0]})` });
  }
  for (const row of rows) {
    const rate = row['records/s'];
    if (rate) row['vs none'] = `${(rate / none).toFixed(2)}×`;
  }
  const limiter = await limiterCost();
  const change = baseline ? ` SQLite on Hono is ${(sqlite / baseline).toFixed(2)}× the baseline (target: no drop over 10%, ≥ 0.90×): ${sqlite >= 0.9 * baseline ? 'met' : 'NOT met'}.` : '';
  const text = `${table(rows, ['store', 'records/s', 'vs none', 'p50 ms', 'p99 ms', 'failed'])}\n` +
    `${records} records per run, each signed by its own device key, 32 in flight, loopback, server and load generator in separate processes on the same 2 cores (the in-process row: no HTTP, same process as the generator).${change}\n` +
    `Rate limiter: ${limiter.one.toFixed(0)} ns per request for one address, ${limiter.many.toFixed(0)} ns cycling through 100,000 addresses (${limiter.buckets} buckets kept, at most 50,000; heap for 100,000 distinct addresses about ${limiter.heapMiB.toFixed(1)} MiB).` +
    (pg ? '' : '');
  return { rows, text };
}
