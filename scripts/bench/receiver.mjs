// Receiver throughput: records per second verified and stored (SQLite, and
// PostgreSQL when its binaries are installed) beside the same server answering
// without storing, from a bounded load generator on loopback; p50/p99 latency.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tsImport } from 'tsx/esm/api';
import { median, percentile, table } from './util.mjs';

function startServer(kind, databaseUrl) {
  const dir = mkdtempSync(join(tmpdir(), 'pw-bench-'));
  const child = spawn('node', ['--import', 'tsx', 'scripts/bench/receiver-server.ts', kind, dir, databaseUrl ?? ''], {
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

async function signMany(count) {
  const { deviceSigner, signRecord } = await tsImport('../../src/records/sign.ts', import.meta.url);
  const { createConsentRecord } = await tsImport('../../src/records/create.ts', import.meta.url);
  const out = [];
  for (let i = 0; i < count; i++) {
    // Each record from its own browser: the receiver imports a new key every time, as in real traffic.
    const signer = deviceSigner();
    const record = createConsentRecord({
      subject: { email: `bench-${i}@example.com` },
      locale: 'fi',
      notice: { version: '2018-05-24', digest: 'a'.repeat(64) },
      source: { url: 'https://www.optimesys.fi/', element: 'consent-form', context: 'bench' },
      decisions: [{ purpose: 'newsletter', dpv: 'dpv:DirectMarketing', basis: 'consent', granted: true, text: 'Haluan OptimeSysin uutiskirjeen sähköpostiini' }],
      processing: [],
    });
    out.push((await signRecord(record, signer)).jws);
  }
  return out;
}

export async function benchReceiver({ records = 3000 } = {}) {
  const bodies = await signMany(records * 3);
  const chunk = (i) => bodies.slice(i * records, (i + 1) * records);
  const rows = [];
  const measure = async (label, kind, part, databaseUrl) => {
    const server = await startServer(kind, databaseUrl);
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
  let pg;
  try {
    const { startPostgres } = await tsImport('../../test/helpers/postgres.ts', import.meta.url);
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
  const text = `${table(rows, ['store', 'records/s', 'vs none', 'p50 ms', 'p99 ms', 'failed'])}\n` +
    `${records} records per run, each signed by its own device key, 32 in flight, loopback, server and load generator in separate processes on the same 2 cores. Target ≥ 1,000 records/s on SQLite: ${sqlite >= 1000 ? 'met' : 'NOT met'}.` +
    (pg ? '' : '');
  return { rows, text };
}
