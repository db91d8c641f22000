/**
 * The console family, at `/console`: the built front end (assets.ts),
 * sign-in and sign-out (auth-routes.ts), and the JSON API the front end's
 * `console/api.ts` calls, behind one gate (access.ts): nothing under
 * `/console/api/` answers without a session, and a state-changing call needs
 * the receiver's own Origin, the session's anti-CSRF token and JSON.
 *
 * The reads are here; the acts on a request (close, identity verified,
 * message) are action-routes.ts. Every act, and every read of a person's data, is
 * a receiver-signed event (audit-log.ts). Answers are `safeJson` (http.ts).
 */
import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { RouteTools } from '../app.js';
import { answer, refusal } from '../http/answers.js';
import { pageLocale } from '../mail/pages.js';
import { emailKey } from '../store/store.js';
import { actionRoutes } from './action-routes.js';
import { acted, requestRow } from './request-acts.js';
import { renderAnswer } from './answer.js';
import { assetRoutes } from './assets.js';
import { authRoutes } from './auth-routes.js';
import { localDay } from '../records/calendar.js';
import { CONSOLE_PATH, type ConsoleContext } from './context.js';
import { consoleEvent, consoleKeys as eventKeys } from './audit-log.js';
import { apiError, apiRoute, KID, NO_SUCH_REQUEST, queryParameter, RequestId, SECURITY_SCHEMES, sendJson, validEmail } from './http.js';
import { templateList } from './mail.js';
import { MAX_PAGE, requestList, requestRows, subjectTrail } from './requests.js';
import { AddressConsents, ConsentStats, RequestDetail, RequestList, SessionAnswer } from './schemas.js';
import { consentStats } from './stats.js';
import { subjectConsents, subjectExport } from './subject.js';
import { STATUS_FILTERS, type AddressConsents as Consents, type RequestDetail as Detail, type StatusFilter } from './types.js';

export { CONSOLE_TAG } from './http.js';

const API = `${CONSOLE_PATH}/api`;

/** A query parameter that is absent (`fallback`) or a whole number written in digits; otherwise undefined. */
const wholeNumber = (value: string | undefined, fallback: number): number | undefined =>
  value === undefined ? fallback : /^\d{1,16}$/.test(value) ? Number(value) : undefined;

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

