/**
 * How a route is declared for the OpenAPI document: `declareRoute` is
 * @hono/zod-openapi's `createRoute` with its answers listed one by one
 * (`answer`, `refusal`, `page`), and with the answers the app gives on every
 * route before any route runs (app.ts) added, so a family's routes.ts lists
 * what its own handler and middlewares answer, and nothing else. Answers with
 * the same status merge into one: their descriptions, their media types, and
 * the `error.code`s of their JSON refusals.
 */
import { createRoute, z, type OpenAPIHono, type RouteConfig } from '@hono/zod-openapi';
import type { Context } from 'hono';

type ResponseConfig = Exclude<RouteConfig['responses'][string], { $ref: string }>;
type MediaType = Exclude<NonNullable<ResponseConfig['content']>[string], { $ref: string } | undefined>;
/** A zod (v4) schema, or a JSON Schema object as OpenAPI 3.1 takes it. */
export type BodySchema = NonNullable<MediaType['schema']>;
type Method = 'get' | 'post' | 'put' | 'patch' | 'delete' | 'options';

/** Headers an answer documents. */
const HEADERS = {
  'retry-after': { description: 'Seconds to wait before trying again.', schema: { type: 'integer', minimum: 0 } },
  allow: { description: 'The methods this path takes.', schema: { type: 'string' } },
  'access-control-allow-origin': { description: 'The allowed origin.', schema: { type: 'string' } },
  'access-control-allow-methods': { description: 'The method this path takes.', schema: { type: 'string' } },
  'access-control-max-age': { description: 'Seconds a browser may cache the preflight.', schema: { type: 'string' } },
  location: { description: 'Where the browser goes next.', schema: { type: 'string' } },
  'set-cookie': { description: 'A cookie set or removed.', schema: { type: 'string' } },
  'content-disposition': { description: 'A download, and its file name.', schema: { type: 'string' } },
} as const;
export type Header = keyof typeof HEADERS;

export interface Answer {
  status: number;
  description: string;
  /** Bodies by media type. */
  content?: Record<string, BodySchema>;
  /** For a JSON refusal: every `error.code` it can carry. */
  codes?: readonly string[];
  headers?: readonly Header[];
}

/** An answer with a body of `type` (none without a schema). */
export const answer = (status: number, description: string, body?: { type: string; schema: BodySchema }, ...headers: Header[]): Answer => ({
  status,
  description,
  ...(body ? { content: { [body.type]: body.schema } } : {}),
  ...(headers.length ? { headers } : {}),
});

/** A JSON answer. */
export const json = (status: number, description: string, schema: BodySchema, ...headers: Header[]) =>
  answer(status, description, { type: 'application/json', schema }, ...headers);

/** A readable HTML page (the mailed links' pages). */
export const page = (status: number, description: string) => answer(status, description, { type: 'text/html', schema: z.string() });

/** A JSON refusal, `{ error: { code, message } }` (http/refusal.ts), with the codes it can carry. */
export const refusal = (status: number, description: string, codes: readonly string[], ...headers: Header[]): Answer => ({
  status,
  description,
  codes,
  ...(headers.length ? { headers } : {}),
});

const errorBody = (codes: readonly string[]) =>
  z.object({ error: z.object({ code: z.enum(codes as [string, ...string[]]), message: z.string() }) });

// Answered by the app's own middlewares and error handler (app.ts), before or around every route.
const MALFORMED_TARGET = refusal(400, 'The request target is not a valid path.', ['malformed-target']);
const SHUTTING_DOWN = refusal(503, 'The receiver is restarting; try again.', ['shutting-down'], 'retry-after');
const GET_BODY = refusal(413, 'A GET or HEAD request carried a body (the connection is closed).', ['body-not-allowed']);

