// createReceiver().fetch mounted in a site's own server: called directly, as a Next.js route
// handler (examples/nextjs) and behind Express (examples/express). The examples import the
// package by name; here that name is bundled from the source (packages/receiver/src/index.ts), so they
// run as a site would run them without a build.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { compactVerify, createLocalJWKSet, type JSONWebKeySet } from 'jose';
import { createReceiver } from '../../src/index.js';
import { captureTransport, consentRecord, dataRequest, signed, tempDir } from './helpers.js';

const root = process.cwd();
const work = mkdtempSync(join(root, 'node_modules', '.cache-pw-examples-'));
after(() => rmSync(work, { recursive: true, force: true }));

/** Bundles one example with the package name pointing at the source; other packages stay external. */
async function load<T>(entry: string): Promise<T> {
  const outfile = join(work, `${entry.replace(/\W+/g, '-')}.mjs`);
  await build({
    entryPoints: [join(root, entry)],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'silent',
    plugins: [
      {
        name: 'package-from-source',
        setup(b) {
          b.onResolve({ filter: /^@optimesys\/privacy-receiver$/ }, () => ({ path: join(root, 'packages/receiver/src/index.ts') }));
          b.onResolve({ filter: /^[^./]/ }, (args) => (args.path.startsWith('@optimesys/') ? undefined : { external: true }));
        },
      },
    ],
  });
  return (await import(pathToFileURL(outfile).href)) as T;
}

async function checkReceipt(response: Response, jwks: JSONWebKeySet, id: string) {
  assert.equal(response.status, 201);
  const body = (await response.json()) as { recordId: string; receipt: string };
  assert.equal(body.recordId, id);
  await compactVerify(body.receipt, createLocalJWKSet(jwks)); // jose, not our own check
}

describe('createReceiver().fetch', () => {
  it('verifies, stores and countersigns a record posted as a plain fetch Request', async () => {
    const receiver = await createReceiver({ dataDir: tempDir(), rateLimit: false, mail: { publicUrl: 'https://www.optimesys.fi' } });
    try {
      const { jws, record } = await signed(consentRecord());
      const request = () => new Request('https://www.optimesys.fi/api/records', { method: 'POST', headers: { 'content-type': 'application/jose' }, body: jws });
      const jwks = (await (await receiver.fetch(new Request('https://www.optimesys.fi/.well-known/jwks.json'))).json()) as JSONWebKeySet;
      await checkReceipt(await receiver.fetch(request()), jwks, record.id);
      assert.equal((await receiver.fetch(request())).status, 200);
      assert.equal((await receiver.store.byEmail(record.subject.email)).length, 1);
    } finally {
      await receiver.close();
    }
  });

  it('refuses to start with mail on and no public origin: links are never built from a request', async () => {
    const dataDir = tempDir();
    await assert.rejects(createReceiver({ dataDir }), (error: Error) => error.name === 'ReceiverStartError' && /publicUrl/.test(error.message));
    await assert.rejects(createReceiver({ dataDir, mail: { transport: captureTransport().transport } as never }), /publicUrl/);
    const off = await createReceiver({ dataDir, mail: false });
    await off.close();
  });

  it('answers 503 once closed, and close() can be called twice', async () => {
    const receiver = await createReceiver({ dataDir: tempDir(), mail: false });
    await receiver.close();
    await receiver.close();
    const response = await receiver.fetch(new Request('http://localhost/healthz'));
    assert.equal(response.status, 503);
  });

  it('runs in a Next.js route handler (examples/nextjs)', async () => {
    process.env.PRIVACY_DATA_DIR = tempDir();
    process.env.PUBLIC_URL = 'https://www.optimesys.fi';
    const records = await load<{ POST(r: Request): Promise<Response>; runtime: string }>('examples/nextjs/app/api/records/route.ts');
    const jwksRoute = await load<{ GET(r: Request): Promise<Response> }>('examples/nextjs/app/.well-known/jwks.json/route.ts');
    assert.equal(records.runtime, 'nodejs');
    const jwks = (await (await jwksRoute.GET(new Request('https://www.optimesys.fi/.well-known/jwks.json'))).json()) as JSONWebKeySet;
    const { jws, record } = await signed(dataRequest());
    // As Next passes it: a Request with the platform's X-Forwarded-For.
    const response = await records.POST(
      new Request('https://www.optimesys.fi/api/records', {
        method: 'POST',
        headers: { 'content-type': 'application/jose', 'x-forwarded-for': '198.51.100.4' },
        body: jws,
      }),
    );
    await checkReceipt(response, jwks, record.id);
  });

  it('runs behind Express (examples/express)', async () => {
    const dataDir = join(tempDir(), 'privacy');
    mkdirSync(dataDir);
    const { createSite } = await load<{ createSite(o: { dataDir: string; publicUrl: string }): Promise<{ app: { listen(port: number, host: string, cb: () => void): Server }; close(): Promise<void> }> }>(
      'examples/express/server.ts',
    );
    const site = await createSite({ dataDir, publicUrl: 'https://www.optimesys.fi' });
    const server = await new Promise<Server>((resolve) => {
      const s = site.app.listen(0, '127.0.0.1', () => resolve(s));
    });
    try {
      const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const jwks = (await (await fetch(`${origin}/.well-known/jwks.json`)).json()) as JSONWebKeySet;
      const { jws, record } = await signed(consentRecord());
      await checkReceipt(await fetch(`${origin}/api/records`, { method: 'POST', headers: { 'content-type': 'application/jose' }, body: jws }), jwks, record.id);
      assert.equal((await fetch(`${origin}/`)).status, 200, "the site's own routes still answer");
      const refused = await fetch(`${origin}/api/records`, { method: 'POST', headers: { 'content-type': 'application/jose' }, body: 'x'.repeat(20_000) });
      assert.equal(refused.status, 413);
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await site.close();
    }
  });
});
