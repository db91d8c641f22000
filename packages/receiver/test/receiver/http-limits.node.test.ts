// The receiver's HTTP surface under load an attacker makes: answers that tell whether an address
// is known, routes without limits, bodies nobody asked for, a probe that writes on every call.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { mailboxRoute } from '../../src/cli/mailbox-route.js';
import { startReceiver, type RunningReceiver } from '../../src/receiver.js';
import { sqliteStore } from '../../src/store/sqlite-store.js';
import type { RecordStore } from '../../src/store/store.js';
import { captureTransport, config, consentRecord, post, sendEndlessBody, signed, tempDir } from './helpers.js';
import { serveReceiver, type Served } from './serve.js';

const json = (body: unknown, headers: Record<string, string> = {}) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
});
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Console lines written while `run` runs. */
async function logged(run: () => Promise<void>): Promise<string[]> {
  const lines: string[] = [];
  const original = console.error;
  console.error = (...args: unknown[]) => void lines.push(args.map(String).join(' '));
  try {
    await run();
  } finally {
    console.error = original;
  }
  return lines;
}

describe('the link route tells nothing by its timing', () => {
  let receiver: Served;
  const known: string[] = [];
  before(async () => {
    receiver = await serveReceiver({ dataDir: tempDir(), mail: { transport: captureTransport().transport, sender: { intervalMs: 1000 } } });
    for (let i = 0; i < 100; i++) {
      const email = `known-${i}@example.fi`;
      known.push(email);
      assert.equal((await post(receiver.url, (await signed(consentRecord(email))).jws)).status, 201);
    }
  });
  after(() => receiver.close());

  it('a classifier of 200 link requests by answer time does no better than chance', async () => {
    const samples: { known: boolean; ms: number }[] = [];
    const order = Array.from({ length: 200 }, (_, i) => ({ known: i % 2 === 0, i })).sort(() => Math.random() - 0.5);
    for (let warm = 0; warm < 20; warm++) await fetch(new URL('/api/preferences/link', receiver.url), json({ email: `warm-${warm}@example.fi` }));
    for (const { known: isKnown, i } of order) {
      const email = isKnown ? known[i >> 1]! : `unknown-${i}@example.fi`;
      const started = performance.now();
      const answer = await fetch(new URL('/api/preferences/link', receiver.url), json({ email }));
      await answer.text();
      samples.push({ known: isKnown, ms: performance.now() - started });
      assert.equal(answer.status, 202);
    }
    // The best threshold on the first half, judged on the second: what an attacker could learn.
    const train = samples.slice(0, 100);
    const test = samples.slice(100);
    const accuracy = (set: typeof samples, threshold: number, knownIsSlower: boolean) =>
      set.filter((s) => (s.ms > threshold) === (knownIsSlower ? s.known : !s.known)).length / set.length;
    let best = { threshold: 0, slower: true, score: 0 };
    for (const { ms } of train) {
      for (const slower of [true, false]) {
        const score = accuracy(train, ms, slower);
        if (score > best.score) best = { threshold: ms, slower, score };
      }
    }
    const score = accuracy(test, best.threshold, best.slower);
    assert.ok(score < 0.7, `classified ${Math.round(score * 100)}% right (chance is 50%)`);
  });
});