/** `tools.limit(…)`: the per-client limit of a route that causes mail or acts on a mailed link. */
export const LIMITED = refusal(429, 'Too many requests from this client; try again later.', ['rate-limited'], 'retry-after');
/** `tools.cors.guard`: a cross-origin request from an origin not in ALLOWED_ORIGINS. */
export const ORIGIN_REFUSED = refusal(403, 'A cross-origin request from an origin not in ALLOWED_ORIGINS.', ['origin-not-allowed']);
/** The app's error handler: the store (or anything else of ours) failed; logged, never shown. */
export const UNAVAILABLE = refusal(503, 'The store failed; try again shortly.', ['unavailable'], 'retry-after');

/** The path parameter of the mailed links' pages. */
export const Token = z.object({ token: z.string().openapi({ description: 'The opaque token from the mail (no address in it).' }) });

const lowerFirst = (text: string) => text.charAt(0).toLowerCase() + text.slice(1);

/** The answers as OpenAPI responses, one per status. */
function responses(answers: readonly Answer[]): Record<string, ResponseConfig> {
  const byStatus = new Map<number, Answer[]>();
  for (const a of answers) byStatus.set(a.status, [...(byStatus.get(a.status) ?? []), a]);
  const out: Record<string, ResponseConfig> = {};
  for (const [status, same] of [...byStatus].sort(([a], [b]) => a - b)) {
    const codes = [...new Set(same.flatMap((a) => a.codes ?? []))];
    const content: Record<string, MediaType> = {};
    for (const a of same) for (const [type, schema] of Object.entries(a.content ?? {})) content[type] = { schema };
    if (codes.length) {
      if (content['application/json']) throw new Error(`${status}: a JSON refusal and another JSON body`);
      content['application/json'] = { schema: errorBody(codes) };
    }
    const headers = [...new Set(same.flatMap((a) => a.headers ?? []))];
    out[String(status)] = {
      description: same.map((a, i) => (i ? `Or ${lowerFirst(a.description)}` : a.description)).join(' '),
      ...(headers.length ? { headers: Object.fromEntries(headers.map((h) => [h, HEADERS[h]])) } : {}),
      ...(Object.keys(content).length ? { content } : {}),
    };
  }
  return out;
}

/** `postApiRecords`, `getConfirmToken`: what client generators name the operation. */
const operationId = (method: string, path: string) =>
  method + path.split(/[^A-Za-z0-9]+/).map((word) => word.charAt(0).toUpperCase() + word.slice(1)).join('');

/**
 * A route for `app.openapi(route, handler)`: `createRoute` with `answers` turned into its
 * responses, the app's own answers added (a malformed target, a GET with a body, a
 * receiver shutting down), and an `operationId` from the method and path.
 */
export function declareRoute<const R extends Omit<RouteConfig, 'responses' | 'method'> & { method: Method; answers: readonly Answer[] }>(config: R) {
  const { answers, ...route } = config;
  const everywhere = [MALFORMED_TARGET, ...(route.method === 'get' ? [GET_BODY] : []), SHUTTING_DOWN];
  return createRoute({ operationId: operationId(route.method, route.path), ...route, responses: responses([...answers, ...everywhere]) });
}

/** The answer to a method a path does not take (`405 method-not-allowed`, with `Allow`). */
const methodNotAllowed = (allow: 'GET' | 'POST') => refusal(405, `Use ${allow}.`, ['method-not-allowed'], 'allow');

/**
 * The other methods on a path that takes one (and its preflight): documented 405s with
 * `Allow`, and the same answer for methods OpenAPI has no name for.
 */
export function wrongMethods(app: OpenAPIHono, path: string, allow: 'GET' | 'POST', extra: readonly Answer[] = []): void {
  const handler = (c: Context) => c.json({ error: { code: 'method-not-allowed', message: `Use ${allow}.` } }, 405, { allow: `${allow}, OPTIONS` });
  for (const method of (['get', 'post', 'put', 'patch', 'delete'] as const).filter((m) => m !== allow.toLowerCase())) {
    app.openapi(declareRoute({ method, path, summary: `Any other method on ${path}`, answers: [methodNotAllowed(allow), ...extra] }), handler);
  }
  // OpenAPI names no other methods; they get the same answer.
  app.all(path, handler);
}
