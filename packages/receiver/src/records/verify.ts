/**
 * Server-side verification of a signed record (Node 20; uses jose). Never
 * throws for bad input: every refusal is a typed error a receiver can return.
 */
import { createHash, createPublicKey, verify as verifySignature, type KeyObject } from 'node:crypto';
import { compactVerify } from 'jose';
import canonicalize from 'canonicalize';
import { PrivacyRecord } from '@optimesys/privacy-records/schemas';
import { isCalendarTimestamp } from '@optimesys/privacy-records/timestamp';
import type { PublicJwk } from '@optimesys/privacy-records/jws';

export type VerifyErrorCode =
  | 'too-large'
  | 'malformed'
  | 'unsupported-alg'
  | 'kid-mismatch'
  | 'bad-signature'
  | 'bad-schema'
  | 'stale'
  | 'future';

export interface VerifyError {
  code: VerifyErrorCode;
  message: string;
  /** For `bad-schema`: where and what (the schemas' machine codes). */
  issues?: { path: string; message: string }[];
}

export type VerifyResult =
  | { ok: true; record: PrivacyRecord; kid: string; alg: 'ES256' | 'HS256'; jwk?: PublicJwk }
  | { ok: false; error: VerifyError };

export interface VerifyOptions {
  /** The receiver's clock (default: now). */
  now?: Date | number;
  /** How far `issuedAt` may lie in the future (device clocks drift); default 300 s. Beyond: `future`. */
  maxSkewSeconds?: number;
  /**
   * How old `issuedAt` may be; default 30 days, because the outbox delivers
   * records made offline when the browser is next online. Beyond: `stale`.
   */
  maxAgeSeconds?: number;
  /** Largest accepted JWS in bytes (UTF-8); default 64 KiB. */
  maxBytes?: number;
  /** Allows HS256 records signed with this secret (bytes, or base64url text as for `hmacSigner`). */
  hmacSecret?: Uint8Array | string;
}

const B64URL = /^[A-Za-z0-9_-]+$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The protected header members a record may carry: what our signers emit
 * (`sign.ts`: `{ alg, jwk, kid }` for ES256, `{ alg, kid? }` for HS256).
 * Anything else could change how some verifier reads the JWS (`crit`, `b64`,
 * `jku`, `x5u`, `zip`, …), so it is refused as `malformed`.
 */
const HEADER_MEMBERS = new Set(['alg', 'jwk', 'kid']);

/**
 * True when any object in `text` (valid JSON: `JSON.parse` accepted it) names
 * a member twice. `JSON.parse` silently keeps the last one, while other
 * parsers keep the first or refuse: a header must read the same everywhere.
 */