describe('every route is limited per client', () => {
  let receiver: RunningReceiver;
  let checks = 0;
  let failing = false;
  before(async () => {
    const dataDir = tempDir();
    const real = sqliteStore(join(dataDir, 'records.db'));
    // The real store, counting its readiness checks and able to fail them as a database that is down.
    const store = new Proxy(real, {
      get(target, name, receiverProxy) {
        if (name === 'check') {
          return () => {
            checks++;
            return failing ? Promise.reject(new Error('database down (test)')) : target.check();
          };
        }
        const value = Reflect.get(target, name, receiverProxy) as unknown;
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    }) as RecordStore;
    receiver = await startReceiver(config({ dataDir, trustProxy: 1, rateLimit: { burst: 30, perSecond: 5 } }), {}, store);
  });
  after(() => receiver.close());
  const from = (client: string, init: RequestInit = {}) => ({ ...init, headers: { ...(init.headers as Record<string, string>), 'x-forwarded-for': client } });

  it('link requests: a burst of five per client, then 429 with Retry-After; another client is not held back', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 100; i++) statuses.push((await fetch(new URL('/api/preferences/link', receiver.url), from('192.0.2.1', json({ email: `x${i}@example.fi` })))).status);
    assert.deepEqual(statuses.slice(0, 5), [202, 202, 202, 202, 202]);
    assert.ok(statuses.slice(5).every((s) => s === 429), statuses.join());
    const limited = await fetch(new URL('/api/preferences/link', receiver.url), from('192.0.2.1', json({ email: 'y@example.fi' })));
    assert.ok(Number(limited.headers.get('retry-after')) >= 1);
    assert.equal((await fetch(new URL('/api/preferences/link', receiver.url), from('192.0.2.2', json({ email: 'z@example.fi' })))).status, 202);
  });

  it('the mailed links\' pages: a wide burst per client, then 429', async () => {
    for (const [n, path] of ['/confirm/', '/unsubscribe/', '/restore/'].entries()) {
      const statuses: number[] = [];
      const started = performance.now();
      for (let i = 0; i < 100; i++) statuses.push((await fetch(new URL(`${path}not-a-token-${i}`, receiver.url), from(`198.51.100.${n + 1}`))).status);
      // A burst of 60, refilled at 10 a second while the requests go (this machine may be slow).
      const refilled = Math.ceil(((performance.now() - started) / 1000) * 10);
      const answered = statuses.filter((s) => s === 404).length;
      assert.ok(statuses.slice(0, 60).every((s) => s === 404), `${path}: ${statuses.join()}`);
      assert.ok(answered <= 60 + refilled && statuses.includes(429), `${path}: ${answered} answered, ${refilled} refilled: ${statuses.join()}`);
    }
  });

  it('slow bodies on the link route: past the burst, refused at once instead of held open', async () => {
    const { port } = new URL(receiver.url);
    const answers = await Promise.all(
      Array.from({ length: 20 }, () =>
        new Promise<string>((resolve) => {
          const socket = connect(Number(port), '127.0.0.1');
          let out = '';
          socket.on('data', (d) => (out += d));
          socket.on('error', () => resolve(out));
          // The headers, then no body: a client trickling it in.
          socket.write('POST /api/preferences/link HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Forwarded-For: 203.0.113.9\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n');
          setTimeout(() => (socket.destroy(), resolve(out)), 1500);
        }),
      ),
    );
    assert.ok(answers.filter((a) => a.startsWith('HTTP/1.1 429')).length >= 15, answers.map((a) => a.slice(0, 12)).join());
  });

  it('with --trust-proxy, one IPv6 /64 is one client: its 60 posts are limited after the burst', async () => {
    const bodies = await Promise.all(Array.from({ length: 60 }, async (_, i) => (await signed(consentRecord(`v6-${i}@example.fi`))).jws));
    const statuses: number[] = [];
    const started = performance.now();
    for (const [i, jws] of bodies.entries()) statuses.push((await post(receiver.url, jws, { 'x-forwarded-for': `2001:db8:1:2::${(i + 1).toString(16)}` })).status);
    // A burst of 30, refilled at 5 a second while the posts go.
    const refilled = Math.ceil(((performance.now() - started) / 1000) * 5);
    assert.ok(statuses.includes(429), statuses.join());
    assert.ok(statuses.filter((s) => s === 201).length <= 30 + refilled, `${refilled} refilled: ${statuses.join()}`);
  });

  it('a field that is not a string is a typed 400, and nothing is logged', async () => {
    const lines = await logged(async () => {
      for (const body of [{ email: { toString: 'x' } }, { email: ['a@b.fi'] }, { email: 'a@b.fi', locale: 7 }, null, 5]) {
        const answer = await fetch(new URL('/api/preferences/link', receiver.url), from('203.0.113.50', json(body)));
        assert.equal(answer.status, 400, JSON.stringify(body));
        assert.equal(((await answer.json()) as { error: { code: string } }).error.code, 'invalid-type');
      }
    });
    assert.deepEqual(lines, []);
  });

  it('a GET with a chunked body is refused and closed, not read', async () => {
    const result = await sendEndlessBody(receiver.url, 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n', 3000);
    assert.match(result.head, /^HTTP\/1\.1 413 /);
    assert.ok(result.closed, 'the server closed the connection');
    assert.ok(result.sent < 64 * 2 ** 20, `only socket buffers' worth was taken: ${result.sent} bytes`);
  });

  it('/readyz answers from one check a second, and logs a change of state once', async () => {
    await sleep(1100);
    const before = checks;
    await Promise.all(Array.from({ length: 50 }, () => fetch(new URL('/readyz', receiver.url))));
    for (let i = 0; i < 20; i++) assert.equal((await fetch(new URL('/readyz', receiver.url))).status, 200);
    assert.ok(checks - before <= 2, `${checks - before} store checks for 70 probes`);
    const lines = await logged(async () => {
      failing = true;
      await sleep(1100);
      for (let i = 0; i < 25; i++) {
        assert.equal((await fetch(new URL('/readyz', receiver.url))).status, 503);
        await sleep(100);
      }
      failing = false;
      await sleep(1100);
      assert.equal((await fetch(new URL('/readyz', receiver.url))).status, 200);
    });
    assert.equal(lines.filter((l) => /not ready/.test(l)).length, 1, lines.join('\n'));
    assert.equal(lines.filter((l) => /ready again/.test(l)).length, 1, lines.join('\n'));
  });
});

describe('the demo mailbox', () => {
  it('answers only a loopback client that named a loopback host', async () => {
    const cfg = config({ rateLimit: false });
    const receiver = await startReceiver(cfg, { routes: mailboxRoute(cfg.dataDir) });
    try {
      const { port } = new URL(receiver.url);
      const get = (host: string, extra = '') =>
        new Promise<string>((resolve) => {
          const socket = connect(Number(port), '127.0.0.1');
          let out = '';
          socket.on('data', (d) => (out += d));
          socket.on('close', () => resolve(out.split('\r\n')[0] ?? ''));
          socket.write(`GET /mailbox.html HTTP/1.1\r\nHost: ${host}\r\n${extra}Connection: close\r\n\r\n`);
        });
      assert.match(await get(`127.0.0.1:${port}`), / 200 /);
      assert.match(await get(`localhost:${port}`), / 200 /);
      assert.match(await get('evil.example'), / 404 /, 'a page that rebound its name to 127.0.0.1');
      assert.match(await get(`127.0.0.1:${port}`, 'X-Forwarded-For: 203.0.113.1\r\n'), / 404 /, 'a visitor passed on by a local proxy');
    } finally {
      await receiver.close();
    }
  });
});
