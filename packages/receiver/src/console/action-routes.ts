/**
 * What a session does to a data request, each a `POST` behind the API's gate
 * (routes.ts mounts them after it) with `{ kid, … }` as JSON:
 *
 * - `close`: with a note of how it was answered; once (the event's key),
 *   then the store's closure and its `request.closed` webhook;
 * - `verify-identity`: how the requester's identity was verified by other
 *   means than the mailed link; once;
 * - `message`: a templated mail to the requester, queued in the transaction
 *   of the event that records who sent it.
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { answer, refusal } from '../http/answers.js';
import { acted, isClosed, requestFacts, requestRow } from './request-acts.js';
import { closeDataRequest } from './close.js';
import { CONSOLE_PATH, type ConsoleContext } from './context.js';
import { apiError, apiRoute, jsonBody, jsonRequest, NO_SUCH_REQUEST, RequestId, sendJson, smallBody } from './http.js';
import { mailLocale, templateMail, TEMPLATE_IDS, type TemplateId } from './mail.js';
import { Done } from './schemas.js';

const NOTE_MAX = 4000;
const HOW_MAX = 1000;

const KID_FIELD = { type: 'string', description: 'The id of the key the request was signed with.' } as const;
const ALREADY_CLOSED = refusal(409, 'The request is closed already.', ['already-closed']);
const done = (status: 200 | 202, description: string) => answer(status, description, { type: 'application/json', schema: Done });

export function actionRoutes(ctx: ConsoleContext): OpenAPIHono {
  const app = new OpenAPIHono();
  const action = (name: string) => ({ method: 'post' as const, path: `${CONSOLE_PATH}/api/requests/{id}/${name}`, middleware: [smallBody()] });
  /** The request the body's `kid` and the path's id name, and the body (JSON: the gate saw to that). */
  const target = async (c: Context) => {
    const body = (await jsonBody(c))!;
    return { body, row: await requestRow(ctx.store, c.req.param('id')!, body.kid) };
  };

  app.openapi(
    apiRoute({
      ...action('close'),
      summary: 'Close a data request with a note of how it was answered (once; its `request.closed` webhook goes out)',
      request: { params: RequestId, ...jsonRequest('`{ kid, note }`', { kid: KID_FIELD, note: { type: 'string', description: `How the request was answered, at most ${NOTE_MAX} characters.` } }, ['kid', 'note']) },
      answers: [done(200, 'Closed.'), refusal(400, 'No note, or a longer one.', ['invalid-note']), NO_SUCH_REQUEST, ALREADY_CLOSED],
    }),
    async (c) => {
      const { body, row } = await target(c);
      if (!row) return apiError(c, 404, 'not-found', 'No such data request.');
      const note = typeof body.note === 'string' ? body.note.trim() : '';
      if (!note || note.length > NOTE_MAX) return apiError(c, 400, 'invalid-note', `Write a note of at most ${NOTE_MAX} characters: how the request was answered.`);
      if (await isClosed(ctx.store, row.id)) return apiError(c, 409, 'already-closed', 'The request is closed already.');
      const at = ctx.now();
      const event = await acted(ctx, 'close', ctx.access.claims(c), row, { note }, at);
      // The console's record first: its key lets one close happen. Then the closure `close-request` writes, with its webhook.
      const added = await ctx.store.addEvent(event);
      // Another close won the race; one whose closure never got written (a crash in between) is finished here.
      if (added.status === 'duplicate' && (await isClosed(ctx.store, row.id))) return apiError(c, 409, 'already-closed', 'The request is closed already.');
      const closure =
        added.status === 'stored' ? { requestId: row.id, closedAt: at.toISOString(), note } : { requestId: row.id, closedAt: added.event.at, note: String(added.event.data.note ?? note) };
      const hooks = ctx.deps.hooks;
      await closeDataRequest(ctx.store, closure, hooks?.endpoints);
      if (hooks?.endpoints.length) hooks.queued();
      return sendJson(c, { ok: true }, 200);
    },
  );

  app.openapi(
    apiRoute({
      ...action('verify-identity'),
      summary: "Record how the requester's identity was verified by other means than the mailed link (once)",
      request: { params: RequestId, ...jsonRequest('`{ kid, how }`', { kid: KID_FIELD, how: { type: 'string', description: `How, at most ${HOW_MAX} characters.` } }, ['kid', 'how']) },
      answers: [
        done(200, 'Recorded.'),
        refusal(400, 'No `how`, or a longer one.', ['invalid-how']),
        NO_SUCH_REQUEST,
        ALREADY_CLOSED,
        refusal(409, 'Or the identity was recorded as verified already.', ['already-verified']),
      ],
    }),
    async (c) => {
      const { body, row } = await target(c);
      if (!row) return apiError(c, 404, 'not-found', 'No such data request.');
      const how = typeof body.how === 'string' ? body.how.trim() : '';
      if (!how || how.length > HOW_MAX) return apiError(c, 400, 'invalid-how', `Say how the identity was verified, in at most ${HOW_MAX} characters.`);
      if (await isClosed(ctx.store, row.id)) return apiError(c, 409, 'already-closed', 'The request is closed already.');
      const added = await ctx.store.addEvent(await acted(ctx, 'verify-identity', ctx.access.claims(c), row, { how }));
      if (added.status === 'duplicate') return apiError(c, 409, 'already-verified', 'The identity was recorded as verified already.');
      return sendJson(c, { ok: true }, 200);
    },
  );

  app.openapi(
    apiRoute({
      ...action('message'),
      summary: "Mail the requester a message from a template, in the request's language",
      request: {
        params: RequestId,
        ...jsonRequest('`{ kid, template }`', { kid: KID_FIELD, template: { type: 'string', description: `One of ${TEMPLATE_IDS.map((t) => `\`${t}\``).join(', ')}.` } }, ['kid', 'template']),
      },
      answers: [
        done(202, 'Queued.'),
        refusal(400, 'Not a template.', ['invalid-template']),
        NO_SUCH_REQUEST,
        refusal(409, 'This receiver sends no mail.', ['mail-off']),
      ],
    }),
    async (c) => {
      const { body, row } = await target(c);
      if (!row) return apiError(c, 404, 'not-found', 'No such data request.');
      const mail = ctx.mail;
      if (!mail) return apiError(c, 409, 'mail-off', 'This receiver sends no mail.');
      const template = body.template as TemplateId;
      if (typeof template !== 'string' || !TEMPLATE_IDS.includes(template)) return apiError(c, 400, 'invalid-template', `template is one of ${TEMPLATE_IDS.join(', ')}.`);
      const subject = row.record.subject as { email: string };
      const message = templateMail({ template, to: subject.email, locale: mailLocale(row.record.locale), request: requestFacts(row) });
      const event = await acted(ctx, 'message', ctx.access.claims(c), row, { template, subject: message.subject });
      // The message and the record of who sent it, in one transaction.
      await ctx.store.addEvent(event, [{ kind: 'mail', email: row.email, recordId: row.id, payload: { message, kind: 'console-message', template, recordKid: row.kid } }]);
      mail.wake();
      return sendJson(c, { ok: true }, 202);
    },
  );
  return app;
}
