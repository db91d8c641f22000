/**
 * The receiver's HTTP API as an OpenAPI 3.1 document, built from the same zod
 * schemas the code validates with (zod's JSON Schema conversion, draft
 * 2020-12, which is OpenAPI 3.1's dialect) and from one table of routes and
 * answers, `RECEIVER_ROUTES`, kept beside the app so a test can hold the app
 * to it. Served at `/openapi.json` and written to `dist/openapi.json`.
 */
import * as z from 'zod/mini';
import { PrivacyRecord, Receipt, CompactJws } from '@optimesys/privacy-records/schemas';
import type { VerifyErrorCode } from './records/verify.js';

// A Record over the union makes the compiler flag a code added to verify.ts and missing here.
const VERIFY_CODES: Record<VerifyErrorCode, true> = {
  'too-large': true, malformed: true, 'unsupported-alg': true, 'kid-mismatch': true,
  'bad-signature': true, 'bad-schema': true, stale: true, future: true,
};
/** `verifyRecord`'s refusals, each answered as a 400 by `POST /api/records`. */
export const VERIFY_ERROR_CODES = Object.keys(VERIFY_CODES) as VerifyErrorCode[];

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete' | 'options';
type Body = 'receipt' | 'error' | 'jwks' | 'health' | 'openapi' | 'html' | 'css' | 'accepted' | 'preferences' | 'none';

export interface RouteAnswer {
  status: number;
  description: string;
  body: Body;
  /** For `error` bodies: every `error.code` this status can carry on this route. */
  codes?: readonly string[];
  headers?: readonly ('retry-after' | 'allow' | 'access-control-allow-origin' | 'access-control-allow-methods' | 'access-control-max-age')[];
}
export interface RouteSpec {
  method: Method;
  path: string;
  summary: string;
  /** `POST /api/records` takes the signed record as `application/jose`. */
  jose?: true;
  responses: readonly RouteAnswer[];
}

// Answers every route can give: a request target outside RFC 3986, and a receiver shutting down.
const malformed: RouteAnswer = { status: 400, description: 'The request target is not a valid path.', body: 'error', codes: ['malformed-target'] };
const stopping: RouteAnswer = { status: 503, description: 'The receiver is restarting; try again.', body: 'error', codes: ['shutting-down'], headers: ['retry-after'] };
// Routes that cause mail or act on a mailed link are limited per client (an IPv4 address, an IPv6 /64).
const limited: RouteAnswer = { status: 429, description: 'Too many requests from this client; try again later.', body: 'error', codes: ['rate-limited'], headers: ['retry-after'] };
const wrongMethod = (method: Method): RouteSpec => ({
  method,
  path: '/api/records',
  summary: 'Any other method on the records endpoint',
  responses: [{ status: 405, description: 'Use POST.', body: 'error', codes: ['method-not-allowed'], headers: ['allow'] }, malformed, stopping],
});

