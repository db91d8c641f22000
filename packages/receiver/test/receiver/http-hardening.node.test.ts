// The probes of issue #11 against the HTTP layer, each as an attacker would send it.
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { connect } from 'node:net';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { rateLimiter } from '../../src/http/rate-limit.js';
import { startReceiver, type RunningReceiver } from '../../src/receiver.js';
import { config, consentRecord, post, sendEndlessBody, signed, tempDir } from './helpers.js';

/** Sends raw bytes (no client-side URL parsing) and resolves with the status line. */
function rawRequest(url: string, text: string): Promise<string> {
  const { port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), '127.0.0.1');
    let out = '';
    socket.on('data', (d) => (out += d));
    socket.on('close', () => resolve(out.split('\r\n')[0] ?? ''));
    socket.on('error', () => resolve(out.split('\r\n')[0] ?? ''));
    socket.write(text);
    setTimeout(() => socket.end(), 200);
  });
}

describe('receiver HTTP: malformed targets and oversized bodies', () => {
  let receiver: RunningReceiver;
  const logged: unknown[][] = [];
  const original = console.error;
  before(async () => {
    console.error = (...args: unknown[]) => void logged.push(args);
    receiver = await startReceiver(config({ rateLimit: false }), { staticRoots: [{ prefix: '/', dir: join(process.cwd(), 'demo') }] });
  });
  after(async () => {
    console.error = original;
    await receiver.close();
  });

  it('#7 answers malformed request targets with 400, never 500, and logs nothing', async () => {
    for (const target of ['//[/', 'http://a:99999/', '//%/x', '/%', '/api/records%', '/%ff%fe']) {
      const line = await rawRequest(receiver.url, `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
      assert.match(line, /^HTTP\/1\.1 400 /, `${target}: ${line}`);
    }
    assert.deepEqual(logged, []);
    assert.equal((await fetch(new URL('/healthz', receiver.url))).status, 200);
  });

  it('#11 closes the connection after a 413 instead of draining an endless body', async () => {
    const result = await sendEndlessBody(receiver.url, 'POST /api/records HTTP/1.1\r\nHost: x\r\nContent-Type: application/jose\r\nTransfer-Encoding: chunked\r\n\r\n');
    assert.match(result.head, /^HTTP\/1\.1 413 /);
    assert.match(result.head, /connection: close/i);
    assert.ok(result.closed, 'the server closed the connection');
    assert.ok(result.sent < 64 * 2 ** 20, `only socket buffers' worth was taken: ${result.sent} bytes`);
  });
});

describe('receiver HTTP: client address behind proxies (#3)', () => {
  let one: RunningReceiver;
  let two: RunningReceiver;
  let none: RunningReceiver;
  const limits = { rateLimit: { burst: 3, perSecond: 0.01 } } as const;
  before(async () => {
    one = await startReceiver(config({ ...limits, trustProxy: 1 }));
    two = await startReceiver(config({ ...limits, trustProxy: 2 }));
    none = await startReceiver(config(limits));
  });
  after(() => Promise.all([one.close(), two.close(), none.close()]));

  const statuses = async (url: string, forwarded: (i: number) => string, n = 6) => {
    const out = [];
    for (let i = 0; i < n; i++) out.push((await post(url, (await signed(consentRecord())).jws, { 'x-forwarded-for': forwarded(i) })).status);
    return out;
  };

  it('takes the address the proxy appended, so a client cannot pick its own bucket', async () => {
    // nginx's $proxy_add_x_forwarded_for appends what it saw to what the client sent.
    assert.deepEqual(await statuses(one.url, (i) => `10.9.9.${i}, 198.51.100.7`), [201, 201, 201, 429, 429, 429]);
    // …and visitors behind the same proxy are still told apart.
    assert.deepEqual(await statuses(one.url, (i) => `198.51.100.${20 + i}`), [201, 201, 201, 201, 201, 201]);
  });

  it('counts hops from the right with --trust-proxy 2', async () => {
    assert.deepEqual(await statuses(two.url, (i) => `10.9.9.${i}, 198.51.100.8, 192.0.2.1`), [201, 201, 201, 429, 429, 429]);
  });

  it('ignores X-Forwarded-For without --trust-proxy', async () => {
    assert.deepEqual(await statuses(none.url, (i) => `198.51.100.${i}`), [201, 201, 201, 429, 429, 429]);
  });

  it('keeps memory bounded under 100k distinct addresses', () => {
    const limiter = rateLimiter({ burst: 2, perSecond: 1, capacity: 10_000 });
    for (let i = 0; i < 100_000; i++) limiter.take(`2001:db8::${i.toString(16)}`);
    assert.ok(limiter.size <= 10_000 && limiter.size >= 5_000, `${limiter.size} buckets`);
    // The most recent addresses keep their buckets.
    assert.equal(limiter.take('2001:db8::1869f'), 0);
    assert.ok(limiter.take('2001:db8::1869f') > 0);
  });
});

describe('receiver HTTP: static files (#2, #14)', () => {
  const asNobody = process.getuid?.() === 0;
  let folder: string;
  let child: ReturnType<typeof spawn> | undefined;
  let url: string;
  before(async () => {
    const base = tempDir('pw-static-');
    folder = join(base, 'site');
    const outside = join(base, 'outside');
    mkdirSync(folder);
    mkdirSync(outside);
    writeFileSync(join(folder, 'index.html'), '<!doctype html><title>ok</title>');
    writeFileSync(join(folder, 'app.js'), 'export {};');
    writeFileSync(join(folder, 'app.js.map'), '{"sourcesContent":["secret"]}');
    writeFileSync(join(folder, 'locked.html'), 'nobody may read this');
    chmodSync(join(folder, 'locked.html'), 0o000);
    writeFileSync(join(outside, 'secret.txt'), 'outside the folder');
    symlinkSync(join(outside, 'secret.txt'), join(folder, 'secret.txt'));
    symlinkSync(outside, join(folder, 'linked-dir'));
    symlinkSync(join(folder, 'app.js'), join(folder, 'alias.js'));
    execFileSync('mkfifo', [join(folder, 'pipe.html')]);
    const data = join(base, 'data');
    mkdirSync(data);
    // Run as an unprivileged user: root reads a 0000 file anyway. That user may not be able to read
    // the checkout (a private home directory), so the fixture runs from a copy of its own: one bundled
    // module, beside the one native package it needs.
    const fixture = join(base, 'serve-folder.mjs');
    await build({
      entryPoints: [fileURLToPath(new URL('./fixtures/serve-folder.ts', import.meta.url))],
      outfile: fixture,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      external: ['better-sqlite3', 'pg-native'],
      banner: { js: "import { createRequire as fixtureRequire } from 'node:module'; const require = fixtureRequire(import.meta.url);" },
      logLevel: 'silent',
    });
    for (const name of ['better-sqlite3', 'bindings', 'file-uri-to-path']) {
      cpSync(dirname(createRequire(import.meta.url).resolve(`${name}/package.json`)), join(base, 'node_modules', name), { recursive: true });
    }
    const ids = asNobody ? { uid: Number(execFileSync('id', ['-u', 'nobody'])), gid: Number(execFileSync('id', ['-g', 'nobody'])) } : {};
    if (asNobody) execFileSync('chown', ['-R', `${ids.uid}:${ids.gid}`, base]);
    child = spawn(process.execPath, [fixture, folder, data], { ...ids, cwd: base, stdio: ['ignore', 'pipe', 'pipe'] });
    url = await new Promise((resolve, reject) => {
      child!.stdout!.once('data', (d: Buffer) => resolve(String(d).trim()));
      let stderr = '';
      child!.stderr!.on('data', (d: Buffer) => (stderr += d));
      child!.once('exit', (code) => reject(new Error(`exited ${code}: ${stderr}`)));
    });
  });
  after(() => void child?.kill('SIGTERM'));

  const get = (path: string) => fetch(new URL(path, url));

  it('#2 survives a file it cannot read, and serves the next request', async () => {
    assert.equal((await get('/locked.html')).status, 404);
    assert.equal((await get('/pipe.html')).status, 404, 'a FIFO is not a file');
    const page = await get('/');
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-security-policy') ?? '', /script-src 'self'/);
    assert.equal(child!.exitCode, null);
  });

  it('#14 never follows a symlink out of its folder and never serves source maps', async () => {
    assert.equal((await get('/secret.txt')).status, 404);
    assert.equal((await get('/linked-dir/secret.txt')).status, 404);
    assert.equal((await get('/app.js.map')).status, 404);
    assert.equal((await get('/%2e%2e/outside/secret.txt')).status, 404);
    const alias = await get('/alias.js'); // a link inside the folder is fine
    assert.equal(alias.status, 200);
    assert.equal(await alias.text(), 'export {};');
  });
});
