// Relative URLs and these schemes only: an attribute or a document can never
// turn a link into `javascript:` or `data:`.
const SAFE = /^(?:https?:|mailto:|tel:|[^:]*$)/i;

/** Returns the href if it is a relative URL or uses http(s), mailto or tel; otherwise `fallback`. */
export function safeHref(href: string | null | undefined, fallback: string): string {
  const value = href?.trim();
  return value && SAFE.test(value) ? value : fallback;
}
