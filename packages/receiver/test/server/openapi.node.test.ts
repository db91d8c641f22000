// The OpenAPI document is generated from the route declarations (each family's routes.ts), and this
// holds the app to it both ways: every operation, status, error code and media type the document
// lists is provoked on createApp() and its body matches the documented schema, and every method
// and path the app answers is in the document. The document itself is valid OpenAPI 3.1. The
// console's routes are in it (tagged `console`), and a receiver with the console on is probed for
// each of their answers (test/console-server/openapi-probes.ts).
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import { createApp, type AppOptions, type Verified } from '../../src/app.js';
import { confirmations } from '../../src/confirmation/feature.js';
import type { Background } from '../../src/http/background.js';
import { createLinkTokens } from '../../src/mail/link-tokens.js';
import { SITE_DEFAULT } from '../../src/mail/site.js';
import { createMailTransport } from '../../src/mail/transport.js';
import { openApiDocument, RECEIVER_ROUTES, VERIFY_ERROR_CODES } from '../../src/openapi.js';
import { preferences } from '../../src/preferences/feature.js';
import { createServerKey, loadServerKey } from '../../src/records/countersign.js';
import { sqliteStore } from '../../src/store/sqlite-store.js';
import type { RecordStore } from '../../src/store/store.js';
import { ORIGIN, probeConsole, probeConsoleStoreFailing, testConsoles } from '../console-server/openapi-probes.js';
import { consentRecord, dataRequest, signed, tempDir } from '../receiver/helpers.js';

type Schema = { $ref?: string; properties?: { error?: { properties?: { code?: { enum?: string[] } } } } };
type Operation = { tags?: string[]; responses: Record<string, { content?: Record<string, { schema: Schema }> }> };
type Doc = { paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, object> }; tags?: { name: string; description: string }[] };

const Ajv2020 = ((await import('ajv/dist/2020.js')) as unknown as { default: new (o: object) => { addSchema(s: object, k: string): void; compile(s: object): ((d: unknown) => boolean) & { errors?: unknown } } }).default;
const VERSION = '0.1.0';
const doc = openApiDocument({ version: VERSION }) as unknown as Doc;

test('the document is valid OpenAPI 3.1', async () => {
  const validator = new Validator();
  const result = await validator.validate(doc);
  assert.equal(result.valid, true, JSON.stringify(result.errors));
  assert.equal(validator.version, '3.1');
  // and the validator is not a rubber stamp
  assert.equal((await new Validator().validate({ ...doc, paths: { 'api/records': {} } })).valid, false);
});

test('POST /api/records documents every verify code, and RECEIVER_ROUTES lists the document', () => {
  const post = doc.paths['/api/records']!.post!;
  assert.deepEqual(Object.keys(post.responses).sort(), ['200', '201', '400', '401', '403', '409', '413', '415', '429', '503']);
  const codes = post.responses['400']!.content!['application/json']!.schema.properties!.error!.properties!.code!.enum!;
  for (const code of [...VERIFY_ERROR_CODES, 'malformed-target']) assert.ok(codes.includes(code), code);
  assert.deepEqual([...VERIFY_ERROR_CODES].sort(), ['bad-schema', 'bad-signature', 'future', 'kid-mismatch', 'malformed', 'stale', 'too-large', 'unsupported-alg']);
  const operations = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((method) => `${method} ${path}`));
  assert.deepEqual(RECEIVER_ROUTES.map((r) => `${r.method} ${r.path}`), operations);
  assert.deepEqual(RECEIVER_ROUTES.find((r) => r.method === 'post' && r.path === '/api/records')!.responses.find((a) => a.status === 429), {
    status: 429,
    description: 'Too many records from this address.',
    content: ['application/json'],
    codes: ['rate-limited'],
    headers: ['retry-after'],
  });
});