export function hasDuplicateMembers(text: string): boolean {
  let i = 0;
  const space = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const string = (): string => {
    const start = i++;
    while (text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    i++;
    return JSON.parse(text.slice(start, i)) as string; // decodes escapes: "\u0061lg" is "alg"
  };
  const value = (): boolean => {
    space();
    const c = text[i];
    if (c === '{' || c === '[') {
      const close = c === '{' ? '}' : ']';
      const names = new Set<string>();
      i++;
      space();
      if (text[i] === close) return i++, false;
      for (;;) {
        if (c === '{') {
          space();
          const name = string();
          if (names.has(name)) return true;
          names.add(name);
          space();
          i++; // ':'
        }
        if (value()) return true;
        space();
        if (text[i++] === close) return false; // else ','
      }
    }
    if (c === '"') return string(), false;
    while (i < text.length && !',]} \t\n\r'.includes(text[i]!)) i++; // number, true, false, null
    return false;
  };
  return value();
}

/** True when every object's member names in `value` (parsed JSON) are in RFC 8785 order: by UTF-16 code units. */
function namesSorted(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return true;
  if (Array.isArray(value)) return value.every(namesSorted);
  let previous: string | undefined;
  for (const name in value) {
    if (previous !== undefined && !(previous < name)) return false; // `<` on strings compares UTF-16 code units
    if (!namesSorted((value as Record<string, unknown>)[name])) return false;
    previous = name;
  }
  return true;
}

/**
 * Whether `text`, which `JSON.parse` read as `value`, is the RFC 8785 canonical
 * JSON of `value`. Fast path: JCS writes strings and numbers as `JSON.stringify`
 * does, so text equal to `JSON.stringify(value)` with sorted names is canonical
 * (and names no member twice: a dropped duplicate would make it shorter).
 * Otherwise the full canonicalization decides: names that look like array
 * indexes are ordered differently by JavaScript objects and by JCS, and JCS
 * refuses lone surrogates, which `JSON.stringify` writes as `\uXXXX`.
 */
export function isCanonicalJson(text: string, value: unknown): boolean {
  // `\u` in JSON.stringify's output is a control character or a lone surrogate, which JCS refuses: the full path.
  if (JSON.stringify(value) === text && !text.includes('\\u')) return namesSorted(value);
  try {
    return canonicalize(value) === text;
  } catch {
    return false; // a lone surrogate
  }
}

/** RFC 7638 thumbprint, synchronously (tests hold it equal to jose's calculateJwkThumbprint). */
function thumbprint({ crv, kty, x, y }: PublicJwk): string {
  return createHash('sha256').update(`{"crv":"${crv}","kty":"${kty}","x":"${x}","y":"${y}"}`).digest('base64url');
}
const fail = (code: VerifyErrorCode, message: string, issues?: VerifyError['issues']): VerifyResult => ({
  ok: false,
  error: issues ? { code, message, issues } : { code, message },
});

/** Decodes strict, canonical, unpadded base64url (empty allowed), or returns undefined. */
function decode(part: string): Buffer | undefined {
  if ((part && !B64URL.test(part)) || part.length % 4 === 1) return undefined;
  const bytes = Buffer.from(part, 'base64url');
  // Node's decoder ignores stray trailing bits: without this check a changed
  // last character could decode to the same bytes and still verify.
  return bytes.toString('base64url') === part ? bytes : undefined;
}

function isPublicP256(jwk: unknown): jwk is PublicJwk {
  if (!jwk || typeof jwk !== 'object' || Array.isArray(jwk)) return false;
  const { kty, crv, x, y, ...rest } = jwk as Record<string, unknown>;
  const coordinate = (v: unknown) => typeof v === 'string' && v.length === 43 && decode(v)?.length === 32;
  // Exactly the four public members: no `d`, nothing a verifier might misread.
  return kty === 'EC' && crv === 'P-256' && coordinate(x) && coordinate(y) && Object.keys(rest).length === 0;
}

/** Imported public keys by thumbprint (browsers sign many records with one key); the oldest goes first. */
const publicKeys = new Map<string, KeyObject>();
const KEY_CACHE = 1024;

/**
 * ES256 over `signingInput` with node:crypto, synchronously: what jose's
 * `compactVerify` with `EmbeddedJWK` decides (a test holds the two equal on
 * valid, tampered and malleated signatures), without WebCrypto's key import
 * and job queue. `jwk` has passed `isPublicP256`, `kid` is its thumbprint.
 */
export function verifyES256(jwk: PublicJwk, kid: string, signingInput: string, signature: Uint8Array): boolean {
  if (signature.length !== 64) return false; // r ‖ s, 32 bytes each (JWA 3.4)
  let key = publicKeys.get(kid);
  if (!key) {
    try {
      key = createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y }, format: 'jwk' }); // refuses a point off the curve
    } catch {
      return false;
    }
    if (publicKeys.size >= KEY_CACHE) publicKeys.delete(publicKeys.keys().next().value!);
    publicKeys.set(kid, key);
  }
  try {
    return verifySignature('sha256', Buffer.from(signingInput, 'ascii'), { key, dsaEncoding: 'ieee-p1363' }, signature);
  } catch {
    return false;
  }
}

/**
 * Verifies a signed record, checking in this order: size (`too-large`), shape
 * (`malformed`), algorithm (`unsupported-alg`: ES256, or HS256 with a configured
 * secret), embedded key and `kid` = its RFC 7638 thumbprint (`malformed`,
 * `kid-mismatch`; a header member other than `alg`, `jwk`, `kid`, or one named
 * twice: `malformed`), signature (`bad-signature`; ES256 with node:crypto, held equal to jose by a test; HS256 with jose), payload is its own
 * RFC 8785 canonical JSON (`malformed`), schema (`bad-schema`; also an
 * `issuedAt` naming a day that does not exist, e.g. 31 November), and `issuedAt`
 * (`future` beyond `maxSkewSeconds` ahead, `stale` beyond `maxAgeSeconds` old).
 */
export async function verifyRecord(jws: unknown, options: VerifyOptions = {}): Promise<VerifyResult> {
  try {
    return await verify(jws, options);
  } catch (error) {
    return fail('malformed', `Unreadable record: ${(error as Error)?.message ?? error}`);
  }
}

