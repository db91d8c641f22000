// Relative URLs and these schemes only: an attribute or a document can never
// turn a link into `javascript:` or `data:`.
const SAFE = /^(?:https?:|mailto:|tel:|[^:]*$)/i;

/** Returns the href if it is a relative URL or uses http(s), mailto or tel; otherwise `fallback`. */
export function safeHref(href: string | null | undefined, fallback: string): string {
  const value = href?.trim();
  return value && SAFE.test(value) ? value : fallback;
}

/**
 * `href` with a `request-type` in its query: absolute in the browser; on the
 * server, which knows no page URL, relative to the page (`?request-type=…#data-request`).
 */
export function objectionHref(href: string): string {
  if (typeof location === 'undefined') {
    const [path = '', hash] = href.split('#');
    return `${path}${path.includes('?') ? '&' : '?'}request-type=objection${hash === undefined ? '' : `#${hash}`}`;
  }
  const url = new URL(href, location.href);
  url.searchParams.set('request-type', 'objection');
  return url.href;
}
