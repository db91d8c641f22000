/**
 * Opaque, URL-safe link tokens for the links the receiver mails: confirm a
 * record (double opt-in, "confirm it is you"), open one's preferences,
 * unsubscribe from one purpose (RFC 8058), or turn back on what a withdrawal
 * from an unknown device turned off. A token is a short binary
 * structure in base64url, authenticated with HMAC-SHA256.
 *
 * The MAC key is derived with HKDF from the receiver's private key, so every
 * receiver that shares `receiver-key.json` accepts the others' links and no
 * extra secret has to be kept or rotated. The key is never used for anything
 * else (HKDF `info` separates it from the address-hash key).
 *
 * A token never holds the address in clear: a keyed hash of it (so a link
 * that leaks through a proxy log or a forwarded mail reveals nobody), for
 * `confirm` and `restore` the record id, which the receiver looks the record up by, and for
 * `prefs` and `unsubscribe` the address encrypted under a key only the
 * receiver has (AES-256-CTR with the keyed hash as IV, a synthetic IV as in
 * RFC 5297; the MAC covers it), because those links act for an address the
 * receiver must find without a look-up table.
 *
 * Layout (big-endian): version 1 (2 for `prefs` and `unsubscribe`) | kind 1 |
 * locale 1 | expires (Unix s) 4 | [record id 16 — confirm, restore] | address hash 16 |
 * [purpose length 1 + ASCII — unsubscribe] | [encrypted address — version 2,
 * to the MAC] | MAC 16 (HMAC-SHA256 truncated to 128 bits, NIST SP 800-107).
 */
