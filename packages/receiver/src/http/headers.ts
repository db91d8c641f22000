/**
 * The receiver's answer headers: the security defaults every answer gets, and
 * the hot path's way around the middlewares that would add them one by one.
 */
import type { MiddlewareHandler } from 'hono';

/**
 * The security headers of every answer: hono's `secureHeaders` defaults, with the referrer and
 * resource policy `same-origin` (only the demo's own pages load the browser build; the CDN build is
 * served elsewhere) and no HSTS (the site's TLS terminator owns that).
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Origin-Agent-Cluster': '?1',
  'Referrer-Policy': 'same-origin',
  'X-Content-Type-Options': 'nosniff',
  'X-DNS-Prefetch-Control': 'off',
  'X-Download-Options': 'noopen',
  'X-Frame-Options': 'SAMEORIGIN',
  'X-Permitted-Cross-Domain-Policies': 'none',
  'X-XSS-Protection': '0',
};

/**
 * Answers built with every header already in a plain object (the receipts: the hot path). The
 * middlewares leave them alone: adding headers afterwards turns the plain object into a web
 * `Headers` and costs more per record than the rest of the answer.
 */
const complete = new WeakSet<Response>();

/** Whether `response` already carries every header (`completeJson`): middlewares add nothing to it. */
export const isComplete = (response: Response): boolean => complete.has(response);

/** A JSON answer with the security headers and `headers` (the ones middlewares would add) set at once. */
export function completeJson(body: object, status: number, headers: Record<string, string>): Response {
  const response = new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...SECURITY_HEADERS, ...headers } });
  complete.add(response);
  return response;
}

/** The security defaults on every other answer; a handler's own stricter choice stays (the link pages' `no-referrer`: their URL holds a token). */
export const securityHeaders: MiddlewareHandler = async (c, next) => {
  await next();
  if (complete.has(c.res)) return;
  const headers = c.res.headers;
  for (const name in SECURITY_HEADERS) if (!headers.has(name)) headers.set(name, SECURITY_HEADERS[name]!);
};
