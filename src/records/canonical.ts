import canonicalize from 'canonicalize';

/**
 * RFC 8785 (JCS) canonical JSON of `value`: keys sorted by UTF-16 code units,
 * ECMAScript number formatting, minimal string escapes. The same value always
 * gives the same bytes, so a signature over them can be checked anywhere.
 * Throws for what JSON cannot hold (NaN, Infinity, lone surrogates, cycles).
 */
export function canonicalJson(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new TypeError('Value has no JSON form');
  return text;
}
