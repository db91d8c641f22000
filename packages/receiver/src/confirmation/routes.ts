/**
 * The confirmation family: the pages the receiver's mails link to. A GET shows
 * a page with one button and changes nothing (mail scanners fetch every link);
 * the button POSTs back to the same URL, and that acts, once.
 *
 * - `/confirm/{token}`: a confirmation mail's link; its POST confirms the
 *   record (double opt-in). The logic is link-page.ts, its store feature.ts.
 * - `/restore/{token}`: the link in the notice of a withdrawal from a device
 *   that never proved the mailbox; its POST turns back on what it turned off
 *   (restore.ts).
 * - `/pages.css`: the pages' stylesheet (they run under a strict CSP).
 */
import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { RouteTools } from '../app.js';
import { answer, declareRoute, LIMITED, page, Token, UNAVAILABLE } from '../http/answers.js';
import { PAGES_CSS, PAGES_CSS_PATH, type RenderedPage } from '../mail/pages.js';
import { CONFIRM_PATH, RESTORE_PATH } from './mail.js';

/** A mailed link opened: what the page needs of the request. */
export interface LinkRequest {
  method: string;
  token: string;
  acceptLanguage: string | undefined;
  /** The TCP peer, kept with a confirmation when the site chose to (`recordIp`). */
  ip: string | undefined;
}

/** The confirmation feature (feature.ts) as the routes use it. */
export interface ConfirmationPages {
  confirmPage(request: LinkRequest): Promise<RenderedPage>;
  restorePage(request: LinkRequest): Promise<RenderedPage>;
}

/** `/confirm/` → `/confirm/{token}`. */
const tokenPath = (prefix: string) => `${prefix}{token}`;

export function confirmationRoutes(pages: ConfirmationPages, tools: RouteTools): OpenAPIHono {
  const app = new OpenAPIHono();
  const send = (c: Context, rendered: RenderedPage) => c.body(rendered.body, rendered.status as 200, rendered.headers);
  const linkRequest = (c: Context): LinkRequest => ({
    method: c.req.method,
    token: c.req.param('token')!,
    acceptLanguage: c.req.header('accept-language'),
    ip: tools.socketAddress(c),
  });

  app.openapi(
    declareRoute({
      method: 'get',
      path: PAGES_CSS_PATH,
      summary: 'The stylesheet of the confirmation pages (they run under a strict CSP: no inline styles)',
      answers: [answer(200, 'CSS.', { type: 'text/css', schema: z.string() })],
    }),
    (c) => c.body(PAGES_CSS, 200, { 'content-type': 'text/css; charset=utf-8', 'cache-control': 'public, max-age=3600' }),
  );

  const confirm = { path: tokenPath(CONFIRM_PATH), request: { params: Token }, middleware: [tools.limit('page')] };
  app.openapi(
    declareRoute({
      ...confirm,
      method: 'get',
      summary: 'The page a confirmation mail links to: one button; a GET never changes anything (mail scanners fetch links)',
      answers: [
        page(200, 'The page with the button, or "already confirmed".'),
        page(404, 'A tampered or unknown link: a readable page.'),
        page(410, 'An expired link: a readable page.'),
        LIMITED,
        UNAVAILABLE,
      ],
    }),
    async (c) => send(c, await pages.confirmPage(linkRequest(c))),
  );
  app.openapi(
    declareRoute({
      ...confirm,
      method: 'post',
      summary: "The button: confirms the record the link was mailed for, once (the address owner's double opt-in)",
      answers: [
        page(200, 'Confirmed now, or already confirmed before.'),
        page(404, 'A tampered or unknown link.'),
        page(410, 'An expired link.'),
        LIMITED,
        UNAVAILABLE,
      ],
    }),
    async (c) => send(c, await pages.confirmPage(linkRequest(c))),
  );

  const restore = { path: tokenPath(RESTORE_PATH), request: { params: Token }, middleware: [tools.limit('page')] };
  app.openapi(
    declareRoute({
      ...restore,
      method: 'get',
      summary: 'The link in the notice of a withdrawal from a device that never proved the mailbox: one button; a GET never changes anything',
      answers: [
        page(200, 'The page with the button, or "already done".'),
        page(404, 'A tampered or unknown link: a readable page.'),
        page(410, 'An expired link: a readable page.'),
        LIMITED,
        UNAVAILABLE,
      ],
    }),
    async (c) => send(c, await pages.restorePage(linkRequest(c))),
  );
  app.openapi(
    declareRoute({
      ...restore,
      method: 'post',
      summary: 'The button: turns back on, once, what that withdrawal turned off and is off still (a receiver-signed restoration)',
      answers: [
        page(200, 'Turned back on now, or already before.'),
        page(404, 'A tampered or unknown link.'),
        page(410, 'An expired link.'),
        LIMITED,
        UNAVAILABLE,
      ],
    }),
    async (c) => send(c, await pages.restorePage(linkRequest(c))),
  );
  return app;
}
