import { Hono, type Context, type Handler, type MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { completeJson, isComplete, securityHeaders } from './http/headers.js';
import { openApiDocument } from './openapi.js';
import { clientKey, forwardedClient, rateLimiter } from './http/rate-limit.js';
import { staticFiles, STRICT_CSP, type StaticRoot } from './http/static.js';
import { emailKey, type NewJob, type RecordStore, type StoredRecord } from './store/store.js';

/**
 * A mailed link presented with a record (`Authorization: Bearer <token>`, the
 * preference page): refused with a typed 4xx, or accepted, and then `apply`
 * runs once the record is stored (again for a repeat: it must be idempotent).
 */
export type Vouch =
  | { ok: true; apply(row: StoredRecord): Promise<void> }
  | { ok: false; status: 400 | 401 | 403; code: string; message: string };

/** Who caused a record's jobs: what mail caps count by. */
export interface JobContext {
  /** The client (`clientKey`: an IPv4 address, an IPv6 /64), `unknown` when the receiver cannot tell. */
  client: string;
  /** A mailed link sent with the record proved the address. */
  vouched: boolean;
}

/** Buckets of per-client rate limits: `link` for requests that cause mail, `page` for the mailed links' pages. */
export type LimitBucket = 'link' | 'page';

/** What the app gives the routes a feature installs. */
export interface RouteTools {
  /** A per-client rate limit for a route (passes everything when limits are off). */
  limit(bucket: LimitBucket): MiddlewareHandler;
  /** The client as limits and caps count it. */
  client(c: Context): string;
  /** The TCP peer's address (never a header): for the records a site chooses to keep. */
  socketAddress(c: Context): string | undefined;
}

/** What the receiver does besides storing: confirmation mail, webhooks. */
export interface ReceiverFeature {
  /** Jobs to queue with a newly stored record, in the same transaction. */
  jobsFor?(row: StoredRecord, context: JobContext): NewJob[] | Promise<NewJob[]>;
  /** Judges a mailed link sent with a record; undefined when the request carries none this feature knows. */
  vouch?(row: StoredRecord, request: Request): Promise<Vouch | undefined>;
  /** Whether the client should tell the visitor to confirm from the inbox. */
  pending?(row: StoredRecord): boolean;
  /** Jobs were committed: start on them now rather than at the next poll. */
  queued?(): void;
  /** Routes of its own (the confirmation pages). */
  install?(app: Hono, tools: RouteTools): void;
}

/** What the receiver needs from the records core; injected so tests can reach every branch. */
export interface Verified {
  ok: true;
  record: { id: string; type: 'consent' | 'data-request'; subject: { email: string } } & Record<string, unknown>;
  kid: string;
}
export interface Refused {
  ok: false;
  error: { code: string; message: string };
}
export interface CountersignedReceipt extends Record<string, unknown> {
  receivedAt: string;
  dueBy?: string | undefined;
}

export interface AppOptions {
  store: RecordStore;
  verify: (jws: string) => Promise<Verified | Refused>;
  /** Signs a receipt for `jws`; `receivedAt` when answering a repeat of a record stored then. */
  countersign: (record: Verified['record'], jws: string, receivedAt?: Date) => Promise<CountersignedReceipt>;
  /** The server's public keys, published at `/.well-known/jwks.json`. */
  jwks: unknown;
  /** Largest accepted body, checked while reading. */
  maxBytes: number;
  /** Origins allowed to post from other sites (CORS); the receiver's own origin is always allowed. */
  allowedOrigins: readonly string[];
  /**
   * The receiver's own origin (`PUBLIC_URL`'s). With it, only a request whose `Origin` is this one
   * counts as same-origin; without it, the origin the request names (its `Host`) does.
   */
  publicOrigin?: string | undefined;
  /** Records per client: a burst, then a steady rate. `false` turns every limit off. */
  rateLimit: { burst: number; perSecond: number } | false;
  /** The other routes' buckets (`RouteTools.limit`); defaults in `ROUTE_LIMITS`. */
  routeLimits?: Partial<Record<LimitBucket, { burst: number; perSecond: number }>>;
  /** Proxies of your own in front (0: none): the client is that many `X-Forwarded-For` entries from the right. */
  trustProxy?: number;
  /** The client's address when the host server knows it better (an embedding site's framework). */
  clientAddress?: (request: Request) => string | undefined;
  /** Folders served as static files, e.g. the demo pages and the browser build. */
  staticRoots?: readonly StaticRoot[];
  /** Double opt-in, webhooks. */
  features?: readonly ReceiverFeature[];
  /** Told how many requests are in flight, so background work gives way to them. */
  onLoad?: (inFlight: number) => void;
  /** The package version, for the OpenAPI document at `/openapi.json`. */
  version?: string;
  /** Further routes by `METHOD /path` (the demo's CRM stand-in). */
  routes?: Readonly<Record<string, Handler>>;
}

/** Node's socket, when the app runs under @hono/node-server. */
type NodeEnv = { incoming?: { socket?: { remoteAddress?: string } } } | undefined;

/** A refusal with its status and a stable machine code, answered as `{ error: { code, message } }`. */
class Refusal extends HTTPException {
  constructor(
    status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(status, { message });
  }
}

/** RFC 3986 path characters: unreserved, percent-encoded, sub-delims, `:`, `@` and `/`. */
const PATH = /^\/(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/]|%[0-9A-Fa-f]{2})*$/;
/** The path as sent (Hono's `c.req.path` is already decoded). */
const rawPath = (url: string) => {
  const start = url.indexOf('/', url.indexOf('://') + 3);
  const end = url.search(/[?#]/);
  return start < 0 ? '/' : url.slice(start, end < start ? undefined : end);
};
const decodes = (path: string) => {
  try {
    decodeURIComponent(path);
    return true;
  } catch {
    return false; // percent-encoded bytes that are not UTF-8
  }
};

/** How long `/readyz` waits for the store's probe before answering 503. */
const READY_TIMEOUT_MS = 3000;
/** How long one probe's outcome answers `/readyz`: a balancer polling it costs the store one write a second at most. */
const READY_CACHE_MS = 1000;
/** A GET or HEAD carries no body worth reading: past this (or any chunked one) the connection is closed unread. */
const MAX_GET_BODY = 4096;

/**
 * Per-client limits of the routes besides records. A link request mails the
 * owner (a few a minute is plenty for a person); the mailed links' pages are
 * opened by people and by mailbox providers' one-click POSTs, which come from
 * a few of the providers' addresses for many recipients, hence a wider bucket.
 */
export const ROUTE_LIMITS: Record<LimitBucket, { burst: number; perSecond: number }> = {
  link: { burst: 5, perSecond: 0.1 },
  page: { burst: 60, perSecond: 10 },
};

const refuse = (c: Context, status: ContentfulStatusCode, code: string, message: string, headers: Record<string, string> = {}) =>
  c.json({ error: { code, message } }, status, headers);

/**
 * The reference receiver as a Hono app: `POST /api/records` verifies a signed
 * record, stores it append-only and answers with a countersigned receipt; it
 * also serves the JWKS, a health probe and, when given, static files.
 */
export function createApp(options: AppOptions) {
  const limiter = options.rateLimit ? rateLimiter(options.rateLimit) : undefined;
  const routeLimiters = options.rateLimit
    ? {
        link: rateLimiter({ ...ROUTE_LIMITS.link, ...options.routeLimits?.link }),
        page: rateLimiter({ ...ROUTE_LIMITS.page, ...options.routeLimits?.page }),
      }
    : undefined;
  const hops = options.trustProxy ?? 0;
  const features = options.features ?? [];
  let inFlight = 0;
  let idle: (() => void) | undefined;
  let stopping = false;

  const socketAddress = (c: Context): string | undefined => (c.env as NodeEnv)?.incoming?.socket?.remoteAddress;
  const client = (c: Context): string =>
    clientKey(options.clientAddress?.(c.req.raw) ?? forwardedClient(c.req.header('x-forwarded-for'), hops) ?? socketAddress(c) ?? 'unknown');

  /** Allowed cross-origin callers; the receiver's own origin needs no CORS and is always fine. */
  const allowedOrigin = (c: Context): string | null | undefined => {
    const origin = c.req.header('origin');
    if (!origin) return undefined;
    if (origin === (options.publicOrigin ?? new URL(c.req.url).origin)) return undefined;
    return options.allowedOrigins.includes(origin) ? origin : null;
  };

  const tools: RouteTools = {
    limit: (bucket) => async (c, next) => {
      const wait = routeLimiters?.[bucket].take(client(c)) ?? 0;
      if (!wait) return next();
      throw new Refusal(429, 'rate-limited', 'Too many requests from this address; try again later.', { 'retry-after': String(wait) });
    },
    client,
    socketAddress,
  };

  const app = new Hono();

  app.use(async (c, next) => {
    if (stopping) {
      // Keep-alive connections would otherwise keep a stopping server busy forever.
      return refuse(c, 503, 'shutting-down', 'The receiver is restarting; try again shortly.', { 'retry-after': '5', connection: 'close' });
    }
    options.onLoad?.(++inFlight);
    try {
      await next();
    } finally {
      options.onLoad?.(--inFlight);
      if (inFlight === 0) idle?.();
    }
  });
  app.use(async (c, next) => {
    // A path outside RFC 3986 (`//[/`, a stray `%`) names nothing we serve: a 400, before
    // any route or file lookup could stumble over it.
    const path = rawPath(c.req.url);
    if (!PATH.test(path) || !decodes(path)) throw new Refusal(400, 'malformed-target', 'The request target is not a valid path.');
    // Node drains an unread body to reuse the connection: a GET with an endless chunked body would be
    // read for as long as the client sends. Refused and closed instead, before any route runs.
    if ((c.req.method === 'GET' || c.req.method === 'HEAD') && (c.req.header('transfer-encoding') !== undefined || Number(c.req.header('content-length') ?? 0) > MAX_GET_BODY)) {
      throw new Refusal(413, 'body-not-allowed', 'A GET or HEAD request carries no body.', { connection: 'close' });
    }
    return next();
  });
  app.use(securityHeaders);
  app.use('/api/*', async (c, next) => {
    await next();
    if (!isComplete(c.res)) c.res.headers.set('cache-control', 'no-store');
  });

  // The preference API (link requests, an address's state) takes cross-origin calls as records do.
  // Retry-After must be readable cross-origin, or the outbox could not honour it.
  const EXPOSE = 'Retry-After';
  for (const [path, allowMethods] of [['/api/records', ['POST']], ['/api/preferences', ['GET']], ['/api/preferences/*', ['POST']]] as const) {
    const preflight = cors({
      origin: (origin, c) => (allowedOrigin(c) ? origin : null),
      allowMethods: [...allowMethods],
      // `authorization`: the preference link's token, sent with the state request and the record it vouches for.
      allowHeaders: ['content-type', 'authorization'],
      exposeHeaders: [EXPOSE],
      maxAge: 600,
    });
    app.use(path, async (c, next) => {
      const allowed = allowedOrigin(c);
      if (allowed === null) throw new Refusal(403, 'origin-not-allowed', 'This origin may not send records here.');
      if (c.req.method === 'OPTIONS') return preflight(c, next);
      // The headers hono's cors gives an actual request, set before the answer exists: its way
      // (`c.res.headers` before, `c.header` after) rebuilt every answer twice as a web Response.
      if (allowed) c.header('Access-Control-Allow-Origin', allowed);
      c.header('Access-Control-Expose-Headers', EXPOSE);
      await next();
      if (!isComplete(c.res)) c.res.headers.append('Vary', 'Origin');
    });
  }
  // The connection is closed: draining what an attacker keeps sending would cost more than a reconnect.
  const tooLarge = (): never => {
    throw new Refusal(413, 'too-large', `A record may have at most ${options.maxBytes} bytes.`, { connection: 'close' });
  };
  /** A receipt, with the headers the middlewares would add (security, no-store, CORS) set at once. */
  const receiptAnswer = (c: Context, body: object, status: 200 | 201): Response => {
    const allowed = allowedOrigin(c);
    return completeJson(body, status, {
      'cache-control': 'no-store',
      ...(allowed ? { 'Access-Control-Allow-Origin': allowed } : {}),
      'Access-Control-Expose-Headers': EXPOSE,
      Vary: 'Origin',
    });
  };
  const streamedLimit = bodyLimit({ maxSize: options.maxBytes, onError: tooLarge });
  app.post(
    '/api/records',
    async (c, next) => {
      const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
      if (type !== 'application/jose') throw new Refusal(415, 'unsupported-media-type', 'Send the signed record as application/jose.');
      const wait = limiter?.take(client(c)) ?? 0;
      if (wait) {
        throw new Refusal(429, 'rate-limited', 'Too many records from this address; try again later.', { 'retry-after': String(wait) });
      }
      return next();
    },
    // A declared length is checked here (the HTTP parser holds the body to it); a streamed body
    // is counted while it is read. Not hono's bodyLimit for the first: it asks for `c.req.raw.body`
    // even then, which under @hono/node-server builds a whole web Request and stream per record.
    (c, next) => {
      const length = c.req.header('content-length');
      if (length === undefined || c.req.header('transfer-encoding') !== undefined) return streamedLimit(c, next);
      return parseInt(length, 10) > options.maxBytes ? tooLarge() : next();
    },
    async (c) => {
      const jws = (await c.req.text()).trim();
      const verified = await options.verify(jws);
      if (!verified.ok) throw new Refusal(400, verified.error.code, verified.error.message);
      const { record, kid } = verified;
      const receipt = await options.countersign(record, jws);
      const row: StoredRecord = {
        id: record.id,
        type: record.type,
        email: emailKey(record.subject.email),
        kid,
        jws,
        record,
        receipt,
        receivedAt: receipt.receivedAt,
        dueBy: receipt.dueBy ?? null,
      };
      // A mailed preference link sent along proves the address: no confirmation round.
      let vouch: Vouch | undefined;
      for (const f of features) vouch ??= await f.vouch?.(row, c.req.raw);
      if (vouch && !vouch.ok) throw new Refusal(vouch.status, vouch.code, vouch.message);
      // A repeat (a retry after a lost response, or the same payload signed again by
      // the same key) is found by the store and answered with the first receipt.
      // The confirmation mail is queued in the same transaction, and only for a new record.
      const context: JobContext = { client: client(c), vouched: Boolean(vouch) };
      const jobs = (await Promise.all(features.map((f) => f.jobsFor?.(row, context) ?? []))).flat();
      const result = await options.store.put(row, jobs);
      // Idempotent: a retry of a vouched record whose event was not written finishes the job.
      if (vouch && result.status !== 'conflict') await vouch.apply(result.row);
      // The same answer whether or not the per-address cap let a mail go: nothing to learn from it.
      const confirmation = !vouch && features.some((f) => f.pending?.(row)) ? { confirmation: 'pending' } : {};
      if (result.status === 'stored') {
        if (jobs.length) for (const f of features) f.queued?.();
        return receiptAnswer(c, { ...receipt, ...confirmation }, 201);
      }
      if (result.status === 'conflict') throw new Refusal(409, 'conflict', 'A different record with this id has already been stored.');
      // The same payload under another valid signature of the same key (ECDSA's (r, n−s)
      // twin, or a re-signing) is the same record; its receipt must hash what this client sent.
      const first = result.row.jws === jws ? result.row.receipt : await options.countersign(record, jws, new Date(result.row.receivedAt));
      return receiptAnswer(c, { ...first, status: 'duplicate', ...confirmation }, 200);
    },
  );
  app.all('/api/records', () => {
    throw new Refusal(405, 'method-not-allowed', 'Use POST.', { allow: 'POST, OPTIONS' });
  });

  app.get('/.well-known/jwks.json', (c) => c.json(options.jwks as object, 200, { 'cache-control': 'public, max-age=300' }));
  let openapi: object | undefined;
  app.get('/openapi.json', (c) => c.json((openapi ??= openApiDocument({ version: options.version ?? '0.0.0' })), 200, { 'cache-control': 'public, max-age=300' }));
  // Liveness: the process answers. Readiness (for a load balancer): the store reads and writes and its schema is current.
  app.get('/healthz', (c) => c.json({ ok: true }, 200, { 'cache-control': 'no-store' }));
  // Concurrent probes share one check, and its outcome answers for a second; a change of state is logged once.
  let probe: { at: number; result: Promise<boolean> } | undefined;
  let wasReady: boolean | undefined;
  const ready = (): Promise<boolean> => {
    const now = Date.now();
    if (probe && now - probe.at < READY_CACHE_MS) return probe.result;
    const result = new Promise<void>((resolve, reject) => {
      // A probe that hangs (a database that went away mid-connect) answers 503 in time for the balancer.
      const timer = setTimeout(() => reject(new Error(`no answer from the store within ${READY_TIMEOUT_MS} ms`)), READY_TIMEOUT_MS);
      options.store.check().then(resolve, reject).finally(() => clearTimeout(timer));
    }).then(
      () => {
        if (wasReady === false) console.error('[receiver] the store is ready again');
        return (wasReady = true);
      },
      (error: unknown) => {
        if (wasReady !== false) console.error('[receiver] not ready: the store cannot store records:', (error as Error)?.message ?? error);
        return (wasReady = false);
      },
    );
    probe = { at: now, result };
    return result;
  };
  app.get('/readyz', async (c) =>
    (await ready())
      ? c.json({ ok: true }, 200, { 'cache-control': 'no-store' })
      : refuse(c, 503, 'store-unavailable', 'The receiver cannot store records now.', { 'cache-control': 'no-store', 'retry-after': '5' }),
  );

  for (const f of features) f.install?.(app, tools);
  for (const [route, handler] of Object.entries(options.routes ?? {})) {
    const [method, path] = route.split(' ') as [string, string];
    if (method === 'GET') app.on(method, path, handler);
    else app.on(method, path, tools.limit('page'), handler);
  }
  for (const root of options.staticRoots ?? []) app.use(`${root.prefix}*`, staticFiles(root));

  app.notFound((c) => refuse(c, 404, 'not-found', 'Nothing here.'));
  app.onError((error, c) => {
    if (error instanceof Refusal) return refuse(c, error.status, error.code, error.message, error.headers);
    if (error instanceof HTTPException) return refuse(c, error.status, 'bad-request', error.message || 'Bad request.');
    // Our own failure (the disk, the database): logged here, never shown to the client,
    // and answered as a retryable 503 so the browser's outbox tries again.
    // One line each: during a database outage every request fails alike.
    console.error(`[receiver] internal error: ${String((error as Error)?.stack ?? error).split('\n').slice(0, 2).join(' ')}`);
    return refuse(c, 503, 'unavailable', 'The record could not be stored now; try again shortly.', { 'retry-after': '5' });
  });

  return {
    app,
    /** Refuses new requests (503, retried by the outbox) and resolves once none is being handled. */
    drain(): Promise<void> {
      stopping = true;
      return inFlight === 0 ? Promise.resolve() : new Promise((resolve) => (idle = resolve));
    },
  };
}

export { STRICT_CSP };
