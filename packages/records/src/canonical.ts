import canonicalize from 'canonicalize';

/**
 * RFC 8785 (JCS) canonical JSON of `value`: keys sorted by UTF-16 code units,
 * ECMAScript number formatting, minimal string escapes. The same value always
 * gives the same bytes, so a signature over them can be checked anywhere.
 * Throws for what JSON cannot hold (NaN, Infinity, lone surrogates, cycles,
 * functions).
 */
export function canonicalJson(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new TypeError('Value has no JSON form');
  // canonicalize 4 writes a function value as `undefined` (or an empty array
  // slot): text that is not JSON. Parsing it back refuses that for a few µs.
  try {
    JSON.parse(text);
  } catch {
    throw new TypeError('Value holds something JSON cannot (a function?)');
  }
  return text;
}
