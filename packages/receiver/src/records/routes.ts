/**
 * The records family: `POST /api/records` verifies a signed record, stores it
 * append-only and answers with a countersigned receipt (the other methods on
 * that path answer 405); `GET /.well-known/jwks.json` publishes the keys the
 * receipts are signed with. Verification is verify.ts, receipts countersign.ts.
 */
import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import * as zm from 'zod/mini';
import { CompactJws, PrivacyRecord, Receipt } from '@optimesys/privacy-records/schemas';
import type { AppOptions, JobContext, RouteTools, Vouch } from '../app.js';
import { answer, declareRoute, json, ORIGIN_REFUSED, refusal, wrongMethods } from '../http/answers.js';
import { completeJson } from '../http/headers.js';
import { rateLimiter } from '../http/rate-limit.js';
import { Refusal } from '../http/refusal.js';
import { LINK_REFUSALS } from '../preferences/feature.js';
import { emailKey, type StoredRecord } from '../store/store.js';
import type { VerifyErrorCode } from './verify.js';

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

// A Record over the union makes the compiler flag a code added to verify.ts and missing here.
const VERIFY_CODES: Record<VerifyErrorCode, true> = {
  'too-large': true, malformed: true, 'unsupported-alg': true, 'kid-mismatch': true,
  'bad-signature': true, 'bad-schema': true, stale: true, future: true,
};
/** `verifyRecord`'s refusals, each answered as a 400 by `POST /api/records`. */
export const VERIFY_ERROR_CODES = Object.keys(VERIFY_CODES) as VerifyErrorCode[];

export const RECORDS_PATH = '/api/records';

/**
 * The records core's schemas are zod/mini, which @hono/zod-openapi's generator cannot read:
 * they go into the document as the JSON Schema zod itself makes of them (draft 2020-12,
 * OpenAPI 3.1's dialect), the same the records package publishes in `dist/schema/`.
 */
const jsonSchema = (schema: zm.ZodMiniType, io: 'input' | 'output') => {
  const { $schema: _, ...rest } = zm.toJSONSchema(schema, { io, target: 'draft-2020-12' }) as Record<string, unknown>;
  return rest;
};
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

const Jwks = z
  .object({
    keys: z.array(z.object({ kty: z.literal('EC'), crv: z.literal('P-256'), x: z.string(), y: z.string(), kid: z.string(), alg: z.literal('ES256'), use: z.literal('sig') })),
  })
  .openapi('Jwks');

type RecordsOptions = Pick<AppOptions, 'store' | 'verify' | 'countersign' | 'jwks' | 'maxBytes' | 'rateLimit' | 'features'>;

