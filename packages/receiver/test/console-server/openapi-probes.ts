// What test/server/openapi.node.test.ts needs of the console to hold it to the OpenAPI document:
// consoles on the test's store (one with mail and a real OpenID Connect provider, one without mail
// or provider, one whose provider is down), sign-in by minted links and through the provider, and a
// probe of every documented console answer. The probe is the test's own: it checks each answer
// against the document and counts it as seen.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { createApp } from '../../src/app.js';
import { consoleFeature, type ConsoleDeps, type ConsoleFeature } from '../../src/console/feature.js';
import { TEMPLATE_IDS } from '../../src/console/mail.js';
import { consoleKeys, randomId } from '../../src/console/session.js';
import { tempDir } from '../receiver/helpers.js';
import { startProvider, type TestProvider } from './oidc-provider.js';

/** The test's requests go to this origin: the consoles' public one. */
export const ORIGIN = 'http://127.0.0.1:8787';
const EVIL = 'https://evil.example';
const STAFF = 'dpo@optimesys.fi';
const CALLBACK = '/console/auth/oidc/callback';

type App = ReturnType<typeof createApp>['app'];
export type Probe = (method: string, path: string, init?: RequestInit, expect?: [number, string?], options?: { app?: App }) => Promise<Response>;

export interface TestConsoles {
  /** Mail on, the test provider configured. */
  on: ConsoleFeature;
  /** No mail (no sign-in links, no messages) and no provider. */
  off: ConsoleFeature;
  /** A provider that does not answer. */
  down: ConsoleFeature;
  stop(): Promise<void>;
}

/** The consoles, on `deps`' store and key; the provider knows the consoles' callback. */
export async function testConsoles(deps: Pick<ConsoleDeps, 'store' | 'key' | 'tokens' | 'site'> & { cap: NonNullable<ConsoleDeps['mail']>['cap'] }) {
  const assetsDir = tempDir('pw-console-assets-');
  const provider = await startProvider({ dpo: { email: STAFF, email_verified: true }, outsider: { email: 'someone@example.com', email_verified: true } });
  provider.configure(`${ORIGIN}${CALLBACK}`);
  // The cookies' and links' keys derive from it: the test mints links and transactions with the same.
  const secret = new Uint8Array(32).fill(9);
  const base = { store: deps.store, key: deps.key, secret, tokens: deps.tokens, site: deps.site, publicUrl: ORIGIN, maxSkewSeconds: 600 };
  const users = [STAFF, '@optimesys.fi'];
  const consoles: TestConsoles = {
    on: consoleFeature({ ...base, mail: { cap: deps.cap, wake() {} }, options: { users, assetsDir, oidc: { issuer: provider.issuer, clientId: provider.clientId, clientSecret: provider.clientSecret } } }),
    off: consoleFeature({ ...base, options: { users, assetsDir } }),
    // Nothing listens on port 1: discovery fails at once.
    down: consoleFeature({ ...base, mail: { cap: deps.cap, wake() {} }, options: { users, assetsDir, oidc: { issuer: 'http://127.0.0.1:1', clientId: 'x' } } }),
    async stop() {
      await Promise.all([consoles.on.stop(), consoles.off.stop(), consoles.down.stop()]);
      await provider.stop();
    },
  };
  return { consoles, provider, assetsDir, keys: consoleKeys(secret) };
}

type Setup = Awaited<ReturnType<typeof testConsoles>>;

const cookieOf = (response: Response, name: string) => {
  const cookie = response.headers.getSetCookie().find((c) => c.startsWith(`${name}=`));
  assert.ok(cookie, `${name} is set`);
  return cookie.split(';')[0]!;
};
const json = (body: unknown, headers: Record<string, string> = {}): RequestInit => ({ method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers } });

