import type { IncomingMessage, ServerResponse } from 'node:http';
import { normalizeEmail } from '../../records/create.js';
import { serveStatic } from './static.js';
import type { RecordStore, StoredRecord } from './store.js';
import { rateLimiter } from './rate-limit.js';

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

export interface ReceiverOptions {
  store: RecordStore;
  verify: (jws: string) => Promise<Verified | Refused>;
  countersign: (record: Verified['record'], jws: string) => Promise<CountersignedReceipt>;
  /** The server's public keys, published at `/.well-known/jwks.json`. */
  jwks: unknown;
  /** Largest accepted body, checked while reading. */
  maxBytes: number;
  /** Origins allowed to post from other sites (CORS); the receiver's own origin is always allowed. */
  allowedOrigins: readonly string[];
  /** Requests per client address: a burst, then a steady rate. `false` turns limiting off. */
  rateLimit: { burst: number; perSecond: number } | false;
  /** Use the first `X-Forwarded-For` address (only behind a proxy you run). */
  trustProxy?: boolean;
  /** Directories served as static files, e.g. the demo pages and the built package. */
  staticRoots?: readonly { prefix: string; dir: string }[];
  /** Further routes by `METHOD /path` (the demo's CRM stand-in). */
  routes?: Readonly<Record<string, (req: IncomingMessage, res: ServerResponse) => Promise<void>>>;
}

type Json = Record<string, unknown>;

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
  'cache-control': 'no-store',
};

function send(res: ServerResponse, status: number, body: Json, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}

/** Reads the body, refusing with 413 as soon as it passes `maxBytes` (never buffers more). */
function readBody(req: IncomingMessage, maxBytes: number): Promise<string> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (declared > maxBytes) {
    return Promise.reject(new HttpError(413, 'too-large', `A record may have at most ${maxBytes} bytes.`));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        req.removeAllListeners('data');
        req.resume(); // drain without keeping anything
        reject(new HttpError(413, 'too-large', `A record may have at most ${maxBytes} bytes.`));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', () => reject(new HttpError(400, 'malformed', 'The request body could not be read.')));
  });
}

/**
 * The reference receiver's HTTP handler: `POST /api/records` verifies a
 * signed record, stores it append-only and answers with a countersigned
 * receipt; it also serves the JWKS and static files.
 */
