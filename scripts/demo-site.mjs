// The demo site `npm start` serves beside the receiver: the demo pages, the browser build they
// load, and a stand-in for the CRM a webinar signup form posts to. Private: never published.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bodyLimit } from 'hono/body-limit';

const limit = bodyLimit({ maxSize: 16_384 });

/**
 * Stand-in for the CRM a webinar signup form posts to on a real site. It keeps nothing and
 * answers like a CRM's thank-you redirect, naming the consent record the form carried so
 * the demo shows both halves met.
 */
export async function crmStandIn(c) {
  let ref = '';
  await limit(c, async () => {
    const form = await c.req.parseBody().catch(() => ({}));
    ref = String(form['consent-record-id'] ?? '');
  });
  return c.redirect(`/webinar-thanks.html${/^[0-9a-f-]{36}$/.test(ref) ? `?ref=${ref}` : ''}`, 303);
}

/** The site's privacy notice per language, for the console's Art. 15 answer to quote. */
function notices(root) {
  const read = (lang) => {
    const file = join(root, 'locales', lang, 'notice.json');
    return existsSync(file) ? { [lang]: JSON.parse(readFileSync(file, 'utf8')) } : {};
  };
  return { ...read('fi'), ...read('en') };
}

/**
 * The pages, the browser build and the CRM stand-in, from the repository at `root`. Only what a
 * browser loads is served from `dist/` (the CDN bundles and the static notice), never source maps;
 * and the notices the console quotes.
 */
export function demoSite(root) {
  const staticRoots = [
    { prefix: '/dist/cdn/', dir: join(root, 'dist/cdn') },
    { prefix: '/dist/notice/', dir: join(root, 'dist/notice') },
    { prefix: '/', dir: join(root, 'demo') },
  ].filter(({ dir }) => existsSync(dir));
  return { staticRoots, routes: { 'POST /demo/crm/webinar-signup': crmStandIn }, notices: notices(root) };
}