/** Through the provider as `account`: the callback the browser is sent back to, and the transaction cookie it carries. */
async function authorize(probe: Probe, provider: TestProvider, account: string): Promise<{ path: string; cookie: string }> {
  provider.account = account;
  const started = await probe('GET', '/console/auth/oidc', {}, [302]);
  const cookie = cookieOf(started, 'pw-console-oidc');
  const jar = new Map<string, string>();
  let location = started.headers.get('location')!;
  for (let hops = 0; hops < 10; hops++) {
    const response = await fetch(location, { headers: { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') }, redirect: 'manual' });
    for (const set of response.headers.getSetCookie()) {
      const [pair] = set.split(';');
      jar.set(pair!.slice(0, pair!.indexOf('=')), pair!.slice(pair!.indexOf('=') + 1));
    }
    location = new URL(response.headers.get('location')!, location).href;
    if (location.startsWith(`${ORIGIN}${CALLBACK}`)) return { path: location.slice(ORIGIN.length), cookie };
  }
  assert.fail('the provider never redirected back');
}

export interface ConsoleSession {
  cookie: string;
  csrf: string;
}

/**
 * Every documented console answer but the store failing: the front end's files, sign-in (links, the
 * provider), sign-out, and the API on `request`, a data request in the store. Its session, for the rest.
 */
export async function probeConsole(probe: Probe, { provider, assetsDir, keys }: Setup, apps: { off: App; down: App }, request: { id: string; kid: string }, consents: string): Promise<ConsoleSession> {
  const link = (email: string, expires = Date.now() + 600_000) => `/console/auth/link/${keys.sealLink({ e: email, x: expires, n: randomId() })}`;
  const fromConsole = { origin: ORIGIN };

  // The front end: not built, then built.
  const assets = { '/console': 'text/html', '/console/': 'text/html', '/console/index.html': 'text/html', '/console/app.js': 'text/javascript', '/console/console.css': 'text/css' };
  for (const path of Object.keys(assets)) await probe('GET', path, {}, [404, 'not-built']);
  for (const name of ['index.html', 'app.js', 'console.css']) writeFileSync(join(assetsDir, name), `/* ${name} */`);
  for (const [path, type] of Object.entries(assets)) await probe('GET', path, {}, [200, type]);

  // A sign-in link asked for.
  await probe('POST', '/console/auth/link', json({ email: STAFF }, fromConsole), [202]);
  await probe('POST', '/console/auth/link', json({ email: 'not an address' }, fromConsole), [400, 'invalid-email']);
  await probe('POST', '/console/auth/link', json({ email: STAFF }, { origin: EVIL }), [403, 'origin']);
  await probe('POST', '/console/auth/link', { method: 'POST', body: `email=${STAFF}`, headers: { 'content-type': 'application/x-www-form-urlencoded', ...fromConsole } }, [415, 'unsupported-media-type']);
  await probe('POST', '/console/auth/link', json({ email: 'x'.repeat(20_000) }, fromConsole), [413, 'too-large']);
  await probe('POST', '/console/auth/link', json({ email: STAFF }, fromConsole), [404, 'not-found'], { app: apps.off });

  // The mailed link: its page, then its button, once.
  const mailed = link(STAFF);
  await probe('GET', mailed, {}, [200, 'text/html']);
  await probe('POST', mailed, { headers: { origin: EVIL } }, [400, 'text/html']);
  const signedIn = await probe('POST', mailed, { headers: fromConsole }, [303]);
  for (const method of ['GET', 'POST']) {
    await probe(method, mailed, { headers: fromConsole }, [410, 'text/html']);
    await probe(method, link(STAFF, Date.now() - 1000), { headers: fromConsole }, [410, 'text/html']);
    await probe(method, link('someone@example.com'), { headers: fromConsole }, [403, 'text/html']);
    await probe(method, '/console/auth/link/not-a-token', { headers: fromConsole }, [404, 'text/html']);
  }
  const cookie = cookieOf(signedIn, 'pw-console');
  const { csrf } = (await (await probe('GET', '/console/api/session', { headers: { cookie } }, [200])).json()) as { csrf: string };

  // The company's provider.
  await probe('GET', '/console/auth/oidc', {}, [404, 'not-found'], { app: apps.off });
  await probe('GET', '/console/auth/oidc', {}, [503, 'text/html'], { app: apps.down });
  await probe('GET', CALLBACK, {}, [400, 'text/html']);
  await probe('GET', CALLBACK, {}, [404, 'not-found'], { app: apps.off });
  const tx = keys.sealTransaction({ id: randomId(), state: 's', nonce: 'n', verifier: 'v', exp: Date.now() + 60_000 });
  await probe('GET', `${CALLBACK}?code=c&state=s`, { headers: { cookie: `pw-console-oidc=${tx}` } }, [503, 'text/html'], { app: apps.down });
  const outsider = await authorize(probe, provider, 'outsider');
  await probe('GET', outsider.path, { headers: { cookie: outsider.cookie } }, [403, 'text/html']);
  const staff = await authorize(probe, provider, 'dpo');
  const viaProvider = cookieOf(await probe('GET', staff.path, { headers: { cookie: staff.cookie } }, [303]), 'pw-console');

  // Sign-out, of the provider's session.
  const other = (await (await probe('GET', '/console/api/session', { headers: { cookie: viaProvider } }, [200])).json()) as { csrf: string };
  await probe('POST', '/console/auth/logout', { headers: fromConsole }, [401, 'no-session']);
  await probe('POST', '/console/auth/logout', { headers: { cookie: viaProvider, origin: EVIL, 'x-csrf-token': other.csrf } }, [403, 'origin']);
  await probe('POST', '/console/auth/logout', { headers: { cookie: viaProvider, ...fromConsole, 'x-csrf-token': csrf } }, [403, 'csrf']);
  await probe('POST', '/console/auth/logout', { headers: { cookie: viaProvider, ...fromConsole, 'x-csrf-token': other.csrf } }, [204]);

  // The API's reads.
  const signed = { headers: { cookie } };
  const path = `/console/api/requests/${encodeURIComponent(request.id)}`;
  const kid = `?kid=${encodeURIComponent(request.kid)}`;
  await probe('GET', '/console/api/session', {}, [401, 'no-session']);
  await probe('GET', '/console/api/requests?status=all', signed, [200]);
  await probe('GET', '/console/api/requests?status=everything', signed, [400, 'invalid-status']);
  await probe('GET', '/console/api/requests?status=all&offset=1&limit=1', signed, [200]);
  for (const page of ['offset=-1', 'offset=1e3', 'offset=99999999999999999', 'limit=0', 'limit=501', 'limit=ten', 'limit=', 'offset=%2B1', 'offset=0x10']) {
    await probe('GET', `/console/api/requests?${page}`, signed, [400, 'invalid-page']);
  }
  await probe('GET', `${path}${kid}`, signed, [200]);
  await probe('GET', `${path}?kid=another`, signed, [404, 'not-found']);
  await probe('GET', `${path}/answer${kid}`, signed, [200, 'text/html']);
  await probe('GET', `${path}/answer?kid=another`, signed, [404, 'not-found']);
  await probe('GET', '/console/api/consents/stats', signed, [200]);
  await probe('GET', `/console/api/consents?email=${encodeURIComponent(consents)}`, signed, [200]);
  await probe('GET', '/console/api/consents?email=not-an-address', signed, [400, 'invalid-email']);
  await probe('GET', '/console/api/consents?email=nobody%40example.fi', signed, [404, 'not-found']);

  // The acts on a request: what the gate refuses, then each act's own answers.
  const act = (body: unknown, headers: Record<string, string> = {}) => json(body, { cookie, ...fromConsole, 'x-csrf-token': csrf, ...headers });
  const actions = ['close', 'verify-identity', 'message'];
  for (const action of actions) {
    const to = `${path}/${action}`;
    await probe('POST', to, json({ kid: request.kid }, fromConsole), [401, 'no-session']);
    await probe('POST', to, act({ kid: request.kid }, { origin: EVIL }), [403, 'origin']);
    await probe('POST', to, act({ kid: request.kid }, { 'x-csrf-token': 'wrong' }), [403, 'csrf']);
    await probe('POST', to, { ...act({}), body: `kid=${request.kid}`, headers: { ...(act({}).headers as Record<string, string>), 'content-type': 'application/x-www-form-urlencoded' } }, [415, 'unsupported-media-type']);
    await probe('POST', to, act({ kid: request.kid, note: 'x'.repeat(20_000) }), [413, 'too-large']);
    await probe('POST', to, act({ kid: 'another' }), [404, 'not-found']);
  }
  await probe('POST', `${path}/verify-identity`, act({ kid: request.kid }), [400, 'invalid-how']);
  await probe('POST', `${path}/verify-identity`, act({ kid: request.kid, how: 'a phone call' }), [200]);
  await probe('POST', `${path}/verify-identity`, act({ kid: request.kid, how: 'a phone call' }), [409, 'already-verified']);
  await probe('POST', `${path}/message`, act({ kid: request.kid, template: 'no-such-template' }), [400, 'invalid-template']);
  await probe('POST', `${path}/message`, act({ kid: request.kid, template: TEMPLATE_IDS[0] }), [202]);
  await probe('POST', `${path}/message`, act({ kid: request.kid, template: TEMPLATE_IDS[0] }), [409, 'mail-off'], { app: apps.off });
  await probe('POST', `${path}/close`, act({ kid: request.kid, note: ' ' }), [400, 'invalid-note']);
  await probe('POST', `${path}/close`, act({ kid: request.kid, note: 'Answered by mail.' }), [200]);
  await probe('POST', `${path}/close`, act({ kid: request.kid, note: 'Again.' }), [409, 'already-closed']);
  await probe('POST', `${path}/verify-identity`, act({ kid: request.kid, how: 'a visit' }), [409, 'already-closed']);
  return { cookie, csrf };
}

/** With the store failing: every console route that reads or writes it answers a retryable 503. */
export async function probeConsoleStoreFailing(probe: Probe, { provider, keys }: Setup, session: ConsoleSession, request: { id: string; kid: string }, failing: (on: boolean) => void) {
  // The provider's part first: the callback reaches the store only at the sign-in itself.
  const staff = await authorize(probe, provider, 'dpo');
  failing(true);
  const headers = { cookie: session.cookie, origin: ORIGIN, 'x-csrf-token': session.csrf };
  await probe('GET', staff.path, { headers: { cookie: staff.cookie } }, [503, 'unavailable']);
  const mailed = `/console/auth/link/${keys.sealLink({ e: STAFF, x: Date.now() + 600_000, n: randomId() })}`;
  await probe('GET', mailed, {}, [503, 'unavailable']);
  await probe('POST', mailed, { headers: { origin: ORIGIN } }, [503, 'unavailable']);
  await probe('POST', '/console/auth/logout', { headers }, [503, 'unavailable']);
  const path = `/console/api/requests/${encodeURIComponent(request.id)}`;
  const kid = `?kid=${encodeURIComponent(request.kid)}`;
  for (const read of ['/console/api/session', '/console/api/requests', `${path}${kid}`, `${path}/answer${kid}`, '/console/api/consents/stats', '/console/api/consents?email=maija%40example.fi']) {
    await probe('GET', read, { headers: { cookie: session.cookie } }, [503, 'unavailable']);
  }
  for (const action of ['close', 'verify-identity', 'message']) await probe('POST', `${path}/${action}`, json({ kid: request.kid }, headers), [503, 'unavailable']);
  failing(false);
}