/** Every route the receiver answers, with every status and error code it can answer with. */
export const RECEIVER_ROUTES: readonly RouteSpec[] = [
  {
    method: 'post',
    path: '/api/records',
    summary: 'Store a signed record (consent record or data request) and return a countersigned receipt',
    jose: true,
    responses: [
      { status: 201, description: 'Stored: the receiver countersigned the record.', body: 'receipt' },
      { status: 200, description: 'Already stored (the same JWS, or the same payload signed again by the same key): the first receipt, `status: duplicate`.', body: 'receipt' },
      { status: 400, description: 'The record was refused: signature, schema or time (`verifyRecord`), or a malformed request target.', body: 'error', codes: [...VERIFY_ERROR_CODES, 'malformed-target'] },
      { status: 403, description: 'A cross-origin request from an origin not in ALLOWED_ORIGINS.', body: 'error', codes: ['origin-not-allowed'] },
      { status: 409, description: 'Another record with this id, signed by the same key, is already stored.', body: 'error', codes: ['conflict'] },
      { status: 413, description: 'The body exceeds the size limit (checked while reading; the connection is closed).', body: 'error', codes: ['too-large'] },
      { status: 415, description: 'The body is not `application/jose`.', body: 'error', codes: ['unsupported-media-type'] },
      { status: 429, description: 'Too many records from this address.', body: 'error', codes: ['rate-limited'], headers: ['retry-after'] },
      { status: 503, description: 'The record could not be stored now (store failing, or the receiver restarting).', body: 'error', codes: ['unavailable', 'shutting-down'], headers: ['retry-after'] },
    ],
  },
  {
    method: 'options',
    path: '/api/records',
    summary: 'CORS preflight',
    responses: [
      { status: 204, description: 'Preflight of an allowed origin.', body: 'none', headers: ['access-control-allow-origin', 'access-control-allow-methods', 'access-control-max-age'] },
      { status: 403, description: 'An origin not in ALLOWED_ORIGINS.', body: 'error', codes: ['origin-not-allowed'] },
      malformed,
      stopping,
    ],
  },
  wrongMethod('get'),
  wrongMethod('put'),
  wrongMethod('patch'),
  wrongMethod('delete'),
  {
    method: 'get',
    path: '/.well-known/jwks.json',
    summary: "The receiver's public receipt keys (JWKS)",
    responses: [{ status: 200, description: 'The JWKS.', body: 'jwks' }, malformed, stopping],
  },
  {
    method: 'get',
    path: '/openapi.json',
    summary: 'This document',
    responses: [{ status: 200, description: 'The OpenAPI 3.1 document.', body: 'openapi' }, malformed, stopping],
  },
  {
    method: 'get',
    path: '/confirm/{token}',
    summary: 'The page a confirmation mail links to: one button; a GET never changes anything (mail scanners fetch links)',
    responses: [
      { status: 200, description: 'The page with the button, or "already confirmed".', body: 'html' },
      { status: 404, description: 'A tampered or unknown link: a readable page.', body: 'html' },
      { status: 410, description: 'An expired link: a readable page.', body: 'html' },
      limited,
      malformed,
      stopping,
    ],
  },
  {
    method: 'post',
    path: '/confirm/{token}',
    summary: "The button: confirms the record the link was mailed for, once (the address owner's double opt-in)",
    responses: [
      { status: 200, description: 'Confirmed now, or already confirmed before.', body: 'html' },
      { status: 404, description: 'A tampered or unknown link.', body: 'html' },
      { status: 410, description: 'An expired link.', body: 'html' },
      limited,
      malformed,
      stopping,
    ],
  },
  {
    method: 'post',
    path: '/api/preferences/link',
    summary: 'Mail a link to the preference page: `{ email, locale }` as JSON or a form; the same answer for any address',
    responses: [
      { status: 202, description: 'Accepted. A link goes out only to an address with consent records, capped per address; the answer never says which.', body: 'accepted' },
      { status: 400, description: 'Not an e-mail address, a field that is not a string, or a malformed request target.', body: 'error', codes: ['invalid-email', 'invalid-type', 'malformed-target'] },
      { status: 403, description: 'A cross-origin request from an origin not in ALLOWED_ORIGINS.', body: 'error', codes: ['origin-not-allowed'] },
      { status: 404, description: 'This receiver sends no mail.', body: 'error', codes: ['not-found'] },
      { status: 413, description: 'The body is too large.', body: 'error', codes: ['too-large'] },
      { status: 415, description: 'Neither JSON nor a form.', body: 'error', codes: ['unsupported-media-type'] },
      limited,
      stopping,
    ],
  },
  {
    method: 'get',
    path: '/api/preferences',
    summary: "The current consent per purpose of the address a preference link (`Authorization: Bearer <token>`) was mailed to",
    responses: [
      { status: 200, description: '`{ email, locale, expiresAt, purposes: [{ purpose, granted, text, decidedAt, pending? }] }`.', body: 'preferences' },
      { status: 401, description: 'No token, or an expired or invalid one.', body: 'error', codes: ['link-missing', 'link-expired', 'link-invalid'] },
      { status: 403, description: 'A cross-origin request from an origin not in ALLOWED_ORIGINS.', body: 'error', codes: ['origin-not-allowed'] },
      limited,
      malformed,
      stopping,
    ],
  },
  {
    method: 'get',
    path: '/unsubscribe/{token}',
    summary: 'An RFC 8058 List-Unsubscribe URL opened in a browser: a page with one button; a GET never changes anything',
    responses: [
      { status: 200, description: 'The page with the button.', body: 'html' },
      { status: 404, description: 'A tampered or malformed URL: a readable page.', body: 'html' },
      { status: 410, description: 'An expired URL.', body: 'html' },
      limited,
      malformed,
      stopping,
    ],
  },
  {
    method: 'post',
    path: '/unsubscribe/{token}',
    summary: 'RFC 8058 one-click: the body `List-Unsubscribe=One-Click` (urlencoded or multipart) withdraws that one purpose for that address',
    responses: [
      { status: 200, description: 'Withdrawn (a receiver-signed event), or nothing was granted: a short page, never a redirect.', body: 'html' },
      { status: 400, description: 'The body is not `List-Unsubscribe=One-Click`.', body: 'html' },
      { status: 404, description: 'A tampered or malformed URL.', body: 'html' },
      { status: 410, description: 'An expired URL.', body: 'html' },
      limited,
      malformed,
      stopping,
    ],
  },
  {
    method: 'get',
    path: '/restore/{token}',
    summary: 'The link in the notice of a withdrawal from a device that never proved the mailbox: one button; a GET never changes anything',
    responses: [
      { status: 200, description: 'The page with the button, or "already done".', body: 'html' },
      { status: 404, description: 'A tampered or unknown link: a readable page.', body: 'html' },
      { status: 410, description: 'An expired link: a readable page.', body: 'html' },
      limited,
      malformed,
      stopping,
    ],
  },
  {
    method: 'post',
    path: '/restore/{token}',
    summary: "The button: turns back on, once, what that withdrawal turned off and is off still (a receiver-signed restoration)",
    responses: [
      { status: 200, description: 'Turned back on now, or already before.', body: 'html' },
      { status: 404, description: 'A tampered or unknown link.', body: 'html' },
      { status: 410, description: 'An expired link.', body: 'html' },
      limited,
      malformed,
      stopping,
    ],
  },
  {
    method: 'get',
    path: '/pages.css',
    summary: 'The stylesheet of the confirmation pages (they run under a strict CSP: no inline styles)',
    responses: [{ status: 200, description: 'CSS.', body: 'css' }, malformed, stopping],
  },
  {
    method: 'get',
    path: '/healthz',
    summary: 'Liveness probe: 200 while the process answers (it does not touch the store)',
    responses: [
      { status: 200, description: 'The process is alive.', body: 'health' },
      malformed,
      stopping,
    ],
  },
  {
    method: 'get',
    path: '/readyz',
    summary: 'Readiness probe (load balancers, Kubernetes): 200 while the store can read and write and its schema is current',
    responses: [
      { status: 200, description: 'Ready to take records.', body: 'health' },
      malformed,
      { status: 503, description: 'The store does not answer or its schema is not current, or the receiver is restarting.', body: 'error', codes: ['store-unavailable', 'shutting-down'], headers: ['retry-after'] },
    ],
  },
];