export function consoleRoutes(ctx: ConsoleContext, tools: RouteTools): OpenAPIHono {
  const app = new OpenAPIHono();
  for (const [name, scheme] of Object.entries(SECURITY_SCHEMES)) app.openAPIRegistry.registerComponent('securitySchemes', name, scheme);
  app.route('/', assetRoutes(ctx, tools));
  app.route('/', authRoutes(ctx, tools));

  // The gate before every API route, and before the answer to a path that has none: without a session, a 401 says nothing about which exist.
  app.use(`${API}/*`, tools.limit('page'), (c, next) => ctx.access.guard(c, next));
  const session = (c: Context) => ctx.access.claims(c);
  const viewLocale = (c: Context) => pageLocale(undefined, c.req.header('accept-language'));

  app.openapi(
    apiRoute({ method: 'get', path: `${API}/session`, summary: 'The session: who, its anti-CSRF token, and when it ends', answers: [answer(200, 'Signed in.', { type: 'application/json', schema: SessionAnswer })] }),
    (c) => sendJson(c, ctx.access.renew(session(c)).answer, 200),
  );

  app.openapi(
    apiRoute({
      method: 'get',
      path: `${API}/requests`,
      summary: 'The data requests, with their due dates on the receipts\' (Finnish) calendar: open ones by due date, overdue first',
      parameters: [
        queryParameter('status', 'Which requests.', { type: 'string', enum: STATUS_FILTERS, default: 'open' }, false),
        queryParameter('offset', 'Where the page starts in the list.', { type: 'integer', minimum: 0, default: 0 }, false),
        queryParameter('limit', 'How many rows the page has at most.', { type: 'integer', minimum: 1, maximum: MAX_PAGE, default: 100 }, false),
      ],
      answers: [
        answer(200, 'A page of the list, how many it has, and the day `daysLeft` counts from.', { type: 'application/json', schema: RequestList }),
        refusal(400, '`status` is not one of `open`, `overdue`, `closed`, `all`; or `offset`, `limit` are not whole numbers in range.', ['invalid-status', 'invalid-page']),
      ],
    }),
    async (c) => {
      const status = (c.req.query('status') ?? 'open') as StatusFilter;
      if (!STATUS_FILTERS.includes(status)) return apiError(c, 400, 'invalid-status', `status is one of ${STATUS_FILTERS.join(', ')}.`);
      const offset = wholeNumber(c.req.query('offset'), 0);
      const limit = wholeNumber(c.req.query('limit'), 100);
      if (offset === undefined || limit === undefined || limit < 1 || limit > MAX_PAGE || offset > Number.MAX_SAFE_INTEGER) {
        return apiError(c, 400, 'invalid-page', `offset is a whole number, limit one from 1 to ${MAX_PAGE}.`);
      }
      return sendJson(c, await requestList(ctx.store, status, ctx.now(), offset, limit), 200);
    },
  );

  app.openapi(
    apiRoute({
      method: 'get',
      path: `${API}/requests/{id}`,
      summary: "One data request: what its sender wrote, the messages it may be sent, and the subject's whole trail",
      request: { params: RequestId },
      parameters: [KID],
      answers: [answer(200, 'The request and its trail.', { type: 'application/json', schema: RequestDetail }), NO_SUCH_REQUEST],
    }),
    async (c) => {
      const row = await requestRow(ctx.store, c.req.param('id')!, c.req.query('kid'));
      if (!row) return apiError(c, 404, 'not-found', 'No such data request.');
      const locale = viewLocale(c);
      const { rows: listed } = requestRows([row], await ctx.store.closuresOf([row.id]), await ctx.store.eventsAbout([row.id]), ctx.now());
      const record = row.record as { subject?: { organisation?: string; phone?: string }; details?: string; source?: { url?: string; element?: string } };
      const detail: Detail = {
        request: {
          ...listed[0]!,
          ...(record.subject?.organisation ? { organisation: record.subject.organisation } : {}),
          ...(record.subject?.phone ? { phone: record.subject.phone } : {}),
          details: record.details ?? '',
          source: { url: String(record.source?.url ?? ''), element: String(record.source?.element ?? '') },
        },
        templates: ctx.mail ? templateList(locale) : [],
        answerUrl: `${API}/requests/${encodeURIComponent(row.id)}/answer?kid=${encodeURIComponent(row.kid)}`,
        trail: await subjectTrail(ctx.store, row.email, locale),
      };
      return sendJson(c, detail, 200);
    },
  );

  app.openapi(
    apiRoute({
      method: 'get',
      path: `${API}/requests/{id}/answer`,
      summary: "The Art. 15 answer to a request: one HTML file in the requester's language, downloaded (a signed event says who did)",
      request: { params: RequestId },
      parameters: [KID],
      answers: [answer(200, 'The answer, as an attachment under a sandboxing CSP.', { type: 'text/html', schema: z.string() }, 'content-disposition'), NO_SUCH_REQUEST],
    }),
    async (c) => {
      const row = await requestRow(ctx.store, c.req.param('id')!, c.req.query('kid'));
      if (!row) return apiError(c, 404, 'not-found', 'No such data request.');
      const at = ctx.now();
      const { document, rows, events } = await subjectExport(ctx.store, row.email, ctx.subjectOptions);
      const html = renderAnswer({ request: row, rows, events, document, notices: ctx.deps.notices ?? {}, site: ctx.site, now: at });
      await ctx.store.addEvent(await acted(ctx, 'answer', session(c), row, {}, at));
      return c.body(html, 200, {
        'content-type': 'text/html; charset=utf-8',
        'content-disposition': `attachment; filename="art15-${localDay(at)}-${row.id.slice(0, 8)}.html"`,
        // Never rendered as the receiver's page: no script may run, nothing loads.
        'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; sandbox",
        'x-content-type-options': 'nosniff',
      });
    },
  );

  app.route('/', actionRoutes(ctx));

  app.openapi(
    apiRoute({ method: 'get', path: `${API}/consents/stats`, summary: 'Consents per purpose, and week by week for up to 26 weeks', answers: [answer(200, 'Granted, pending and withdrawn counts.', { type: 'application/json', schema: ConsentStats })] }),
    async (c) => {
      const locale = viewLocale(c);
      const stats = consentStats(await collect(ctx.store.recordsOfType('consent')), await collect(ctx.store.allEvents()), ctx.now(), (purpose) => ctx.site.label(purpose, locale));
      return sendJson(c, stats, 200);
    },
  );

  app.openapi(
    apiRoute({
      method: 'get',
      path: `${API}/consents`,
      summary: "One address's current consent per purpose (a signed event records the look-up, about that person)",
      parameters: [queryParameter('email', 'The address.')],
      answers: [
        answer(200, 'Each purpose: granted or not, `pending` while a grant waits for its confirmation, when decided.', { type: 'application/json', schema: AddressConsents }),
        refusal(400, 'Not an e-mail address.', ['invalid-email']),
        refusal(404, 'No records about this address.', ['not-found']),
      ],
    }),
    async (c) => {
      const address = c.req.query('email') ?? '';
      if (!validEmail(address)) return apiError(c, 400, 'invalid-email', 'Enter a valid e-mail address.');
      const { states, rows } = await subjectConsents(ctx.store, address, ctx.subjectOptions, ctx.now());
      if (!rows.length) return apiError(c, 404, 'not-found', 'No records about this address.');
      // Looking a person up is an act on their data: recorded, about them.
      const at = ctx.now();
      await ctx.store.addEvent(await consoleEvent(ctx.key, { key: eventKeys.once('lookup'), action: 'lookup', by: session(c).email, email: address, at, details: { what: 'consents' } }));
      const locale = viewLocale(c);
      const consents: Consents = {
        email: emailKey(address),
        purposes: states.map((s) => ({ purpose: s.purpose, label: ctx.site.label(s.purpose, locale), granted: s.granted, ...(s.pending ? { pending: true } : {}), decidedAt: s.decidedAt })),
      };
      return sendJson(c, consents, 200);
    },
  );
  return app;
}