export function createReceiver(options: ReceiverOptions) {
  const limiter = options.rateLimit ? rateLimiter(options.rateLimit) : undefined;
  let inFlight = 0;
  let idle: (() => void) | undefined;
  let stopping = false;

  function corsHeaders(req: IncomingMessage): Record<string, string> | undefined {
    const origin = req.headers.origin;
    if (!origin) return {};
    const own = `http://${req.headers.host ?? ''}`;
    const ownTls = `https://${req.headers.host ?? ''}`;
    if (origin === own || origin === ownTls) return {};
    if (!options.allowedOrigins.includes(origin)) return undefined;
    // Retry-After must be readable cross-origin, or the outbox could not honour it.
    return { 'access-control-allow-origin': origin, 'access-control-expose-headers': 'Retry-After', vary: 'Origin' };
  }

  function clientAddress(req: IncomingMessage): string {
    const forwarded = options.trustProxy ? String(req.headers['x-forwarded-for'] ?? '').split(',')[0]?.trim() : '';
    return forwarded || req.socket.remoteAddress || 'unknown';
  }

  async function postRecord(req: IncomingMessage, res: ServerResponse, cors: Record<string, string>): Promise<void> {
    const type = String(req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== 'application/jose') {
      throw new HttpError(415, 'unsupported-media-type', 'Send the signed record as application/jose.');
    }
    const wait = limiter?.take(clientAddress(req)) ?? 0;
    if (wait) {
      throw new HttpError(429, 'rate-limited', 'Too many records from this address; try again later.', {
        'retry-after': String(wait),
      });
    }
    const jws = (await readBody(req, options.maxBytes)).trim();
    const verified = await options.verify(jws);
    if (!verified.ok) throw new HttpError(400, verified.error.code, verified.error.message);
    const { record, kid } = verified;

    // A repeat (a retry after a lost response) is found by the store's unique id:
    // it answers with the receipt given the first time.
    const receipt = await options.countersign(record, jws);
    const row: StoredRecord = {
      id: record.id,
      type: record.type,
      email: normalizeEmail(record.subject.email),
      kid,
      jws,
      record,
      receipt,
      receivedAt: receipt.receivedAt,
      dueBy: receipt.dueBy ?? null,
    };
    const result = await options.store.put(row);
    if (result.status === 'stored') return send(res, 201, receipt, cors);
    return answerExisting(res, cors, result.row, result.status === 'conflict');
  }

  function answerExisting(res: ServerResponse, cors: Record<string, string>, row: StoredRecord, conflict: boolean): void {
    // The store decides: same key and same signed payload is a repeat, whatever the signature bytes.
    if (conflict) {
      throw new HttpError(409, 'conflict', 'A different record with this id has already been stored.');
    }
    // The same receipt (its JWS unchanged), marked as the answer to a repeat.
    send(res, 200, { ...row.receipt, status: 'duplicate' }, cors);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (stopping) {
      // Keep-alive connections would otherwise keep a stopping server busy forever.
      res.shouldKeepAlive = false;
      throw new HttpError(503, 'shutting-down', 'The receiver is restarting; try again shortly.', { 'retry-after': '5' });
    }
    const url = new URL(req.url ?? '/', 'http://receiver');
    if (url.pathname === '/api/records') {
      const cors = corsHeaders(req);
      if (!cors) throw new HttpError(403, 'origin-not-allowed', 'This origin may not send records here.');
      if (req.method === 'OPTIONS') {
        res.writeHead(204, {
          ...cors,
          'access-control-allow-methods': 'POST',
          'access-control-allow-headers': 'content-type',
          'access-control-max-age': '600',
        });
        res.end();
        return;
      }
      if (req.method !== 'POST') throw new HttpError(405, 'method-not-allowed', 'Use POST.', { allow: 'POST, OPTIONS' });
      return postRecord(req, res, cors);
    }
    if (url.pathname === '/.well-known/jwks.json' && (req.method === 'GET' || req.method === 'HEAD')) {
      return send(res, 200, options.jwks as Json, { 'cache-control': 'public, max-age=300' });
    }
    if (url.pathname === '/healthz') return send(res, 200, { ok: true });
    const route = options.routes?.[`${req.method ?? 'GET'} ${url.pathname}`];
    if (route) return route(req, res);
    if ((req.method === 'GET' || req.method === 'HEAD') && options.staticRoots) {
      for (const { prefix, dir } of options.staticRoots) {
        if (url.pathname.startsWith(prefix) && serveStatic(dir, url.pathname.slice(prefix.length - 1), res)) return;
      }
    }
    throw new HttpError(404, 'not-found', 'Nothing here.');
  }

  return {
    handler(req: IncomingMessage, res: ServerResponse): void {
      inFlight++;
      handle(req, res)
        .catch((error: unknown) => {
          if (res.headersSent) return void res.destroy();
          if (error instanceof HttpError) {
            // Refusals carry an allowed origin's CORS headers: one the other site's page
            // cannot read would look like a network failure there, and its outbox
            // would retry a bad record for ever.
            const headers = { ...corsHeaders(req), ...error.headers };
            return send(res, error.status, { error: { code: error.code, message: error.message } }, headers);
          }
          // Our own failure (e.g. the disk): logged here, never shown to the client.
          console.error('[receiver] internal error', error);
          send(res, 500, { error: { code: 'internal', message: 'The record could not be stored; try again later.' } });
        })
        .finally(() => {
          if (--inFlight === 0) idle?.();
        });
    },
    /** Refuses new requests (503, retried by the outbox) and resolves once none is being handled. */
    drain(): Promise<void> {
      stopping = true;
      return inFlight === 0 ? Promise.resolve() : new Promise((resolve) => (idle = resolve));
    },
  };
}
