/**
 * The small part of JWS (RFC 7515) and JWK thumbprints (RFC 7638) that the
 * browser needs, written on WebCrypto so that pages do not carry a JOSE
 * library. Tests check every function here against `jose`.
 */

/** A public P-256 key as JWK, with exactly the members RFC 7638 hashes. */
export interface PublicJwk {
  kty: 'EC';
  crv: 'P-256';
  x: string;
  y: string;
}

const encoder = new TextEncoder();

export const utf8 = (text: string): Uint8Array<ArrayBuffer> => encoder.encode(text);

/** base64url without padding (RFC 7515 §2). */
export function b64url(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** Decodes base64url; throws on anything that is not strict unpadded base64url. */
export function b64urlDecode(text: string): Uint8Array<ArrayBuffer> {
  if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) throw new TypeError('Not base64url');
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  // Refuse non-canonical encodings (stray bits in the last character): one
  // byte string, one encoding, so a changed character never verifies.
  if (b64url(bytes) !== text) throw new TypeError('Not canonical base64url');
  return bytes;
}

/** Lower-case hex SHA-256. */
export async function sha256Hex(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** RFC 7638 thumbprint (SHA-256, base64url) of a public P-256 key. */
export async function jwkThumbprint(jwk: PublicJwk): Promise<string> {
  // Required members only, in lexicographic order, no whitespace (RFC 7638 §3.2).
  const text = `{"crv":"${jwk.crv}","kty":"${jwk.kty}","x":"${jwk.x}","y":"${jwk.y}"}`;
  return b64url(new Uint8Array(await crypto.subtle.digest('SHA-256', utf8(text))));
}

/** The public JWK members a header carries (drops `ext`, `key_ops` and anything private). */
export function publicJwk(jwk: { kty?: string; crv?: string; x?: string; y?: string }): PublicJwk {
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || !jwk.x || !jwk.y) throw new TypeError('Not a P-256 public key');
  return { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y };
}

/** Compact JWS: base64url(header) . base64url(payload) . base64url(sign(those two)). */
export async function compactSign(
  header: Record<string, unknown>,
  payload: Uint8Array,
  sign: (input: Uint8Array<ArrayBuffer>) => Promise<Uint8Array>,
): Promise<string> {
  const input = `${b64url(utf8(JSON.stringify(header)))}.${b64url(payload)}`;
  return `${input}.${b64url(await sign(utf8(input)))}`;
}

export interface ParsedJws {
  header: Record<string, unknown>;
  payload: Uint8Array<ArrayBuffer>;
  signature: Uint8Array<ArrayBuffer>;
  /** The bytes the signature covers. */
  signingInput: Uint8Array<ArrayBuffer>;
}

/** Splits and decodes a compact JWS; throws if it is not one. Checks no signature. */
export function parseCompact(jws: string): ParsedJws {
  const parts = jws.split('.');
  if (parts.length !== 3) throw new TypeError('Not a compact JWS');
  const [h, p, s] = parts as [string, string, string];
  const header: unknown = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(b64urlDecode(h)));
  if (!header || typeof header !== 'object' || Array.isArray(header)) throw new TypeError('JWS header is not an object');
  return {
    header: header as Record<string, unknown>,
    payload: b64urlDecode(p),
    signature: b64urlDecode(s),
    signingInput: utf8(`${h}.${p}`),
  };
}

export const ES256 = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

/** Verifies an ES256 signature (raw r||s, as WebCrypto and JWS both use) with a public JWK. */
export async function verifyEs256(jwk: PublicJwk, parsed: ParsedJws): Promise<boolean> {
  const key = await crypto.subtle.importKey('jwk', { ...jwk, ext: true }, ES256, false, ['verify']);
  return crypto.subtle.verify(ES256, key, parsed.signature, parsed.signingInput);
}