const json = (schema: z.ZodMiniType, io: 'input' | 'output' = 'output') => {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io, target: 'draft-2020-12' }) as Record<string, unknown>;
  return rest;
};

const Jwks = z.object({
  keys: z.array(z.object({ kty: z.literal('EC'), crv: z.literal('P-256'), x: z.string(), y: z.string(), kid: z.string(), alg: z.literal('ES256'), use: z.literal('sig') })),
});
const Health = z.object({ ok: z.literal(true) });
const errorBody = (codes: readonly string[]) =>
  z.object({ error: z.object({ code: z.enum(codes as [string, ...string[]]), message: z.string() }) });

const HEADERS: Record<NonNullable<RouteAnswer['headers']>[number], { description: string; schema: object }> = {
  'retry-after': { description: 'Seconds to wait before trying again.', schema: { type: 'integer', minimum: 0 } },
  allow: { description: 'The methods this path takes.', schema: { type: 'string' } },
  'access-control-allow-origin': { description: 'The allowed origin.', schema: { type: 'string' } },
  'access-control-allow-methods': { description: '`POST`.', schema: { type: 'string' } },
  'access-control-max-age': { description: 'Seconds a browser may cache the preflight.', schema: { type: 'string' } },
};

/** The OpenAPI 3.1 document of the receiver. `version`: the package version. */
export function openApiDocument(options: { version: string; serverUrl?: string }): Record<string, unknown> {
  const schemas: Record<string, unknown> = {
    // What the receiver answers with: the countersigned receipt (the `stored`/`duplicate` variant of Receipt).
    Receipt: json(Receipt.def.options[0] as z.ZodMiniType),
    // The JWS payload, for reference: what `verifyRecord` checks inside the signed body.
    PrivacyRecord: json(PrivacyRecord, 'input'),
    Jwks: json(Jwks),
    Health: json(Health),
  };
  // One component per distinct set of codes: `MalformedTargetError`, or `Error400` for the records endpoint's list.
  const errorNames = new Map<string, string>();
  const errorSchema = ({ status, codes = [] }: RouteAnswer): string => {
    const key = codes.join(' ');
    let name = errorNames.get(key);
    if (!name) {
      const base = codes.length === 1 ? `${codes[0]!.replace(/(^|-)([a-z])/g, (_m, _d, c: string) => c.toUpperCase())}Error` : `Error${status}`;
      name = base;
      for (let n = 2; name in schemas; n++) name = `${base}_${n}`;
      errorNames.set(key, name);
      schemas[name] = json(errorBody(codes));
    }
    return name;
  };
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of RECEIVER_ROUTES) {
    const responses: Record<string, unknown> = {};
    for (const answer of route.responses) {
      const headers = answer.headers && Object.fromEntries(answer.headers.map((h) => [h, HEADERS[h]]));
      let content: unknown;
      if (answer.body === 'error') {
        const name = errorSchema(answer);
        content = { 'application/json': { schema: { $ref: `#/components/schemas/${name}` } } };
      } else if (answer.body === 'openapi' || answer.body === 'accepted' || answer.body === 'preferences') {
        content = { 'application/json': { schema: { type: 'object' } } };
      } else if (answer.body === 'html' || answer.body === 'css') {
        content = { [answer.body === 'html' ? 'text/html' : 'text/css']: { schema: { type: 'string' } } };
      } else if (answer.body !== 'none') {
        const ref = ({ receipt: 'Receipt', jwks: 'Jwks', health: 'Health' } as Record<string, string>)[answer.body];
        content = { 'application/json': { schema: { $ref: `#/components/schemas/${ref}` } } };
      }
      responses[String(answer.status)] = { description: answer.description, ...(headers ? { headers } : {}), ...(content ? { content } : {}) };
    }
    const operation: Record<string, unknown> = {
      operationId: `${route.method}${route.path.replace(/(^|[^A-Za-z0-9]+)([A-Za-z0-9])/g, (_m, _s, c: string) => c.toUpperCase())}`,
      summary: route.summary,
      responses,
    };
    const params = [...route.path.matchAll(/\{(\w+)\}/g)].map(([, name]) => ({
      name,
      in: 'path',
      required: true,
      description: 'The opaque token from the mail (no address in it).',
      schema: { type: 'string' },
    }));
    if (params.length) operation.parameters = params;
    if (route.jose) {
      operation.requestBody = {
        required: true,
        description:
          'The record as a JWS compact serialization (ES256, public key in the `jwk` header, its RFC 7638 thumbprint as `kid`); the payload is the RFC 8785 canonical JSON of a `PrivacyRecord`.',
        content: { 'application/jose': { schema: json(CompactJws) } },
      };
    }
    (paths[route.path] ??= {})[route.method] = operation;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Privacy widgets reference receiver',
      version: options.version,
      description: 'Stores signed consent records and data-subject requests append-only and answers with countersigned receipts.',
      license: { name: 'MIT', identifier: 'MIT' },
    },
    servers: [{ url: options.serverUrl ?? '/' }],
    paths,
    components: { schemas },
  };
}
