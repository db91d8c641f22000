import { accessSync, constants, lstatSync, realpathSync } from 'node:fs';
import { extname, join, relative, resolve, sep } from 'node:path';
import { serveStatic } from '@hono/node-server/serve-static';
import type { MiddlewareHandler } from 'hono';

/** The policy the demo pages run under: what a careful site would set. */
export const STRICT_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

export interface StaticRoot {
  /** URL prefix, with a trailing slash (`/`, `/dist/`). */
  prefix: string;
  dir: string;
  /** Relative paths (with `/`) never served from this folder, e.g. the server's own code. */
  exclude?: (path: string) => boolean;
}

/** Refused before any file is touched: source maps carry the sources. */
const NEVER = new Set(['.map']);
/** A name that cannot exist, so Hono's handler finds nothing and passes on. */
const NOTHING = '\0';

/**
 * The file a URL path names below `root`, or undefined. Symlinks are resolved
 * and the real file must still lie inside the root's real path, and be a
 * regular file (a FIFO would hang a worker thread, a socket cannot be read) that
 * this process may read.
 */
export function resolveInside(rootReal: string, urlPath: string, exclude?: (path: string) => boolean): string | undefined {
  if (NEVER.has(extname(urlPath))) return undefined;
  try {
    let real = realpathSync(join(rootReal, urlPath));
    if (lstatSync(real).isDirectory()) real = realpathSync(join(real, 'index.html'));
    if (real !== rootReal && !real.startsWith(rootReal + sep)) return undefined;
    const path = relative(rootReal, real).split(sep).join('/');
    if (NEVER.has(extname(real)) || exclude?.(path) || !lstatSync(real).isFile()) return undefined;
    // A file that cannot be read is not there for the visitor (a read failing later is logged by the server).
    accessSync(real, constants.R_OK);
    return `/${path}`;
  } catch {
    return undefined; // missing, unreadable directory, name too long, NUL …
  }
}

/**
 * Hono's static file middleware for one folder, confined to it: dot segments are
 * refused by Hono, symlinks leaving the folder and non-files by `resolveInside`.
 * HTML gets the strict policy unless `strictCsp` is false (Storybook needs inline scripts).
 */
export function staticFiles({ prefix, dir, exclude }: StaticRoot, { strictCsp = true } = {}): MiddlewareHandler {
  let rootReal: string;
  try {
    rootReal = realpathSync(resolve(dir));
  } catch {
    return (_c, next) => next();
  }
  const serve = serveStatic({
    root: rootReal,
    rewriteRequestPath: (path) => resolveInside(rootReal, path.slice(prefix.length - 1), exclude) ?? NOTHING,
  });
  return async (c, next) => {
    if (!c.req.path.startsWith(prefix)) return next();
    // Hono's handler answers with a Response, or passes on (then `next`'s value is no Response).
    const response: unknown = await serve(c, next);
    if (!(response instanceof Response)) return undefined;
    if (strictCsp && response.headers.get('content-type')?.startsWith('text/html')) {
      response.headers.set('content-security-policy', STRICT_CSP);
    }
    response.headers.set('x-content-type-options', 'nosniff');
    return response;
  };
}
