// Koa middleware the test runner's dev server mounts: endpoints that browser
// tests post records to (see web-test-runner.config.mjs). They run in Node,
// so they check what browsers signed with jose and with our server half.
//
//   POST /test-api/jose-verify          JWS body → what jose alone makes of it
//   POST /test-api/verify-record        JWS body → verifyRecord() result
//   GET  /test-api/jwks                 the test server's public JWKS
//   POST /test-api/reset?bucket=b       JSON config for a receiving bucket:
//        { failFirst, failStatus, reject: { status, code, retryAfter }, delayMs, delayCount, noReceipt, confirmation }
//        (`confirmation`: answers grants and requests with `confirmation: 'pending'`, as a receiver with double opt-in)
//   POST /test-api/records?bucket=b     a receiver: answers slowly (`delayMs`, for the
//        first `delayCount` requests or all), fails the first `failFirst` attempts,
//        verifies, stores each id once, countersigns
//   GET  /test-api/inspect?bucket=b     per record id: attempts (requests), delivered
//        (2xx answers) and stored (new records, so at most 1); the request log
import { calculateJwkThumbprint, compactVerify, EmbeddedJWK } from 'jose';
import { tsImport } from 'tsx/esm/api';

let serverHalf;
/** The receiver's source (TypeScript), loaded once through tsx. */
async function server() {
  serverHalf ??= (async () => {
    const api = await tsImport('../../packages/receiver/src/index.ts', import.meta.url);
    const key = await api.loadServerKey(await api.createServerKey());
    return { api, key };
  })();
  return serverHalf;
}

let ssr;
/** renderElements() from src/ssr (TypeScript), through tsx: what a site's server would send. */
const renderer = () => (ssr ??= tsImport('../../src/ssr/index.ts', import.meta.url));

const buckets = new Map();
function fresh(config = {}) {
  const settings = { failFirst: 0, failStatus: 503, reject: null, delayMs: 0, delayCount: Infinity, noReceipt: false, confirmation: false, ...config };
  return { settings, failuresLeft: settings.failFirst, delaysLeft: settings.delayCount ?? Infinity, attempts: {}, delivered: {}, stored: {}, receipts: new Map(), requests: [] };
}
const bucket = (name) => {
  if (!buckets.has(name)) buckets.set(name, fresh());
  return buckets.get(name);
};

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function json(ctx, status, body) {
  ctx.status = status;
  ctx.set('cache-control', 'no-store');
  ctx.type = 'application/json';
  ctx.body = JSON.stringify(body);
}

/** The record id from an unverified JWS, to count attempts even for broken records. */
function peekId(jws) {
  try {
    return JSON.parse(Buffer.from(jws.split('.')[1], 'base64url').toString('utf8')).id ?? '(none)';
  } catch {
    return '(unreadable)';
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const routes = {
  //   GET /test-api/ssr?html=…&lang=…[&page=1][&linked=1]   the fragment server-rendered;
  //       page=1 wraps it in a document with no script at all, linked=1 links the styles
  async 'GET /test-api/ssr'(ctx) {
    const { renderElements } = await renderer();
    const lang = ctx.query.lang || 'fi';
    const options = { lang, ...(ctx.query.linked ? { stylesheet: (tag) => `/dist/cdn/styles/${tag}.css` } : {}) };
    const body = await renderElements(String(ctx.query.html ?? ''), options);
    ctx.status = 200;
    ctx.set('cache-control', 'no-store');
    ctx.type = 'text/html';
    ctx.body = ctx.query.page
      ? `<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><title>SSR</title></head><body>${body}</body></html>`
      : body;
  },
  async 'POST /test-api/jose-verify'(ctx) {
    const jws = await readBody(ctx.req);
    try {
      const { payload, protectedHeader } = await compactVerify(jws, EmbeddedJWK, { algorithms: ['ES256'] });
      const thumbprint = await calculateJwkThumbprint(protectedHeader.jwk, 'sha256');
      json(ctx, 200, { ok: true, header: protectedHeader, thumbprint, payload: new TextDecoder().decode(payload) });
    } catch (error) {
      json(ctx, 200, { ok: false, error: String(error?.code ?? error) });
    }
  },
  async 'POST /test-api/verify-record'(ctx) {
    const { api } = await server();
    json(ctx, 200, await api.verifyRecord(await readBody(ctx.req)));
  },
  // A host form's own backend (a CRM): shows what the form posted, and whether the
  // consent record it names was already stored when the form arrived.
  async 'POST /test-api/form-echo'(ctx) {
    const form = new URLSearchParams(await readBody(ctx.req));
    const id = form.get('consent-record-id') ?? '';
    const storedBefore = [...buckets.values()].some((b) => b.stored[id]);
    ctx.type = 'text/html';
    ctx.body = `<!doctype html><pre id="echo">${JSON.stringify({ form: Object.fromEntries(form), storedBefore }).replace(/</g, '\\u003c')}</pre>`;
  },
  async 'GET /test-api/jwks'(ctx) {
    const { api, key } = await server();
    json(ctx, 200, api.publicJwks(key));
  },
  async 'POST /test-api/reset'(ctx) {
    const text = await readBody(ctx.req);
    buckets.set(ctx.query.bucket, fresh(text ? JSON.parse(text) : {}));
    json(ctx, 200, { ok: true });
  },
  async 'GET /test-api/inspect'(ctx) {
    const { attempts, delivered, stored, requests } = bucket(ctx.query.bucket);
    json(ctx, 200, { attempts, delivered, stored, requests });
  },
  async 'POST /test-api/records'(ctx) {
    const b = bucket(ctx.query.bucket);
    const jws = await readBody(ctx.req);
    const id = peekId(jws);
    b.requests.push({ id, contentType: ctx.get('content-type'), cookie: ctx.get('cookie') || null });
    b.attempts[id] = (b.attempts[id] ?? 0) + 1;
    if (b.settings.delayMs && b.delaysLeft-- > 0) await sleep(b.settings.delayMs);
    if (b.failuresLeft > 0) {
      b.failuresLeft--;
      return json(ctx, b.settings.failStatus, { error: { code: 'unavailable', message: 'Failing as the test asked' } });
    }
    if (b.settings.reject) {
      const { status, code, retryAfter } = b.settings.reject;
      if (retryAfter !== undefined) ctx.set('retry-after', String(retryAfter));
      return json(ctx, status, { error: { code, message: 'Refusing as the test asked' } });
    }
    const { api, key } = await server();
    const verified = await api.verifyRecord(jws);
    if (!verified.ok) return json(ctx, 400, { error: verified.error });
    b.delivered[id] = (b.delivered[id] ?? 0) + 1;
    const known = b.receipts.get(id);
    if (known) return json(ctx, 200, { ...(await known), status: 'duplicate' });
    // Claimed before awaiting, so two concurrent deliveries store it once, like a unique key.
    const signing = api.signReceipt(verified.record, jws, key);
    b.receipts.set(id, signing);
    b.stored[id] = (b.stored[id] ?? 0) + 1;
    const receipt = await signing;
    if (b.settings.noReceipt) {
      ctx.status = 204;
      return;
    }
    const pending = b.settings.confirmation && (verified.record.type === 'data-request' || verified.record.decisions.some((d) => d.granted));
    json(ctx, 201, pending ? { ...receipt, confirmation: 'pending' } : receipt);
  },
};

export const testEndpoints = [
  async (ctx, next) => {
    const route = routes[`${ctx.method} ${ctx.path}`];
    if (!route) return next();
    await route(ctx);
  },
];
