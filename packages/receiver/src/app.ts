/**
 * The receiver as a Hono app: the middlewares every request goes through,
 * then the route families, each a folder whose routes.ts declares its routes
 * (schema, answers, OpenAPI description) beside their handlers:
 *
 * - records/: `/api/records`, `/.well-known/jwks.json`
 * - health/: `/healthz`, `/readyz`
 * - confirmation/: `/confirm/{token}`, `/restore/{token}`, `/pages.css`
 * - preferences/: `/api/preferences`, `/api/preferences/link`, `/unsubscribe/{token}`
 * - console/: `/console`, `/console/auth/*`, `/console/api/*` (the privacy office's console, when configured)
 *
 * and `/openapi.json`, generated here from those declarations.
 */
import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context, Handler, MiddlewareHandler } from 'hono';
import type { BlankEnv } from 'hono/types';
import { HTTPException } from 'hono/http-exception';
import { confirmationRoutes, type ConfirmationPages } from './confirmation/routes.js';
import type { ConsoleContext } from './console/context.js';
import { CONSOLE_TAG, consoleRoutes } from './console/routes.js';
import { healthRoutes } from './health/routes.js';
import { declareRoute, json } from './http/answers.js';
import { crossOrigin, type CrossOrigin } from './http/cors.js';
import { isComplete, securityHeaders } from './http/headers.js';
import { clientKey, forwardedClient, rateLimiter } from './http/rate-limit.js';
import { Refusal, refuse } from './http/refusal.js';
import { staticFiles, STRICT_CSP, type StaticRoot } from './http/static.js';
import { preferenceRoutes, type PreferencePages } from './preferences/routes.js';
import { recordRoutes, type CountersignedReceipt, type Refused, type Verified } from './records/routes.js';
import type { NewJob, RecordStore, StoredRecord } from './store/store.js';

export type { CountersignedReceipt, Refused, Verified } from './records/routes.js';

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

/** What the app gives its route families. */
export interface RouteTools {
  /** A per-client rate limit for a route (passes everything when limits are off); documented as `LIMITED`. */
  limit(bucket: LimitBucket): MiddlewareHandler;
  /** The client as limits and caps count it. */
  client(c: Context): string;
  /** The TCP peer's address (never a header): for the records a site chooses to keep. */
  socketAddress(c: Context): string | undefined;
  /** The cross-origin policy (ALLOWED_ORIGINS), for the paths that take cross-origin calls. */
  cors: CrossOrigin;
}

/** What the receiver does besides storing: confirmation mail, webhooks, the office's notices. */
export interface ReceiverFeature {
  /** Jobs to queue with a newly stored record, in the same transaction. */
  jobsFor?(row: StoredRecord, context: JobContext): NewJob[] | Promise<NewJob[]>;
  /** Judges a mailed link sent with a record; undefined when the request carries none this feature knows. */
  vouch?(row: StoredRecord, request: Request): Promise<Vouch | undefined>;
  /** Whether the client should tell the visitor to confirm from the inbox. */
  pending?(row: StoredRecord): boolean;
  /** Jobs were committed: start on them now rather than at the next poll. */
  queued?(): void;
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
  /** Double opt-in, preferences, webhooks: what happens around a stored record. */
  features?: readonly ReceiverFeature[];
  /** The mailed links' pages (confirmation/): mounted when mail is on. */
  confirmation?: ConfirmationPages | undefined;
  /** The preference API and one-click unsubscribe (preferences/). */
  preferences?: PreferencePages | undefined;
  /** The privacy office's console (console/): mounted when someone may sign in to it. */
  console?: ConsoleContext | undefined;
  /** Told how many requests are in flight, so background work gives way to them. */
  onLoad?: (inFlight: number) => void;
  /** The package version, for the OpenAPI document at `/openapi.json`. */
  version?: string;
  /** Further routes by `METHOD /path` (the demo's CRM stand-in), outside the document. */
  routes?: Readonly<Record<string, Handler>>;
}

/** Node's socket, when the app runs under @hono/node-server. */
type NodeEnv = { incoming?: { socket?: { remoteAddress?: string } } } | undefined;

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

/** The document's frame; its paths and schemas come from the route declarations. */
const documentConfig = (version: string, serverUrl = '/', withConsole = false) => ({
  openapi: '3.1.0',
  info: {
    title: 'Privacy widgets reference receiver',
    version,
    description: 'Stores signed consent records and data-subject requests append-only and answers with countersigned receipts.',
    license: { name: 'MIT', identifier: 'MIT' },
  },
  servers: [{ url: serverUrl }],
  // The console's routes are an optional part: a tag says so where they are.
  ...(withConsole ? { tags: [CONSOLE_TAG] } : {}),
});

/**
 * The reference receiver as a Hono app: `POST /api/records` verifies a signed
 * record, stores it append-only and answers with a countersigned receipt; the
 * other families serve the mailed links, the preference API and the probes.
 */
export function createApp(options: AppOptions) {
  const routeLimiters = options.rateLimit
    ? {
        link: rateLimiter({ ...ROUTE_LIMITS.link, ...options.routeLimits?.link }),
        page: rateLimiter({ ...ROUTE_LIMITS.page, ...options.routeLimits?.page }),
      }
    : undefined;
  const hops = options.trustProxy ?? 0;
  let inFlight = 0;
  let idle: (() => void) | undefined;
  let stopping = false;

  const socketAddress = (c: Context): string | undefined => (c.env as NodeEnv)?.incoming?.socket?.remoteAddress;
  const client = (c: Context): string =>
    clientKey(options.clientAddress?.(c.req.raw) ?? forwardedClient(c.req.header('x-forwarded-for'), hops) ?? socketAddress(c) ?? 'unknown');
  const tools: RouteTools = {
    limit: (bucket) => async (c, next) => {
      const wait = routeLimiters?.[bucket].take(client(c)) ?? 0;
      if (!wait) return next();
      throw new Refusal(429, 'rate-limited', 'Too many requests from this address; try again later.', { 'retry-after': String(wait) });
    },
    client,
    socketAddress,
    cors: crossOrigin(options),
  };

  const app = new OpenAPIHono<BlankEnv>();

  // What every route can answer besides its own answers (a receiver shutting down, a malformed
  // target, a GET with a body) is in its declaration too: `declareRoute` adds it.
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

  // The route families.
  app.route('/', recordRoutes(options, tools));
  app.route('/', healthRoutes(options.store));
  if (options.confirmation) app.route('/', confirmationRoutes(options.confirmation, tools));
  if (options.preferences) app.route('/', preferenceRoutes(options.preferences, tools));
  if (options.console) app.route('/', consoleRoutes(options.console, tools));

  // The document of this app: the families' declarations, generated once.
  let doc: object | undefined;
  const document = (serverUrl?: string) => app.getOpenAPI31Document(documentConfig(options.version ?? '0.0.0', serverUrl, Boolean(options.console)));
  app.openapi(
    declareRoute({ method: 'get', path: '/openapi.json', summary: 'This document', answers: [json(200, 'The OpenAPI 3.1 document.', z.looseObject({}))] }),
    (c) => c.json((doc ??= document()), 200, { 'cache-control': 'public, max-age=300' }),
  );

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
    /** The OpenAPI 3.1 document of this app (its mounted families), with `serverUrl` as its server. */
    document,
    /** Refuses new requests (503, retried by the outbox) and resolves once none is being handled. */
    drain(): Promise<void> {
      stopping = true;
      return inFlight === 0 ? Promise.resolve() : new Promise((resolve) => (idle = resolve));
    },
  };
}

export { STRICT_CSP };
