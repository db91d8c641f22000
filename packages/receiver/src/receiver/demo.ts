import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Context, Handler } from 'hono';
import { renderMailbox } from '../mail/mailbox.js';
import { pageLocale, PAGES_CSS_PATH } from '../mail/pages.js';
import { bodyLimit } from 'hono/body-limit';
import type { AppOptions } from './app.js';

const limit = bodyLimit({ maxSize: 16_384 });
const LOOPBACK_PEER = /^(?:127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1|::ffff:127\.\d{1,3}\.\d{1,3}\.\d{1,3})$/;
const LOOPBACK_HOST = /^(?:localhost|127\.\d{1,3}\.\d{1,3}\.\d{1,3}|\[::1\])(?::\d{1,5})?$/i;

/**
 * Stand-in for the CRM a webinar signup form posts to on a real site (the
 * demo's only route that is not the receiver's own). It keeps nothing and
 * answers like a CRM's thank-you redirect, naming the consent record the
 * form carried so the demo shows both halves met.
 */
export async function crmStandIn(c: Context): Promise<Response> {
  let ref = '';
  await limit(c, async () => {
    const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
    ref = String(form['consent-record-id'] ?? '');
  });
  const location = `/webinar-thanks.html${/^[0-9a-f-]{36}$/.test(ref) ? `?ref=${ref}` : ''}`;
  return c.redirect(location, 303);
}

/**
 * What `serve` adds when the package's demo pages are present: the pages, the
 * browser build and the CRM stand-in. Only what a browser loads is served from
 * `dist/` (the CDN bundles and the static notice): never the server's code or source maps.
 */
export function demoSite(packageRoot: string, { mailbox }: { mailbox?: string } = {}): Pick<AppOptions, 'staticRoots' | 'routes'> {
  const staticRoots = [
    // Allow-listed folders of the browser build; static serving refuses source maps anywhere.
    { prefix: '/dist/cdn/', dir: join(packageRoot, 'dist/cdn') },
    { prefix: '/dist/notice/', dir: join(packageRoot, 'dist/notice') },
    { prefix: '/', dir: join(packageRoot, 'demo') },
  ].filter(({ dir }) => existsSync(dir));
  const demo = staticRoots.some(({ prefix }) => prefix === '/');
  const routes: Record<string, Handler> = demo ? { 'POST /demo/crm/webinar-signup': crmStandIn } : {};
  // The mails the receiver wrote instead of sending (no SMTP_URL): readable, links clickable. Their
  // links act for the addresses, so only this machine may read them: a loopback peer that named a
  // loopback host (not a proxy passing a visitor on, not a page that rebound its name to 127.0.0.1).
  if (mailbox) {
    routes['GET /mailbox.html'] = async (c) => {
      const peer = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming?.socket?.remoteAddress ?? '';
      if (!LOOPBACK_PEER.test(peer) || !LOOPBACK_HOST.test(c.req.header('host') ?? '') || c.req.header('x-forwarded-for') !== undefined) {
        return c.json({ error: { code: 'not-found', message: 'Nothing here.' } }, 404);
      }
      const page = await renderMailbox({ dataDir: mailbox, locale: pageLocale(undefined, c.req.header('accept-language')), stylesheet: PAGES_CSS_PATH });
      return c.body(page.body, page.status as 200, page.headers);
    };
  }
  return { staticRoots, routes };
}
