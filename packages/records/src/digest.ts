import { canonicalJson } from './canonical.js';
import { sha256Hex, utf8 } from './jws.js';

/**
 * The notice digest a record carries: lower-case hex SHA-256 of the RFC 8785
 * canonical JSON of the notice document shown. Works in browsers and Node 20.
 * (Its own module, so forms showing the built-in notice do not ship it.)
 */
export function noticeDigest(doc: unknown): Promise<string> {
  return sha256Hex(utf8(canonicalJson(doc)));
}