async function verify(jws: unknown, options: VerifyOptions): Promise<VerifyResult> {
  const maxBytes = options.maxBytes ?? 65_536;
  if (typeof jws !== 'string') return fail('malformed', 'A record is a JWS compact serialization string');
  // UTF-8 never has fewer bytes than UTF-16 units, so long strings fail before counting.
  if (jws.length > maxBytes || Buffer.byteLength(jws) > maxBytes) {
    return fail('too-large', `A record may have at most ${maxBytes} bytes`);
  }

  const parts = jws.split('.');
  const bytes = parts.map(decode);
  // An empty signature is well-formed here so that `alg: none` is refused as such below.
  if (parts.length !== 3 || bytes.some((b) => !b) || !parts[0] || !parts[1]) {
    return fail('malformed', 'Not a JWS compact serialization');
  }
  let header: Record<string, unknown>;
  let headerText: string;
  try {
    headerText = utf8.decode(bytes[0]);
    const parsed: unknown = JSON.parse(headerText);
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new TypeError();
    header = parsed as Record<string, unknown>;
  } catch {
    return fail('malformed', 'The JWS header is not a JSON object');
  }
  // Text that is exactly `JSON.stringify` of what it parsed to cannot name a member twice (our
  // signers write headers that way); anything else is scanned.
  if (JSON.stringify(header) !== headerText && hasDuplicateMembers(headerText)) return fail('malformed', 'The JWS header names a member twice');

  const alg = header.alg;
  const secret = typeof options.hmacSecret === 'string' ? decode(options.hmacSecret) : options.hmacSecret;
  if (alg !== 'ES256' && !(alg === 'HS256' && secret)) {
    return fail('unsupported-alg', `Algorithm ${JSON.stringify(alg)} is not accepted`);
  }

  const extra = Object.keys(header).filter((name) => !HEADER_MEMBERS.has(name));
  if (extra.length) {
    return fail('malformed', `The JWS header may hold only alg, jwk and kid, not ${extra.map((n) => JSON.stringify(n)).join(', ')}`);
  }

  let kid: string;
  let jwk: PublicJwk | undefined;
  if (alg === 'ES256') {
    if (!isPublicP256(header.jwk)) return fail('malformed', 'The header jwk must be a public P-256 key (kty, crv, x, y)');
    jwk = header.jwk;
    kid = thumbprint(jwk);
    if (header.kid !== kid) return fail('kid-mismatch', 'The kid is not the RFC 7638 thumbprint of the header jwk');
  } else {
    if (header.jwk !== undefined) return fail('malformed', 'An HS256 record carries no jwk');
    kid = typeof header.kid === 'string' ? header.kid : 'hs256';
  }

  if (alg === 'ES256') {
    if (!verifyES256(jwk!, kid, `${parts[0]}.${parts[1]}`, bytes[2]!)) return fail('bad-signature', 'The signature does not verify');
  } else {
    try {
      await compactVerify(jws, secret!, { algorithms: [alg] });
    } catch {
      return fail('bad-signature', 'The signature does not verify');
    }
  }

  let payload: unknown;
  let text: string;
  try {
    text = utf8.decode(bytes[1]);
    payload = JSON.parse(text);
  } catch {
    return fail('malformed', 'The payload is not UTF-8 JSON');
  }
  if (!isCanonicalJson(text, payload)) return fail('malformed', 'The payload is not RFC 8785 canonical JSON');

  const checked = PrivacyRecord.safeParse(payload);
  if (!checked.success) {
    const issues = checked.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
    return fail('bad-schema', `The record does not match the schema: ${issues.map((i) => `${i.path} ${i.message}`).join(', ')}`, issues);
  }
  const record = checked.data;

  const now = options.now === undefined ? Date.now() : +options.now;
  const issued = Date.parse(record.issuedAt);
  if (Number.isNaN(issued) || !isCalendarTimestamp(record.issuedAt)) return fail('bad-schema', 'issuedAt is not a valid time', [{ path: 'issuedAt', message: 'invalid-format' }]);
  if (issued - now > (options.maxSkewSeconds ?? 300) * 1000) return fail('future', 'issuedAt is too far in the future');
  if (now - issued > (options.maxAgeSeconds ?? 30 * 86_400) * 1000) return fail('stale', 'issuedAt is too old');

  return jwk ? { ok: true, record, kid, alg, jwk } : { ok: true, record, kid, alg };
}
