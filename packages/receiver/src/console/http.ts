/**
 * How the console's routes answer, and how the OpenAPI document says so.
 *
 * Every JSON answer is `safeJson`: what visitors typed stays data even for a
 * client that would sniff it as HTML. Refusals are the receiver's
 * `{ error: { code, message } }`; a 401 adds how to sign in.
 *
 * `consoleRoute` declares a route with the tag `console`; `apiRoute` one
 * behind the API's gate (access.ts), with the gate's answers added, as
 * `declareRoute` adds the app's own.
 */
import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { Email } from '@optimesys/privacy-records/schemas';
import { declareRoute, json, LIMITED, refusal, UNAVAILABLE, type BodySchema } from '../http/answers.js';
import { emailKey } from '../store/store.js';
import { SignInOptions } from './schemas.js';

/**
 * JSON with `<`, `>`, `&` (and the JavaScript line separators) as `\u` escapes: what visitors typed
 * stays data even for a client that would sniff the answer as HTML. `JSON.parse` gives the same strings.
 */
export const safeJson = (value: unknown) =>
  JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);

type Status = 200 | 202 | 400 | 401 | 403 | 404 | 409 | 413 | 415 | 503;

/** A JSON answer, escaped, never cached. */
export const sendJson = (c: Context, value: unknown, status: Status = 200, headers: Record<string, string> = {}) =>
  c.body(safeJson(value), status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers });

export const apiError = (c: Context, status: Exclude<Status, 200 | 202>, code: string, message: string, extra: Record<string, unknown> = {}) =>
  sendJson(c, { error: { code, message }, ...extra }, status);

export const mediaType = (c: Context) => (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();

/** A JSON request's object; `{}` for JSON that is not an object (or does not parse), undefined for another media type. */
export async function jsonBody(c: Context): Promise<Record<string, unknown> | undefined> {
  if (mediaType(c) !== 'application/json') return undefined;
  try {
    const body: unknown = await c.req.json();
    return body !== null && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** An address `Email` takes once folded as the store keys it (`emailKey` throws on some malformed ones). */
export function validEmail(address: string): boolean {
  try {
    return Email.safeParse(emailKey(address)).success;
  } catch {
    return false;
  }
}

const MAX_BODY = 16_384;
/** The console's request bodies are a few fields: anything longer is refused while it is read. */
export const smallBody = () => bodyLimit({ maxSize: MAX_BODY, onError: (c) => apiError(c, 413, 'too-large', 'The body is too large.') });

/** A JSON request body, documented as JSON Schema: not zod, so @hono/zod-openapi adds no validator; the handler checks it. */
export const jsonRequest = (description: string, properties: Record<string, { type: 'string'; description: string }>, required: string[]) => ({
  body: { required: true, description, content: { 'application/json': { schema: { type: 'object', required, properties } as BodySchema } } },
});

/** A query parameter, documented only: the handler checks it and refuses with the console's own codes. */
export const queryParameter = (name: string, description: string, schema: Record<string, unknown> = { type: 'string' }, required = true) => ({
  name,
  in: 'query' as const,
  required,
  description,
  schema,
});

/** The path parameter of a data request; the id of the key it was signed with is the `kid` query parameter. */
export const RequestId = z.object({ id: z.string().openapi({ description: "The data request's id (with `kid`, it names one request)." }) });
export const KID = queryParameter('kid', "The id of the key the request was signed with (`kid` in the request's row).");

// What the gate and the sign-in routes answer, for the document.
export const NO_SESSION = json(
  401,
  'No session (none, expired, or signed out): sign in first, as `signIn` says.',
  z.object({ error: z.object({ code: z.enum(['no-session']), message: z.string() }), signIn: SignInOptions }),
);
export const NOT_FROM_CONSOLE = refusal(
  403,
  "Not from the console: another `Origin` (or `Sec-Fetch-Site`), or the session's anti-CSRF token (`x-csrf-token`) missing or wrong.",
  ['origin', 'csrf'],
);
export const NOT_JSON = refusal(415, 'The body is not JSON.', ['unsupported-media-type']);
export const TOO_LARGE = refusal(413, `The body exceeds ${MAX_BODY} bytes.`, ['too-large']);
export const NO_SUCH_REQUEST = refusal(404, 'No data request with this id and `kid`.', ['not-found']);

/** The document's word on the console, present only in a document that has its routes. */
export const CONSOLE_TAG = {
  name: 'console',
  description:
    "The privacy office's console at `/console`: its page, sign-in (a mailed one-time link, the company's OpenID Connect provider) and the JSON API its front end calls. Present when the receiver's console is configured (`CONSOLE_USERS`). A session is a cookie (`__Host-pw-console`; `pw-console` on loopback http); every state-changing call needs the receiver's own `Origin` and, once signed in, the session's anti-CSRF token.",
};

/** The session cookie and the anti-CSRF header, as the document's security schemes. */
export const SECURITY_SCHEMES = {
  consoleSession: { type: 'apiKey', in: 'cookie', name: '__Host-pw-console', description: 'The console session (`pw-console` on loopback http), set at sign-in.' },
  consoleCsrf: { type: 'apiKey', in: 'header', name: 'x-csrf-token', description: 'The session\'s anti-CSRF token, from `GET /console/api/session`.' },
} as const;

type Declaration = Parameters<typeof declareRoute>[0];

/** A route of the console: tagged `console`. */
export const consoleRoute = <const R extends Declaration>(config: R) => declareRoute({ ...config, tags: ['console'] });

/**
 * A route behind the API's gate: the session it needs (and for a POST the anti-CSRF token), and the
 * gate's answers (no session, the per-client limit, the store failing; for a POST the origin and
 * token checks, a body that is not JSON or too large) added to the route's own.
 */
export const apiRoute = <const R extends Declaration>(config: R) =>
  consoleRoute({
    ...config,
    security: config.method === 'get' ? [{ consoleSession: [] }] : [{ consoleSession: [], consoleCsrf: [] }],
    answers: [...config.answers, NO_SESSION, LIMITED, UNAVAILABLE, ...(config.method === 'get' ? [] : [NOT_FROM_CONSOLE, NOT_JSON, TOO_LARGE])],
  });
