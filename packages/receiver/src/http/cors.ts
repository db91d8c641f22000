/**
 * Cross-origin calls: the records endpoint and the preference API take them
 * from the origins in ALLOWED_ORIGINS (the receiver's own origin needs no
 * CORS and is always fine). A family applies `guard` to such a path and
 * answers its preflight with `preflight`; the policy itself is the app's.
 */
import type { Context, Handler, MiddlewareHandler } from 'hono';
import { cors } from 'hono/cors';
import { isComplete } from './headers.js';
import { Refusal } from './refusal.js';

/** Retry-After must be readable cross-origin, or the outbox could not honour it. */
const EXPOSE = 'Retry-After';

export interface CrossOrigin {
  /** Refuses an origin not allowed (403) on its path, and gives an actual request's answer its CORS headers. */
  guard: MiddlewareHandler;
  /** The answer to a preflight of a path that takes `method`. */
  preflight(method: 'GET' | 'POST'): Handler;
  /** The headers `guard` would add, for an answer built whole (the receipts: see `completeJson`). */
  headers(c: Context): Record<string, string>;
}

export function crossOrigin(options: {
  allowedOrigins: readonly string[];
  /** With it, only a request whose `Origin` is this one counts as same-origin; without it, the origin the request names (its `Host`). */
  publicOrigin?: string | undefined;
}): CrossOrigin {
  /** The allowed cross-origin caller; undefined for a same-origin request (or one without `Origin`), null for a refused one. */
  const allowedOrigin = (c: Context): string | null | undefined => {
    const origin = c.req.header('origin');
    if (!origin) return undefined;
    if (origin === (options.publicOrigin ?? new URL(c.req.url).origin)) return undefined;
    return options.allowedOrigins.includes(origin) ? origin : null;
  };
  return {
    async guard(c, next) {
      const allowed = allowedOrigin(c);
      if (allowed === null) throw new Refusal(403, 'origin-not-allowed', 'This origin may not send records here.');
      if (c.req.method === 'OPTIONS') return next();
      // The headers hono's cors gives an actual request, set before the answer exists: its way
      // (`c.res.headers` before, `c.header` after) rebuilt every answer twice as a web Response.
      if (allowed) c.header('Access-Control-Allow-Origin', allowed);
      c.header('Access-Control-Expose-Headers', EXPOSE);
      await next();
      if (!isComplete(c.res)) c.res.headers.append('Vary', 'Origin');
    },
    preflight: (method) =>
      cors({
        origin: (origin, c) => (allowedOrigin(c) ? origin : null),
        allowMethods: [method],
        // `authorization`: the preference link's token, sent with the state request and the record it vouches for.
        allowHeaders: ['content-type', 'authorization'],
        exposeHeaders: [EXPOSE],
        maxAge: 600,
      }) as Handler,
    headers(c) {
      const allowed = allowedOrigin(c);
      return { ...(allowed ? { 'Access-Control-Allow-Origin': allowed } : {}), 'Access-Control-Expose-Headers': EXPOSE, Vary: 'Origin' };
    },
  };
}