export function recordRoutes(options: RecordsOptions, tools: RouteTools): OpenAPIHono {
  const app = new OpenAPIHono();
  const limiter = options.rateLimit ? rateLimiter(options.rateLimit) : undefined;
  const features = options.features ?? [];
  // What the receiver answers with (the `stored`/`duplicate` variant of Receipt), and the JWS payload for reference.
  app.openAPIRegistry.registerComponent('schemas', 'Receipt', jsonSchema(Receipt.def.options[0] as zm.ZodMiniType, 'output'));
  app.openAPIRegistry.registerComponent('schemas', 'PrivacyRecord', jsonSchema(PrivacyRecord, 'input'));

  // Sites post from their own pages, on other origins.
  app.use(RECORDS_PATH, tools.cors.guard);

  // The connection is closed: draining what an attacker keeps sending would cost more than a reconnect.
  const tooLarge = (): never => {
    throw new Refusal(413, 'too-large', `A record may have at most ${options.maxBytes} bytes.`, { connection: 'close' });
  };
  const streamedLimit = bodyLimit({ maxSize: options.maxBytes, onError: tooLarge });
  const joseOnly: MiddlewareHandler = async (c, next) => {
    const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== 'application/jose') throw new Refusal(415, 'unsupported-media-type', 'Send the signed record as application/jose.');
    const wait = limiter?.take(tools.client(c)) ?? 0;
    if (wait) throw new Refusal(429, 'rate-limited', 'Too many records from this address; try again later.', { 'retry-after': String(wait) });
    return next();
  };
  // A declared length is checked here (the HTTP parser holds the body to it); a streamed body
  // is counted while it is read. Not hono's bodyLimit for the first: it asks for `c.req.raw.body`
  // even then, which under @hono/node-server builds a whole web Request and stream per record.
  const sizeLimit: MiddlewareHandler = (c, next) => {
    const length = c.req.header('content-length');
    if (length === undefined || c.req.header('transfer-encoding') !== undefined) return streamedLimit(c, next);
    return parseInt(length, 10) > options.maxBytes ? tooLarge() : next();
  };
  /** A receipt, with the headers the middlewares would add (security, no-store, CORS) set at once: the hot path. */
  const receiptAnswer = (c: Context, body: object, status: 200 | 201): Response =>
    completeJson(body, status, { 'cache-control': 'no-store', ...tools.cors.headers(c) });

  const post = declareRoute({
    method: 'post',
    path: RECORDS_PATH,
    summary: 'Store a signed record (consent record or data request) and return a countersigned receipt',
    request: {
      body: {
        required: true,
        description:
          'The record as a JWS compact serialization (ES256, public key in the `jwk` header, its RFC 7638 thumbprint as `kid`); the payload is the RFC 8785 canonical JSON of a `PrivacyRecord` (#/components/schemas/PrivacyRecord). With `Authorization: Bearer <token>` of a mailed preference link, the record needs no confirmation round.',
        content: { 'application/jose': { schema: jsonSchema(CompactJws, 'input') } },
      },
    },
    middleware: [joseOnly, sizeLimit],
    answers: [
      json(201, 'Stored: the receiver countersigned the record.', ref('Receipt')),
      json(200, 'Already stored (the same JWS, or the same payload signed again by the same key): the first receipt, `status: duplicate`.', ref('Receipt')),
      refusal(400, 'The record was refused: signature, schema or time (`verifyRecord`).', VERIFY_ERROR_CODES),
      refusal(400, 'A preference link was sent with a data request: it changes consents only.', [LINK_REFUSALS.notForRequests.code]),
      refusal(401, 'The preference link sent with it (`Authorization: Bearer`) has expired or is not valid.', [LINK_REFUSALS.expired.code, LINK_REFUSALS.invalid.code]),
      refusal(403, 'The preference link sent with it was mailed to another address.', [LINK_REFUSALS.otherAddress.code]),
      ORIGIN_REFUSED,
      refusal(409, 'Another record with this id, signed by the same key, is already stored.', ['conflict']),
      refusal(413, 'The body exceeds the size limit (checked while reading; the connection is closed).', ['too-large']),
      refusal(415, 'The body is not `application/jose`.', ['unsupported-media-type']),
      refusal(429, 'Too many records from this address.', ['rate-limited'], 'retry-after'),
      refusal(503, 'The record could not be stored now (the store failed).', ['unavailable'], 'retry-after'),
    ],
  });
  app.openapi(post, async (c) => {
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
    const context: JobContext = { client: tools.client(c), vouched: Boolean(vouch) };
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
  });

  app.openapi(
    declareRoute({
      method: 'options',
      path: RECORDS_PATH,
      summary: 'CORS preflight',
      answers: [
        answer(204, 'Preflight of an allowed origin.', undefined, 'access-control-allow-origin', 'access-control-allow-methods', 'access-control-max-age'),
        ORIGIN_REFUSED,
      ],
    }),
    tools.cors.preflight('POST'),
  );
  wrongMethods(app, RECORDS_PATH, 'POST', [ORIGIN_REFUSED]);

  app.openapi(
    declareRoute({
      method: 'get',
      path: '/.well-known/jwks.json',
      summary: "The receiver's public receipt keys (JWKS)",
      answers: [json(200, 'The JWKS.', Jwks)],
    }),
    (c) => c.json(options.jwks as object, 200, { 'cache-control': 'public, max-age=300' }),
  );
  return app;
}