import { createCipheriv, createDecipheriv, createHash, createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { normalizeEmail } from '@optimesys/privacy-records/create';

export type TokenKind = 'confirm' | 'prefs' | 'unsubscribe' | 'restore';
export type TokenLocale = 'fi' | 'en' | 'sv';

const DAY = 86_400_000;
/** Default lifetimes: a week to confirm, an hour for a preference session, years for List-Unsubscribe. */
export const TOKEN_LIFETIMES: Record<TokenKind, number> = {
  confirm: 7 * DAY,
  prefs: 60 * 60 * 1000,
  unsubscribe: 3 * 365 * DAY,
  restore: 7 * DAY,
};

/** What a token is issued for. `address` is hashed, never stored in the token. */
export type TokenClaims =
  | { kind: 'confirm' | 'restore'; recordId: string; address: string; locale: TokenLocale }
  | { kind: 'prefs'; address: string; locale: TokenLocale }
  | { kind: 'unsubscribe'; address: string; purpose: string; locale: TokenLocale };

/** A token that verified: what it is bound to. */
export interface VerifiedToken {
  ok: true;
  kind: TokenKind;
  /** Stable id of this exact token (hex), for a store that remembers used tokens. */
  tokenId: string;
  /** The record a `confirm` token confirms, or whose withdrawal a `restore` token undoes. */
  recordId?: string;
  /** Keyed hash (hex) of the address the token acts for; compare with `addressHash(email)`. */
  addressHash: string;
  /** The purpose an `unsubscribe` token is for. */
  purpose?: string;
  /** The address (as the token was issued for it, canonical form) of a `prefs` or `unsubscribe` token. */
  address?: string;
  /** Language the mail was written in: the pages answer in it. */
  locale: TokenLocale;
  expiresAt: Date;
}

export type TokenFailure = 'tampered' | 'expired' | 'malformed' | 'wrong-kind';
export type TokenResult = VerifiedToken | { ok: false; reason: TokenFailure; locale?: TokenLocale };

export interface IssueOptions {
  now?: Date;
  /** Lifetime in ms; default from `TOKEN_LIFETIMES`. */
  ttlMs?: number;
}

export interface LinkTokens {
  issue(claims: TokenClaims, options?: IssueOptions): string;
  /**
   * Checks the MAC (constant time), then the kind, then the expiry. With
   * `expect`, a token bound to another record, address or purpose is refused
   * as `tampered`: only a forged token could carry a valid MAC and the wrong
   * binding.
   */
  verify(
    token: string,
    options: { kind: TokenKind; now?: Date; expect?: { recordId?: string; address?: string; purpose?: string } },
  ): TokenResult;
  /** Keyed hash (hex) of an address, as tokens carry it; also usable by a store as a per-address key. */
  addressHash(address: string): string;
  /**
   * Keyed hash (hex) of the mailbox an address reaches (`canonicalMailbox`): what mail caps count
   * by, so ten spellings of one mailbox share one allowance and no cap row holds an address.
   */
  mailboxHash(address: string): string;
  /** Keyed hash (hex) of any other value a cap counts by (a client's address), under the same key. */
  capHash(value: string): string;
}

const VERSION = 1;
/** Version 2 carries the encrypted address (`prefs`, `unsubscribe`). */
const VERSION_ADDRESS = 2;
const KINDS: TokenKind[] = ['confirm', 'prefs', 'unsubscribe', 'restore'];
/** Kinds bound to one record (its id in the token) rather than carrying the address. */
const RECORD_KINDS: ReadonlySet<TokenKind> = new Set(['confirm', 'restore']);
// A token's byte 2 is an index into this list: new languages go at the end, so issued tokens keep their language.
const LOCALES: TokenLocale[] = ['fi', 'en', 'sv'];
const HASH_BYTES = 16;
const MAC_BYTES = 16;
const HEADER = 7;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const PURPOSE = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
// A fixed salt: the input is already a uniformly random 256-bit P-256 scalar.
const SALT = 'optimesys/privacy-widgets link tokens';

/** The receiver's private key material: the `d` of its private JWK (base64url), the JWK itself, or raw bytes. */
export type TokenSecret = string | Uint8Array | { d?: string };

function secretBytes(secret: TokenSecret): Uint8Array {
  const bytes =
    typeof secret === 'string'
      ? Buffer.from(secret, 'base64url')
      : secret instanceof Uint8Array
        ? secret
        : Buffer.from(secret.d ?? '', 'base64url');
  if (bytes.length < 16) throw new TypeError('A link token secret needs at least 128 bits (the private JWK `d`)');
  return bytes;
}

/** Addresses compare as mail systems treat them in practice: IDN domain in ASCII, case folded. */
const canonicalAddress = (address: string) => normalizeEmail(address).toLowerCase();

/** Providers that ignore dots in the local part; `googlemail.com` is the same mailbox as `gmail.com`. */
const DOTLESS: Readonly<Record<string, string>> = { 'gmail.com': 'gmail.com', 'googlemail.com': 'gmail.com' };

/**
 * The mailbox an address reaches, as far as the major providers tell: case
 * folded, a `+tag` removed (sub-addressing, RFC 5233, delivers to the same
 * mailbox nearly everywhere), dots ignored where the provider ignores them.
 * Used only to count mail caps: the record and its mail keep the address as given.
 */
export function canonicalMailbox(address: string): string {
  const canonical = canonicalAddress(address);
  const at = canonical.lastIndexOf('@');
  if (at < 1) return canonical;
  let local = canonical.slice(0, at);
  let domain = canonical.slice(at + 1);
  const plus = local.indexOf('+');
  if (plus > 0) local = local.slice(0, plus);
  const dotless = DOTLESS[domain];
  if (dotless) {
    domain = dotless;
    local = local.replaceAll('.', '');
  }
  return `${local}@${domain}`;
}

export function createLinkTokens(secret: TokenSecret): LinkTokens {
  const ikm = secretBytes(secret);
  const derive = (info: string) => Buffer.from(hkdfSync('sha256', ikm, SALT, info, 32));
  const macKey = derive('link-token-mac v1');
  const addressKey = derive('address-hash v1');
  const sealKey = derive('address-seal v1');
  const capKey = derive('mail-cap v1');
  const capHash = (value: string) => createHmac('sha256', capKey).update(value, 'utf8').digest('hex').slice(0, 32);

  const hashAddress = (address: string) =>
    createHmac('sha256', addressKey).update(canonicalAddress(address), 'utf8').digest().subarray(0, HASH_BYTES);
  const seal = (address: string, iv: Uint8Array) => {
    const cipher = createCipheriv('aes-256-ctr', sealKey, iv);
    return Buffer.concat([cipher.update(canonicalAddress(address), 'utf8'), cipher.final()]);
  };
  const unseal = (sealed: Uint8Array, iv: Uint8Array) => {
    const decipher = createDecipheriv('aes-256-ctr', sealKey, iv);
    return Buffer.concat([decipher.update(sealed), decipher.final()]).toString('utf8');
  };
  const mac = (body: Uint8Array) => createHmac('sha256', macKey).update(body).digest().subarray(0, MAC_BYTES);

  function issue(claims: TokenClaims, options: IssueOptions = {}): string {
    const now = options.now ?? new Date();
    const expires = Math.floor((now.getTime() + (options.ttlMs ?? TOKEN_LIFETIMES[claims.kind])) / 1000);
    const header = Buffer.alloc(HEADER);
    const sealed = !RECORD_KINDS.has(claims.kind);
    header.writeUInt8(sealed ? VERSION_ADDRESS : VERSION, 0);
    header.writeUInt8(KINDS.indexOf(claims.kind), 1);
    header.writeUInt8(Math.max(0, LOCALES.indexOf(claims.locale)), 2);
    header.writeUInt32BE(expires, 3);
    const parts: Uint8Array[] = [header];
    if (claims.kind === 'confirm' || claims.kind === 'restore') {
      if (!UUID.test(claims.recordId)) throw new TypeError('recordId must be a lower-case UUID');
      parts.push(Buffer.from(claims.recordId.replaceAll('-', ''), 'hex'));
    }
    const hash = hashAddress(claims.address);
    parts.push(hash);
    if (claims.kind === 'unsubscribe') {
      if (!PURPOSE.test(claims.purpose) || claims.purpose.length > 64) throw new TypeError('purpose must be a purpose id');
      parts.push(Buffer.from([claims.purpose.length]), Buffer.from(claims.purpose, 'ascii'));
    }
    if (sealed) parts.push(seal(claims.address, hash));
    const body = Buffer.concat(parts);
    return Buffer.concat([body, mac(body)]).toString('base64url');
  }

  function verify(
    token: string,
    options: { kind: TokenKind; now?: Date; expect?: { recordId?: string; address?: string; purpose?: string } },
  ): TokenResult {
    // Anything that is not base64url of a plausible length is malformed, before any crypto.
    if (typeof token !== 'string' || !/^[A-Za-z0-9_-]{20,600}$/.test(token)) return { ok: false, reason: 'malformed' };
    const bytes = Buffer.from(token, 'base64url');
    const version = bytes[0];
    if (bytes.length < HEADER + HASH_BYTES + MAC_BYTES || (version !== VERSION && version !== VERSION_ADDRESS)) return { ok: false, reason: 'malformed' };
    const body = bytes.subarray(0, bytes.length - MAC_BYTES);
    // A tampered token whose MAC fails must not be trusted for anything, its language included.
    if (!timingSafeEqual(mac(body), bytes.subarray(bytes.length - MAC_BYTES))) return { ok: false, reason: 'tampered' };

    const kind = KINDS[body[1]!];
    const locale = LOCALES[body[2]!];
    if (!kind || !locale) return { ok: false, reason: 'malformed' };
    let offset = HEADER;
    let recordId: string | undefined;
    if (RECORD_KINDS.has(kind)) {
      const hex = body.subarray(offset, offset + 16).toString('hex');
      offset += 16;
      recordId = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
    }
    const addressHash = body.subarray(offset, offset + HASH_BYTES);
    offset += HASH_BYTES;
    let purpose: string | undefined;
    if (kind === 'unsubscribe') {
      const length = body[offset] ?? 0;
      purpose = body.subarray(offset + 1, offset + 1 + length).toString('ascii');
      offset += 1 + length;
    }
    let address: string | undefined;
    if (version === VERSION_ADDRESS) {
      if (RECORD_KINDS.has(kind) || offset >= body.length || addressHash.length !== HASH_BYTES) return { ok: false, reason: 'malformed' };
      address = unseal(body.subarray(offset), addressHash);
      offset = body.length;
      // Only the receiver could have sealed it; a mismatch would be our own bug, never trusted.
      if (!timingSafeEqual(hashAddress(address), addressHash)) return { ok: false, reason: 'malformed' };
    }
    if (offset !== body.length || addressHash.length !== HASH_BYTES) return { ok: false, reason: 'malformed' };

    if (kind !== options.kind) return { ok: false, reason: 'wrong-kind', locale };
    const expiresAt = new Date(body.readUInt32BE(3) * 1000);
    if ((options.now ?? new Date()).getTime() >= expiresAt.getTime()) return { ok: false, reason: 'expired', locale };

    const expect = options.expect;
    if (expect) {
      const wrong =
        (expect.recordId !== undefined && expect.recordId !== recordId) ||
        (expect.purpose !== undefined && expect.purpose !== purpose) ||
        (expect.address !== undefined && !timingSafeEqual(hashAddress(expect.address), addressHash));
      if (wrong) return { ok: false, reason: 'tampered' };
    }
    return {
      ok: true,
      kind,
      tokenId: createHash('sha256').update(bytes).digest('hex').slice(0, 32),
      ...(recordId ? { recordId } : {}),
      addressHash: addressHash.toString('hex'),
      ...(purpose ? { purpose } : {}),
      ...(address ? { address } : {}),
      locale,
      expiresAt,
    };
  }

  return {
    issue,
    verify,
    addressHash: (address) => hashAddress(address).toString('hex'),
    mailboxHash: (address) => capHash(`mailbox ${canonicalMailbox(address)}`),
    capHash: (value) => capHash(`value ${value}`),
  };
}

/** A link token where the receiver's mails put one: a path segment after a link route, or the preference page's fragment. */
const TOKEN_IN_LINK = /(\/(?:confirm|unsubscribe|restore|console\/auth\/link)\/|#token=)[A-Za-z0-9_-]{20,600}/g;

/**
 * A text with every link token replaced by `redacted`: what the store keeps of a
 * sent mail, so a backup of it cannot act for anyone. The mail's content, its
 * time and the token id (kept beside it) are what an authority needs.
 */
export const redactTokens = (text: string): string => text.replace(TOKEN_IN_LINK, '$1redacted');
