// The OpenAPI document: valid OpenAPI 3.1 (@seriousme/openapi-schema-validator),
// and true of the app: every route in the table is probed on createApp(), every
// answer's status and error code is documented, and its body matches the schema.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import { createApp, type AppOptions, type Verified } from '../../src/app.js';
import { openApiDocument, RECEIVER_ROUTES, VERIFY_ERROR_CODES } from '../../src/openapi.js';
import { createServerKey, loadServerKey } from '../../src/records/countersign.js';
import { confirmations } from '../../src/confirmation/feature.js';
import { SITE_DEFAULT } from '../../src/mail/site.js';
import { preferences } from '../../src/preferences/feature.js';
import { sqliteStore } from '../../src/store/sqlite-store.js';
import type { RecordStore } from '../../src/store/store.js';
import { createMailTransport } from '../../src/mail/transport.js';
import { createLinkTokens } from '../../src/mail/link-tokens.js';
import { tempDir } from '../receiver/helpers.js';

const Ajv2020 = ((await import('ajv/dist/2020.js')) as unknown as { default: new (o: object) => { compile(s: object): ((d: unknown) => boolean) & { errors?: unknown } } }).default;
const doc = openApiDocument({ version: '0.1.0' }) as {
  paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: { $ref?: string } }> }> }>>;
  components: { schemas: Record<string, object> };
};

test('the document is valid OpenAPI 3.1', async () => {
  const validator = new Validator();
  const result = await validator.validate(doc);
  assert.equal(result.valid, true, JSON.stringify(result.errors));
  assert.equal(validator.version, '3.1');
  // and the validator is not a rubber stamp
  assert.equal((await new Validator().validate({ ...doc, paths: { 'api/records': {} } })).valid, false);
});

test('POST /api/records documents 201, 200, 400 (every verify code and malformed-target), 409, 413, 415, 429, 503', () => {
  const post = doc.paths['/api/records']!.post!;
  assert.deepEqual(Object.keys(post.responses).sort(), ['200', '201', '400', '403', '409', '413', '415', '429', '503']);
  const ref = post.responses['400']!.content!['application/json']!.schema.$ref!.split('/').pop()!;
  const codes = (doc.components.schemas[ref] as { properties: { error: { properties: { code: { enum: string[] } } } } }).properties.error.properties.code.enum;
  assert.deepEqual(codes, [...VERIFY_ERROR_CODES, 'malformed-target']);
  assert.deepEqual(VERIFY_ERROR_CODES.sort(), ['bad-schema', 'bad-signature', 'future', 'kid-mismatch', 'malformed', 'stale', 'too-large', 'unsupported-alg']);
});

const RECORD = { id: '6f1c2a4e-8b7d-4c3e-9a1f-2b3c4d5e6f70', type: 'consent' as const, subject: { email: 'maija@example.fi' }, decisions: [], processing: [] };
const RECEIPT = { recordId: RECORD.id, status: 'stored', receivedAt: '2026-12-03T05:00:00.000Z', receipt: 'eyJhbGciOiJFUzI1NiJ9.e30.c2ln' };