/** A real store (SQLite in memory) that can be made to fail like a full disk. */
function failingStore(): RecordStore & { fail: boolean } {
  const real = sqliteStore(':memory:');
  const state = { fail: false };
  return new Proxy(real as RecordStore & { fail: boolean }, {
    get(target, name, receiver) {
      if (name === 'fail') return state.fail;
      const value = Reflect.get(target, name, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => (state.fail && name !== 'close' ? Promise.reject(new Error('disk full')) : (value as (...a: unknown[]) => unknown).apply(target, args));
    },
    set(_target, name, value) {
      if (name !== 'fail') return false;
      state.fail = value as boolean;
      return true;
    },
  });
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
/** A stand-in for a signed record: the key id and the record, readable by the stub `verify`. */
const fakeJws = (record: object, kid = 'key-a') => `${b64({ kid })}.${b64(record)}.c2ln`;
const jose = (body: string, headers: Record<string, string> = {}): RequestInit => ({ method: 'POST', body, headers: { 'content-type': 'application/jose', ...headers } });
const linkBody = (body: unknown): RequestInit => ({ method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
const oneClick = (body = 'List-Unsubscribe=One-Click'): RequestInit => ({ method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
const ALLOWED = 'https://www.example.fi';
const EVIL = 'https://evil.example';
/** Mail jobs stay in the store with their links while requests are in flight: the test reads the links there. */
const HOLD: Background = { defer: () => true, busy() {}, onIdle() {} };
const CAP = { max: 100, windowMs: 86_400_000, mailboxMax: 100, clientMax: 100, keyMax: 100 };

const store = failingStore();
const key = await loadServerKey(await createServerKey());
const tokens = createLinkTokens(new Uint8Array(32).fill(7));
const mail = confirmations({
  store,
  key,
  tokens,
  mail: { transport: createMailTransport({ dataDir: tempDir(), from: 'x@localhost' }), cap: CAP, publicUrl: 'https://privacy.example' },
  site: SITE_DEFAULT,
  load: HOLD,
});
const prefs = preferences({ store, key, tokens, cap: CAP, mail: { wake() {} }, publicUrl: 'https://privacy.example', site: SITE_DEFAULT });
const noMail = preferences({ store, key, tokens, cap: CAP, publicUrl: 'https://privacy.example', site: SITE_DEFAULT });
const consoles = await testConsoles({ store, key, tokens, site: SITE_DEFAULT, cap: CAP });
after(async () => {
  await Promise.all([mail.stop(), prefs.stop(), noMail.stop(), consoles.consoles.stop()]);
  await store.close();
});

let refusal: string | undefined;
const options: AppOptions = {
  store,
  verify: async (jws) => {
    if (refusal) return { ok: false, error: { code: refusal, message: 'refused' } };
    const [head, payload] = jws.split('.');
    const { kid } = JSON.parse(Buffer.from(head!, 'base64url').toString()) as { kid: string };
    return { ok: true, record: JSON.parse(Buffer.from(payload!, 'base64url').toString()) as Verified['record'], kid };
  },
  countersign: async (record, _jws, receivedAt) => ({
    recordId: record.id,
    status: 'stored',
    receivedAt: (receivedAt ?? new Date()).toISOString(),
    receipt: 'eyJhbGciOiJFUzI1NiJ9.e30.c2ln',
  }),
  jwks: { keys: [{ kty: 'EC', crv: 'P-256', x: 'x', y: 'y', kid: 'k', alg: 'ES256', use: 'sig' }] },
  maxBytes: 4000,
  allowedOrigins: [ALLOWED],
  rateLimit: { burst: 1000, perSecond: 1000 },
  routeLimits: { link: { burst: 1000, perSecond: 1000 }, page: { burst: 1000, perSecond: 1000 } },
  features: [mail, prefs, consoles.consoles.on],
  confirmation: mail,
  preferences: prefs,
  console: consoles.consoles.on.routes,
  version: VERSION,
};
const main = createApp(options);
/** Every limit at zero: each limited route's first request is refused. */
const limited = createApp({ ...options, rateLimit: { burst: 0, perSecond: 0.001 }, routeLimits: { link: { burst: 0, perSecond: 0.001 }, page: { burst: 0, perSecond: 0.001 } } });
/** Mail off: no confirmation pages, no preference links, and a console without sign-in links, messages or provider. */
const mailOff = createApp({ ...options, features: [noMail], confirmation: undefined, preferences: noMail, console: consoles.consoles.off.routes });
/** A console whose OpenID Connect provider does not answer. */
const providerDown = createApp({ ...options, console: consoles.consoles.down.routes });
const CONSOLE_PATHS = Object.keys(doc.paths).filter((p) => p.startsWith('/console'));

test('the document is the app: generated from its declarations, and served at /openapi.json', async () => {
  assert.deepEqual(main.document(), doc);
  assert.deepEqual(await (await main.app.fetch(new Request('http://127.0.0.1/openapi.json'))).json(), doc);
  // A receiver without mail documents what it mounts: no mailed links' pages.
  const off = mailOff.document() as unknown as Doc;
  assert.deepEqual(Object.keys(doc.paths).filter((p) => !(p in off.paths)), ['/pages.css', '/confirm/{token}', '/restore/{token}']);
  // The console is an optional part: tagged, and said to be present only when configured; a receiver without it documents none of it.
  assert.ok(CONSOLE_PATHS.length >= 15);
  for (const [path, operations] of Object.entries(doc.paths)) {
    for (const operation of Object.values(operations)) assert.deepEqual(operation.tags, path.startsWith('/console') ? ['console'] : undefined, path);
  }
  assert.deepEqual(doc.tags?.map((t) => t.name), ['console']);
  assert.match(doc.tags![0]!.description, /Present when the receiver's console is configured/);
  const bare = createApp({ ...options, console: undefined }).document() as unknown as Doc;
  assert.deepEqual(Object.keys(doc.paths).filter((p) => !(p in bare.paths)), CONSOLE_PATHS);
  assert.equal(bare.tags, undefined);
});

test('every answer in the document is given by the app, and every route the app answers is in the document', async () => {
  const ajv = new Ajv2020({ strict: false });
  for (const [name, schema] of Object.entries(doc.components.schemas)) ajv.addSchema(schema, `#/components/schemas/${name}`);
  /** `method path status code-or-media-type`: what the document lists, and what the app answered. */
  const documented = new Set<string>();
  for (const [path, operations] of Object.entries(doc.paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      for (const [status, response] of Object.entries(operation.responses)) {
        const content = Object.entries(response.content ?? {});
        if (!content.length) documented.add(`${method} ${path} ${status} -`);
        for (const [type, { schema }] of content) {
          const codes = schema.properties?.error?.properties?.code?.enum;
          for (const variant of codes ?? [type]) documented.add(`${method} ${path} ${status} ${variant}`);
        }
      }
    }
  }
  const seen = new Set<string>();
  const pattern = (path: string) => new RegExp(`^${path.replace(/\{\w+\}/g, '[^/]+').replace(/\./g, '\\.')}$`);
  const documentedPath = (path: string) => Object.keys(doc.paths).find((p) => pattern(p).test(path));

  /** Sends a request and checks its answer against the document; `as`: the route a malformed target was aimed at. */
  async function probe(method: string, path: string, init: RequestInit = {}, expect?: [number, string?], { app = main.app, as }: { app?: typeof main.app; as?: string } = {}) {
    const res = await app.fetch(new Request(`http://127.0.0.1:8787${path}`, { method, ...init }));
    const route = as ?? documentedPath(path.split('?')[0]!);
    const operation = route && doc.paths[route]?.[method.toLowerCase()];
    assert.ok(operation, `${method} ${path} is not in the document`);
    const documentedAnswer = operation.responses[String(res.status)];
    assert.ok(documentedAnswer, `${method} ${path} answered ${res.status}, which is not documented`);
    const type = res.headers.get('content-type')?.split(';')[0] ?? '-';
    let variant = type;
    if (type !== '-') {
      const schema = documentedAnswer.content?.[type]?.schema;
      assert.ok(schema, `${method} ${path} ${res.status}: ${type} is not documented`);
      if (type === 'application/json') {
        const body = (await res.clone().json()) as { error?: { code: string } };
        const validate = ajv.compile(schema.$ref ? { $ref: schema.$ref } : schema);
        assert.ok(validate(body), `${method} ${path} ${res.status}: ${JSON.stringify(body)} does not match its schema`);
        if (body.error) variant = body.error.code;
      }
    }
    if (expect) assert.deepEqual([res.status, variant], [expect[0], expect[1] ?? variant], `${method} ${path}`);
    seen.add(`${method.toLowerCase()} ${route} ${res.status} ${variant}`);
    return res;
  }
  const operations = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((method) => ({ method: method.toUpperCase(), path })));
  const documents = (path: string, method: string, status: number, code: string) => documented.has(`${method.toLowerCase()} ${path} ${status} ${code}`);
  /** A request each route takes as far as its limit: the records endpoint looks at the media type first. */
  const minimal = (method: string, path: string): RequestInit =>
    method === 'POST' && path === '/api/records' ? jose('a.b.c') : method === 'POST' && path.endsWith('/link') ? linkBody({ email: 'maija@example.fi' }) : {};
  const concrete = (path: string, token = 'not-a-token') => path.replace(/\{\w+\}/g, token);

  // What every route answers alike, derived from the document.
  for (const { method, path } of operations) {
    const malformed = /\{\w+\}/.test(path) ? path.replace(/\{\w+\}/, '%zz') : `${path}%zz`;
    await probe(method, malformed, {}, [400, 'malformed-target'], { as: path });
    if (method === 'GET') await probe(method, concrete(path), { headers: { 'content-length': '9999' } }, [413, 'body-not-allowed']);
    // Sent to every route, so that a route refusing without saying so fails `probe`.
    const evil = { ...minimal(method, path), headers: { ...minimal(method, path).headers, origin: EVIL } };
    await probe(method, concrete(path), evil, documents(path, method, 403, 'origin-not-allowed') ? [403, 'origin-not-allowed'] : undefined);
    await probe(method, concrete(path), minimal(method, path), documents(path, method, 429, 'rate-limited') ? [429, 'rate-limited'] : undefined, { app: limited.app });
    if (documents(path, method, 405, 'method-not-allowed')) {
      const res = await probe(method, path, {}, [405, 'method-not-allowed']);
      assert.equal(res.headers.get('allow'), path === '/api/preferences' ? 'GET, OPTIONS' : 'POST, OPTIONS');
    }
    if (method === 'OPTIONS') {
      const res = await probe(method, path, { headers: { origin: ALLOWED, 'access-control-request-method': 'POST' } }, [204]);
      assert.equal(res.headers.get('access-control-allow-origin'), ALLOWED);
    }
  }

  await probe('GET', '/.well-known/jwks.json', {}, [200]);
  await probe('GET', '/openapi.json', {}, [200]);
  await probe('GET', '/healthz', {}, [200]);
  await probe('GET', '/readyz', {}, [200]);
  await probe('GET', '/pages.css', {}, [200, 'text/css']);

  // Records, and a preference link sent with one.
  const grant = consentRecord('maija@example.fi');
  await probe('POST', '/api/records', jose(fakeJws(grant)), [201]);
  await probe('POST', '/api/records', jose(fakeJws(grant)), [200]);
  await probe('POST', '/api/records', jose(fakeJws({ ...grant, locale: 'en' })), [409, 'conflict']);
  for (const code of VERIFY_ERROR_CODES) {
    refusal = code;
    await probe('POST', '/api/records', jose(fakeJws(grant)), [400, code]);
  }
  refusal = undefined;
  await probe('POST', '/api/records', { ...jose('a.b.c'), headers: { 'content-type': 'text/plain' } }, [415, 'unsupported-media-type']);
  await probe('POST', '/api/records', jose('x'.repeat(5000)), [413, 'too-large']);
  const prefsToken = tokens.issue({ kind: 'prefs', address: 'maija@example.fi', locale: 'fi' });
  const expiredPrefs = tokens.issue({ kind: 'prefs', address: 'maija@example.fi', locale: 'fi' }, { now: new Date(Date.now() - 86_400_000) });
  const tampered = `${prefsToken.slice(0, 20)}${prefsToken[20] === 'A' ? 'B' : 'A'}${prefsToken.slice(21)}`;
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  await probe('POST', '/api/records', jose(fakeJws(dataRequest('maija@example.fi')), bearer(prefsToken)), [400, 'link-not-for-requests']);
  await probe('POST', '/api/records', jose(fakeJws(consentRecord('maija@example.fi')), bearer(expiredPrefs)), [401, 'link-expired']);
  await probe('POST', '/api/records', jose(fakeJws(consentRecord('maija@example.fi')), bearer(tampered)), [401, 'link-invalid']);
  await probe('POST', '/api/records', jose(fakeJws(consentRecord('pekka@example.fi')), bearer(prefsToken)), [403, 'link-other-address']);

  // The confirmation link of that grant, then a withdrawal from another device and its notice's restore link.
  const linkOf = async (recordId: string, page: string) => {
    const [job] = await store.jobs({ kind: 'mail', recordId });
    const token = String((job?.payload as { message?: { text?: string } } | undefined)?.message?.text).match(new RegExp(`/${page}/([A-Za-z0-9_-]+)`))?.[1];
    assert.ok(token, `a ${page} link was mailed for ${recordId}`);
    return token;
  };
  const confirmLink = `/confirm/${await linkOf(grant.id, 'confirm')}`;
  await probe('GET', confirmLink, {}, [200, 'text/html']);
  await probe('POST', confirmLink, { method: 'POST' }, [200, 'text/html']);
  const withdrawal = consentRecord('maija@example.fi', false);
  await probe('POST', '/api/records', jose(fakeJws(withdrawal, 'key-b')), [201]);
  const restoreLink = `/restore/${await linkOf(withdrawal.id, 'restore')}`;
  await probe('GET', restoreLink, {}, [200, 'text/html']);
  await probe('POST', restoreLink, {}, [200, 'text/html']);
  const stale = { now: new Date(Date.now() - 30 * 86_400_000) };
  for (const [page, kind] of [['confirm', 'confirm'], ['restore', 'restore']] as const) {
    const expired = tokens.issue({ kind, recordId: grant.id, address: 'maija@example.fi', locale: 'en' }, stale);
    for (const method of ['GET', 'POST']) {
      await probe(method, `/${page}/not-a-token`, {}, [404, 'text/html']);
      await probe(method, `/${page}/${expired}`, {}, [410, 'text/html']);
    }
  }

  // One-click unsubscribe.
  const unsubscribe = `/unsubscribe/${tokens.issue({ kind: 'unsubscribe', address: 'maija@example.fi', purpose: 'newsletter', locale: 'fi' })}`;
  const expiredUnsubscribe = `/unsubscribe/${tokens.issue({ kind: 'unsubscribe', address: 'maija@example.fi', purpose: 'newsletter', locale: 'fi' }, { now: new Date(Date.now() - 4 * 365 * 86_400_000) })}`;
  await probe('GET', unsubscribe, {}, [200, 'text/html']);
  await probe('POST', unsubscribe, { headers: { 'content-type': 'text/plain' }, body: 'List-Unsubscribe=One-Click' }, [400, 'text/html']);
  await probe('POST', unsubscribe, oneClick(`x=${'y'.repeat(9000)}`), [413, 'text/plain']);
  await probe('POST', unsubscribe, oneClick(), [200, 'text/html']);
  for (const method of ['GET', 'POST']) {
    await probe(method, '/unsubscribe/not-a-token', {}, [404, 'text/html']);
    await probe(method, expiredUnsubscribe, {}, [410, 'text/html']);
  }

  // The preference API.
  await probe('GET', '/api/preferences', {}, [401, 'link-missing']);
  await probe('GET', '/api/preferences', { headers: bearer(expiredPrefs) }, [401, 'link-expired']);
  await probe('GET', '/api/preferences', { headers: bearer(tampered) }, [401, 'link-invalid']);
  await probe('GET', '/api/preferences', { headers: bearer(prefsToken) }, [200]);
  await probe('POST', '/api/preferences/link', linkBody({ email: 'maija@example.fi' }), [202]);
  await probe('POST', '/api/preferences/link', linkBody({ email: 'not an address' }), [400, 'invalid-email']);
  await probe('POST', '/api/preferences/link', linkBody({ email: { toString: 'x' } }), [400, 'invalid-type']);
  await probe('POST', '/api/preferences/link', { method: 'POST', body: 'x', headers: { 'content-type': 'text/plain' } }, [415, 'unsupported-media-type']);
  await probe('POST', '/api/preferences/link', linkBody({ email: 'x'.repeat(5000) }), [413, 'too-large']);
  await probe('POST', '/api/preferences/link', linkBody({ email: 'maija@example.fi' }), [404, 'not-found'], { app: mailOff.app });

  // The console, on a data request and a consent record signed for real (its reads verify signatures).
  const request = await signed(dataRequest('ville@example.fi'));
  await probe('POST', '/api/records', jose(request.jws), [201]);
  const consent = await signed(consentRecord('ville@example.fi'));
  await probe('POST', '/api/records', jose(consent.jws), [201]);
  const consoleRequest = { id: request.record.id, kid: (await store.get(request.record.id))!.kid };
  const session = await probeConsole(probe, consoles, { off: mailOff.app, down: providerDown.app }, consoleRequest, 'ville@example.fi');

  // Every method on every path the app routes: what it answers (not the answer to a path it has no route for) is documented.
  const nothing = await (await main.app.fetch(new Request('http://127.0.0.1/no/such/route'))).text();
  // The console's API is tried signed in and from the console: without a session every path of it answers the same 401.
  const signedIn = (path: string, method: string): RequestInit => {
    if (!path.startsWith('/console/api/')) return {};
    const headers = { cookie: session.cookie, origin: ORIGIN, 'x-csrf-token': session.csrf };
    return method === 'GET' ? { headers } : { headers: { ...headers, 'content-type': 'application/json' }, body: '{}' };
  };
  const paths = [...new Set(main.app.routes.map((r) => r.path).filter((p) => !p.includes('*')))];
  assert.ok(paths.length >= 10, 'the app lists its routes');
  for (const path of paths) {
    for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']) {
      const concretePath = path.replace(/:\w+/g, 'not-a-token');
      const res = await main.app.fetch(new Request(`http://127.0.0.1${concretePath}`, { method, ...signedIn(path, method) }));
      if (res.status === 404 && (await res.text()) === nothing) continue;
      const route = documentedPath(concretePath);
      assert.ok(route && doc.paths[route]?.[method.toLowerCase()], `the app answers ${method} ${path} (${res.status}), which is not in the document`);
    }
  }

  // The store failing: every route that reads or writes it answers a retryable 503.
  await prefs.stop(); // the link request's work, done before the store fails
  await consoles.consoles.on.stop(); // the console's sign-in link work too
  await probeConsoleStoreFailing(probe, consoles, session, consoleRequest, (on) => (store.fail = on));
  store.fail = true;
  await probe('POST', '/api/records', jose(fakeJws(consentRecord('liisa@example.fi'))), [503, 'unavailable']);
  const valid = (kind: 'confirm' | 'restore') => tokens.issue({ kind, recordId: grant.id, address: 'maija@example.fi', locale: 'fi' });
  for (const method of ['GET', 'POST']) {
    await probe(method, `/confirm/${valid('confirm')}`, {}, [503, 'unavailable']);
    await probe(method, `/restore/${valid('restore')}`, {}, [503, 'unavailable']);
  }
  await probe('POST', unsubscribe, oneClick(), [503, 'unavailable']);
  await probe('GET', '/api/preferences', { headers: bearer(prefsToken) }, [503, 'unavailable']);
  await new Promise((resolve) => setTimeout(resolve, 1100)); // a probe's outcome answers /readyz for a second
  await probe('GET', '/readyz', {}, [503, 'store-unavailable']);
  await probe('GET', '/healthz', {}, [200]); // alive: the store is the readiness probe's business
  store.fail = false;

  // A receiver shutting down answers every route alike.
  await main.drain();
  for (const { method, path } of operations) await probe(method, concrete(path), minimal(method, path), [503, 'shutting-down']);

  const missing = [...documented].filter((d) => !seen.has(d));
  assert.deepEqual(missing, [], 'documented answers the app was not seen to give');
});
