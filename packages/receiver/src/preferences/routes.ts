/**
 * The preferences family: choices from any device, and RFC 8058 one-click
 * unsubscribe. What each route does beyond HTTP is feature.ts.
 *
 * - `POST /api/preferences/link`: mail a link to the preference page; the same
 *   202 for any address (the work runs later, at a random moment).
 * - `GET /api/preferences`: the state of the address a preference link
 *   (`Authorization: Bearer <token>`) was mailed to.
 * - `/unsubscribe/{token}`: a GET shows one button; a POST with
 *   `List-Unsubscribe=One-Click` withdraws that one purpose.
 *
 * The two API paths take cross-origin calls as records do.
 */
import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { Email } from '@optimesys/privacy-records/schemas';
import type { RouteTools } from '../app.js';
import { answer, declareRoute, type BodySchema, json, LIMITED, ORIGIN_REFUSED, page, refusal, Token, UNAVAILABLE, wrongMethods } from '../http/answers.js';
import { refuse } from '../http/refusal.js';
import { pageLocale, type RenderedPage } from '../mail/pages.js';
import { emailKey } from '../store/store.js';
import { bearer, LINK_REFUSALS, PREFERENCES_API, UNSUBSCRIBE_PATH } from './feature.js';
import type { MailLocale } from '../mail/layout.js';

const LINK_PATH = `${PREFERENCES_API}/link`;

const PreferencesState = z
  .object({
    email: z.string(),
    locale: z.enum(['fi', 'sv', 'en']),
    expiresAt: z.string(),
    purposes: z.array(z.object({ purpose: z.string(), granted: z.boolean(), text: z.string(), decidedAt: z.string(), pending: z.literal(true).optional() })),
  })
  .openapi('PreferencesState');
export type PreferencesState = z.infer<typeof PreferencesState>;

/**
 * `{ email, locale }`: a JSON Schema, not zod, so @hono/zod-openapi installs no validator of its
 * own; the handler checks the body and refuses with the codes below (`invalid-type`, …).
 */
const LINK_BODY: BodySchema = {
  type: 'object',
  required: ['email'],
  properties: {
    email: { type: 'string', description: 'The address to mail the link to.' },
    locale: { type: 'string', description: '`fi`, `sv` or `en` (otherwise from `Accept-Language`): the language of the mail.' },
  },
};

/** The preference feature (feature.ts) as the routes use it. */
export interface PreferencePages {
  /** Mail is on: link requests are taken. */
  readonly mails: boolean;
  /** Queues the link mail for an address with consent records, later; nothing for another. */
  requestLink(address: string, locale: MailLocale, client: string): void;
  state(token: string): Promise<{ ok: true; state: PreferencesState } | { ok: false; status: 401; code: string; message: string }>;
  /** The one-click page; `oneClick` reads the POST's body (RFC 8058 section 3.2) once the token is known good. */
  unsubscribePage(request: { method: string; token: string; acceptLanguage: string | undefined; oneClick(): Promise<boolean> }): Promise<RenderedPage>;
}

