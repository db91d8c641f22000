import { existsSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { ReceiverOptions } from './app.js';

/**
 * Stand-in for the CRM a webinar signup form posts to on a real site (the
 * demo's only route that is not the receiver's own). It keeps nothing and
 * answers like a CRM's thank-you redirect, naming the consent record the
 * form carried so the demo shows both halves met.
 */
export async function crmStandIn(req: IncomingMessage, res: ServerResponse): Promise<void> {
  let body = '';
  for await (const chunk of req) {
    body += String(chunk);
    if (body.length > 16_384) break;
  }
  const form = new URLSearchParams(body);
  const ref = form.get('consent-record-id') ?? '';
  const location = `/webinar-thanks.html${/^[0-9a-f-]{36}$/.test(ref) ? `?ref=${ref}` : ''}`;
  res.writeHead(303, { location, 'cache-control': 'no-store' });
  res.end();
}

/** What `serve` adds when the package's demo pages are present: the pages, the built package and the CRM stand-in. */
export function demoSite(packageRoot: string): Pick<ReceiverOptions, 'staticRoots' | 'routes'> {
  const staticRoots = [
    { prefix: '/dist/', dir: join(packageRoot, 'dist') },
    { prefix: '/', dir: join(packageRoot, 'demo') },
  ].filter(({ dir }) => existsSync(dir));
  const demo = staticRoots.some(({ prefix }) => prefix === '/');
  return { staticRoots, ...(demo ? { routes: { 'POST /demo/crm/webinar-signup': crmStandIn } } : {}) };
}