/** A real store (SQLite in memory) that can be made to fail like a full disk. */
function stubStore(): RecordStore & { fail: boolean } {
  const real = sqliteStore(':memory:');
  const state = { fail: false };
  const failing = new Set(['put', 'count', 'check']);
  return new Proxy(real as RecordStore & { fail: boolean }, {
    get(target, name, receiver) {
      if (name === 'fail') return state.fail;
      const value = Reflect.get(target, name, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => (state.fail && failing.has(String(name)) ? Promise.reject(new Error('disk full')) : (value as (...a: unknown[]) => unknown).apply(target, args));
    },
    set(_target, name, value) {
      if (name !== 'fail') return false;
      state.fail = value as boolean;
      return true;
    },
  });
}

test('every route in the table answers as documented on the app (status, error code, body schema)', async () => {
  const store = stubStore();
  const key = await loadServerKey(await createServerKey());
  const mail = confirmations({
    store,
    key,
    tokens: createLinkTokens(new Uint8Array(32).fill(7)),
    mail: { transport: createMailTransport({ dataDir: tempDir(), from: 'x@localhost' }), cap: { max: 3, windowMs: 86_400_000 }, publicUrl: 'https://privacy.example' },
    site: SITE_DEFAULT,
  });
  const prefs = preferences({
    store,
    key,
    tokens: createLinkTokens(new Uint8Array(32).fill(7)),
    cap: { max: 3, windowMs: 86_400_000 },
    mail: { wake() {} },
    publicUrl: 'https://privacy.example',
    site: SITE_DEFAULT,
  });
  let refusal: string | undefined;
  const options: AppOptions = {
    store,
    verify: async () => (refusal ? { ok: false, error: { code: refusal, message: 'refused' } } : ({ ok: true, record: RECORD, kid: 'k1' } as Verified)),
    countersign: async () => ({ ...RECEIPT }),
    jwks: { keys: [{ kty: 'EC', crv: 'P-256', x: 'x', y: 'y', kid: 'k', alg: 'ES256', use: 'sig' }] },
    maxBytes: 1000,
    allowedOrigins: ['https://www.example.fi'],
    rateLimit: { burst: 40, perSecond: 0.001 },
    features: [mail, prefs],
  };
  const { app, drain } = createApp(options);
  const ajv = new Ajv2020({ strict: false });
  for (const [name, schema] of Object.entries(doc.components.schemas)) (ajv as unknown as { addSchema(s: object, k: string): void }).addSchema(schema, `#/components/schemas/${name}`);
  const seen = new Set<string>();

  // `documentedAs`: the route whose answers apply (a malformed target is answered before any routing).
  async function probe(method: string, path: string, init: RequestInit = {}, expect?: number, documentedAs = path) {
    const res = await app.fetch(new Request(`http://127.0.0.1:8787${path}`, { method, ...init }));
    const operation = doc.paths[documentedAs]?.[method.toLowerCase()];
    assert.ok(operation, `${method} ${path} is in the document`);
    const documented = operation.responses[String(res.status)];
    assert.ok(documented, `${method} ${path} answered ${res.status}, which is not documented`);
    if (expect) assert.equal(res.status, expect, `${method} ${path}`);
    const schema = documented.content?.['application/json']?.schema;
    if (schema) {
      const body = await res.json();
      const validate = ajv.compile(schema.$ref ? { $ref: `#/components/schemas/${schema.$ref.split('/').pop()}` } : schema);
      assert.ok(validate(body), `${method} ${path} ${res.status}: ${JSON.stringify(body)} does not match its schema`);
    }
    seen.add(`${method.toLowerCase()} ${path} ${res.status}`);
  }
  const jose = (body = 'a.b.c', headers: Record<string, string> = {}) => ({ body, headers: { 'content-type': 'application/jose', ...headers } });

  await probe('POST', '/api/records', jose(), 201);
  await probe('POST', '/api/records', jose(), 200);
  await probe('POST', '/api/records', jose('a.x.c'), 409); // same (kid, id), other payload
  for (const code of VERIFY_ERROR_CODES) {
    refusal = code;
    await probe('POST', '/api/records', jose(), 400);
  }
  refusal = undefined;
  await probe('POST', '/api/records', { ...jose(), headers: { 'content-type': 'text/plain' } }, 415);
  await probe('POST', '/api/records', jose('x'.repeat(2000)), 413);
  await probe('POST', '/api/records', jose('a.b.c', { origin: 'https://evil.example' }), 403);
  await probe('OPTIONS', '/api/records', { headers: { origin: 'https://www.example.fi', 'access-control-request-method': 'POST' } }, 204);
  await probe('OPTIONS', '/api/records', { headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } }, 403);
  for (const method of ['GET', 'PUT', 'PATCH', 'DELETE']) await probe(method, '/api/records', {}, 405);
  await probe('GET', '/.well-known/jwks.json', {}, 200);
  await probe('GET', '/openapi.json', {}, 200);
  await probe('GET', '/healthz', {}, 200);
  await probe('GET', '/readyz', {}, 200);
  await probe('GET', '/pages.css', {}, 200);
  await probe('GET', '/confirm/not-a-token', {}, 404, '/confirm/{token}');
  await probe('POST', '/confirm/not-a-token', {}, 404, '/confirm/{token}');
  const linkBody = (body: unknown) => ({ body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  await probe('POST', '/api/preferences/link', linkBody({ email: 'maija@example.fi' }), 202);
  await probe('POST', '/api/preferences/link', linkBody({ email: 'not an address' }), 400);
  await probe('POST', '/api/preferences/link', { body: 'x', headers: { 'content-type': 'text/plain' } }, 415);
  await probe('GET', '/api/preferences', {}, 401);
  await probe('GET', '/restore/not-a-token', {}, 404, '/restore/{token}');
  await probe('POST', '/restore/not-a-token', {}, 404, '/restore/{token}');
  await probe('POST', '/api/preferences/link', linkBody({ email: { toString: 'x' } }), 400);
  await probe('GET', '/unsubscribe/not-a-token', {}, 404, '/unsubscribe/{token}');
  await probe('POST', '/unsubscribe/not-a-token', {}, 404, '/unsubscribe/{token}');
  store.fail = true;
  await probe('POST', '/api/records', jose('e.f.g'), 503);
  await new Promise((resolve) => setTimeout(resolve, 1100)); // a probe's outcome answers /readyz for a second
  await probe('GET', '/readyz', {}, 503);
  await probe('GET', '/healthz', {}, 200); // alive: the store is the readiness probe's business
  store.fail = false;
  await probe('GET', '/%zz', {}, 400, '/healthz'); // a target that is not UTF-8: malformed-target, on any route
  for (let i = 0; i < 60; i++) {
    const res = await app.fetch(new Request('http://127.0.0.1:8787/api/records', { method: 'POST', ...jose() }));
    if (res.status === 429) break;
  }
  await probe('POST', '/api/records', jose(), 429);
  await drain();
  await probe('GET', '/healthz', {}, 503);
  await probe('GET', '/readyz', {}, 503);
  await mail.stop();
  await prefs.stop();

  // Every route of the table was probed on the app.
  for (const route of RECEIVER_ROUTES) {
    const path = route.path.replace('{token}', 'not-a-token');
    assert.ok([...seen].some((s) => s.startsWith(`${route.method} ${path} `)), `${route.method} ${route.path} was not probed`);
  }
  const post = [...seen].filter((s) => s.startsWith('post /api/records')).map((s) => s.split(' ')[2]).sort();
  assert.deepEqual([...new Set(post)], ['200', '201', '400', '403', '409', '413', '415', '429', '503']);
});