const mediaType = (c: Context) => (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
const isForm = (type: string) => type === 'application/x-www-form-urlencoded' || type === 'multipart/form-data';

/** The link request's fields: JSON or a form; undefined for anything else (or a body that does not parse). */
async function linkBody(c: Context): Promise<Record<string, unknown> | undefined> {
  const type = mediaType(c);
  try {
    if (type === 'application/json') {
      const body: unknown = await c.req.json();
      // `null`, a number, an array: JSON, but not the object the route takes (no field is a string then).
      return body !== null && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
    }
    if (isForm(type)) return (await c.req.parseBody()) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  return undefined;
}

export function preferenceRoutes(prefs: PreferencePages, tools: RouteTools): OpenAPIHono {
  const app = new OpenAPIHono();
  app.use(LINK_PATH, tools.cors.guard);
  app.use(PREFERENCES_API, tools.cors.guard);
  const preflight = (summary: string, method: 'GET' | 'POST') =>
    declareRoute({
      method: 'options',
      path: method === 'POST' ? LINK_PATH : PREFERENCES_API,
      summary,
      answers: [
        answer(204, 'Preflight of an allowed origin.', undefined, 'access-control-allow-origin', 'access-control-allow-methods', 'access-control-max-age'),
        ORIGIN_REFUSED,
      ],
    });

  app.openapi(
    declareRoute({
      method: 'post',
      path: LINK_PATH,
      summary: 'Mail a link to the preference page: `{ email, locale }` as JSON or a form; the same answer for any address',
      request: {
        body: {
          required: true,
          content: { 'application/json': { schema: LINK_BODY }, 'application/x-www-form-urlencoded': { schema: LINK_BODY }, 'multipart/form-data': { schema: LINK_BODY } },
        },
      },
      middleware: [tools.limit('link'), bodyLimit({ maxSize: 4096, onError: (c) => refuse(c, 413, 'too-large', 'Send the address only.') })],
      answers: [
        json(202, 'Accepted. A link goes out only to an address with consent records, capped per address; the answer never says which.', z.object({ status: z.literal('accepted') })),
        refusal(400, 'Not an e-mail address, or a field that is not a string.', ['invalid-email', 'invalid-type']),
        ORIGIN_REFUSED,
        refusal(404, 'This receiver sends no mail.', ['not-found']),
        refusal(413, 'The body is too large.', ['too-large']),
        refusal(415, 'Neither JSON nor a form.', ['unsupported-media-type']),
        LIMITED,
      ],
    }),
    async (c) => {
      const body = await linkBody(c);
      if (!body) return refuse(c, 415, 'unsupported-media-type', 'Send { "email" } as JSON or a form.');
      if (typeof body.email !== 'string' || (body.locale !== undefined && typeof body.locale !== 'string')) {
        return refuse(c, 400, 'invalid-type', 'email (and locale, when given) must be strings.');
      }
      const parsed = Email.safeParse(emailKey(body.email));
      if (!parsed.success) return refuse(c, 400, 'invalid-email', 'Enter a valid e-mail address.');
      if (!prefs.mails) return refuse(c, 404, 'not-found', 'Preference links are off: this receiver sends no mail.');
      // Nothing about the address is looked up before the answer, and the work comes at a random
      // moment after it: whether the address is known shows neither in this answer nor in the next.
      prefs.requestLink(parsed.data, pageLocale(body.locale, c.req.header('accept-language')), tools.client(c));
      return c.json({ status: 'accepted' }, 202);
    },
  );
  app.openapi(preflight('CORS preflight of the link request', 'POST'), tools.cors.preflight('POST'));
  wrongMethods(app, LINK_PATH, 'POST', [ORIGIN_REFUSED]);

  app.openapi(
    declareRoute({
      method: 'get',
      path: PREFERENCES_API,
      summary: 'The current consent per purpose of the address a preference link (`Authorization: Bearer <token>`) was mailed to',
      middleware: [tools.limit('page')],
      answers: [
        json(200, 'The address, the link\'s expiry, and each purpose: granted or not, the text the visitor saw, when decided, and `pending` while a newer grant waits for its confirmation.', PreferencesState),
        refusal(401, 'No token, or an expired or invalid one.', [LINK_REFUSALS.missing.code, LINK_REFUSALS.expired.code, LINK_REFUSALS.invalid.code]),
        ORIGIN_REFUSED,
        LIMITED,
        UNAVAILABLE,
      ],
    }),
    async (c) => {
      const token = bearer(c.req.raw);
      if (!token) return refuse(c, LINK_REFUSALS.missing.status, LINK_REFUSALS.missing.code, LINK_REFUSALS.missing.message);
      const result = await prefs.state(token);
      return result.ok ? c.json(result.state, 200) : refuse(c, result.status, result.code, result.message);
    },
  );
  app.openapi(preflight('CORS preflight of the state request', 'GET'), tools.cors.preflight('GET'));
  wrongMethods(app, PREFERENCES_API, 'GET', [ORIGIN_REFUSED]);

  const unsubscribe = { path: `${UNSUBSCRIBE_PATH}{token}`, request: { params: Token } };
  const unsubscribePage = async (c: Context) => {
    const rendered = await prefs.unsubscribePage({
      method: c.req.method,
      token: c.req.param('token')!,
      acceptLanguage: c.req.header('accept-language'),
      async oneClick() {
        const body = isForm(mediaType(c)) ? ((await c.req.parseBody().catch(() => ({}))) as Record<string, unknown>) : {};
        return body['List-Unsubscribe'] === 'One-Click';
      },
    });
    return c.body(rendered.body, rendered.status as 200, rendered.headers);
  };
  app.openapi(
    declareRoute({
      ...unsubscribe,
      method: 'get',
      summary: 'An RFC 8058 List-Unsubscribe URL opened in a browser: a page with one button; a GET never changes anything',
      middleware: [tools.limit('page')],
      answers: [page(200, 'The page with the button.'), page(404, 'A tampered or malformed URL: a readable page.'), page(410, 'An expired URL.'), LIMITED],
    }),
    unsubscribePage,
  );
  app.openapi(
    declareRoute({
      ...unsubscribe,
      method: 'post',
      summary: 'RFC 8058 one-click: the body `List-Unsubscribe=One-Click` (urlencoded or multipart) withdraws that one purpose for that address',
      middleware: [tools.limit('page'), bodyLimit({ maxSize: 8192, onError: (c) => c.text('Too large', 413) })],
      answers: [
        page(200, 'Withdrawn (a receiver-signed event), or nothing was granted: a short page, never a redirect.'),
        page(400, 'The body is not `List-Unsubscribe=One-Click`.'),
        page(404, 'A tampered or malformed URL.'),
        page(410, 'An expired URL.'),
        answer(413, 'The body is too large.', { type: 'text/plain', schema: z.string() }),
        LIMITED,
        UNAVAILABLE,
      ],
    }),
    unsubscribePage,
  );
  return app;
}
