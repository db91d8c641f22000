/**
 * `serve --mailbox`: the mails the receiver wrote as files (no SMTP_URL), readable at
 * `/mailbox.html` with their links clickable, for trying the whole loop on a machine
 * without a mail server. Their links act for the addresses, so only this machine may
 * read them: a loopback peer that named a loopback host (not a proxy passing a visitor
 * on, not a page that rebound its name to 127.0.0.1).
 */
import type { Handler } from 'hono';
import { renderMailbox } from '../mail/mailbox.js';
import { pageLocale, PAGES_CSS_PATH } from '../mail/pages.js';

const LOOPBACK_PEER = /^(?:127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1|::ffff:127\.\d{1,3}\.\d{1,3}\.\d{1,3})$/;
const LOOPBACK_HOST = /^(?:localhost|127\.\d{1,3}\.\d{1,3}\.\d{1,3}|\[::1\])(?::\d{1,5})?$/i;

/** The `GET /mailbox.html` route for the mails written under `dataDir`. */
export function mailboxRoute(dataDir: string): Record<string, Handler> {
  return {
    'GET /mailbox.html': async (c) => {
      const peer = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming?.socket?.remoteAddress ?? '';
      if (!LOOPBACK_PEER.test(peer) || !LOOPBACK_HOST.test(c.req.header('host') ?? '') || c.req.header('x-forwarded-for') !== undefined) {
        return c.json({ error: { code: 'not-found', message: 'Nothing here.' } }, 404);
      }
      const page = await renderMailbox({ dataDir, locale: pageLocale(undefined, c.req.header('accept-language')), stylesheet: PAGES_CSS_PATH });
      return c.body(page.body, page.status as 200, page.headers);
    },
  };
}
