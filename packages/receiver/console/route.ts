import { STATUS_FILTERS, type StatusFilter } from './api.js';

/** Where the console is, as told by the URL's hash (`#/requests?status=overdue`). */
export type Route =
  | { view: 'requests'; status: StatusFilter }
  | { view: 'request'; id: string; kid: string }
  | { view: 'consents' }
  | { view: 'not-found' };

/** The route a location hash names; an empty hash is the open requests. */
export function parseRoute(hash: string): Route {
  const text = hash.replace(/^#/, '');
  const mark = text.indexOf('?');
  const path = (mark < 0 ? text : text.slice(0, mark)).replace(/\/+$/, '');
  const query = new URLSearchParams(mark < 0 ? '' : text.slice(mark + 1));
  const parts = path.split('/').filter(Boolean);
  if (parts.length === 0 || (parts.length === 1 && parts[0] === 'requests')) {
    const status = query.get('status') as StatusFilter | null;
    return { view: 'requests', status: status && STATUS_FILTERS.includes(status) ? status : 'open' };
  }
  if (parts.length === 2 && parts[0] === 'requests') {
    const kid = query.get('kid');
    // A hash edited by hand may hold a broken escape: that is a page not found, not an exception.
    const id = safeDecode(parts[1]!);
    return id && kid ? { view: 'request', id, kid } : { view: 'not-found' };
  }
  if (parts.length === 1 && parts[0] === 'consents') return { view: 'consents' };
  return { view: 'not-found' };
}

/** The hash of a route, as links and the filter write it. */
export function routeHash(route: Route): string {
  switch (route.view) {
    case 'requests':
      return `#/requests?status=${route.status}`;
    case 'request':
      return `#/requests/${encodeURIComponent(route.id)}?kid=${encodeURIComponent(route.kid)}`;
    case 'consents':
      return '#/consents';
    default:
      return '#/';
  }
}

function safeDecode(part: string): string | undefined {
  try {
    return decodeURIComponent(part);
  } catch {
    return undefined;
  }
}
