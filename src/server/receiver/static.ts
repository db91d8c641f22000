import { createReadStream, statSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { extname, join, normalize, resolve } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.txt': 'text/plain; charset=utf-8',
};

/** The policy the demo pages run under: what a careful site would set. */
export const STRICT_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/**
 * Serves a file below `root` for a URL path; returns false when there is none.
 * Never leaves `root`. HTML gets the strict policy unless `strictCsp` is false
 * (tools such as Storybook that need inline scripts).
 */
export function serveStatic(root: string, urlPath: string, res: ServerResponse, { strictCsp = true } = {}): boolean {
  const base = resolve(root);
  let path: string;
  try {
    path = normalize(join(base, decodeURIComponent(urlPath)));
  } catch {
    return false; // malformed percent-encoding
  }
  if (path !== base && !path.startsWith(base + '/')) return false;
  try {
    if (statSync(path).isDirectory()) path = join(path, 'index.html');
    if (!statSync(path).isFile()) return false;
  } catch {
    return false;
  }
  const type = TYPES[extname(path)] ?? 'application/octet-stream';
  res.writeHead(200, {
    'content-type': type,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'same-origin',
    ...(strictCsp && type.startsWith('text/html') ? { 'content-security-policy': STRICT_CSP } : {}),
  });
  createReadStream(path).pipe(res);
  return true;
}
