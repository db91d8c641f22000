/**
 * The console's cookies. Nothing about a session lives in a process's
 * memory, so every worker and every instance on the database answers alike:
 *
 * - the session cookie is a MAC'd claim set (session id, who, when signed
 *   in, when last seen), re-issued on every call so the idle timeout slides;
 *   the absolute timeout is counted from sign-in and never moves. Sign-out
 *   is an append-only event in the store (`console:sign-out:<session>`),
 *   looked up by its unique key on every call: a copied cookie dies with it.
 * - the OpenID Connect transaction (state, nonce, PKCE verifier) is an
 *   encrypted cookie bound to the browser for 10 minutes; it is used once
 *   (the sign-in event's key is the transaction's id).
 * - the anti-CSRF token is a MAC of the session id: the page reads it from
 *   `/console/api/session` and sends it back in `x-csrf-token`.
 *
 * Keys come from the receiver's key by HKDF (`info` keeps them apart from
 * the link tokens' keys), so instances sharing `receiver-key.json` agree.
 */
import { createCipheriv, createDecipheriv, createHash, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';

const SALT = 'optimesys/privacy-widgets console';

export interface SessionClaims {
  /** Random, 128 bits, new at every sign-in. */
  sid: string;
  email: string;
  /** How the session began. */
  via: 'oidc' | 'link';
  /** Sign-in, ms since the epoch. */
  iat: number;
  /** Last call, ms since the epoch. */
  seen: number;
}

export interface OidcTransaction {
  /** Names the transaction: the sign-in event's key, so it completes once. */
  id: string;
  state: string;
  nonce: string;
  verifier: string;
  /** Expiry, ms since the epoch. */
  exp: number;
}

export interface CookieNames {
  session: string;
  oidc: string;
  /** `Secure` (https); plain-named cookies without it on loopback http, where a `__Host-` cookie cannot be set. */
  secure: boolean;
}

/** `__Host-` names over https: no `Domain`, `Path=/`, `Secure`, so no sibling subdomain can plant or read one. */
export function cookieNames(secure: boolean): CookieNames {
  return secure
    ? { session: '__Host-pw-console', oidc: '__Host-pw-console-oidc', secure }
    : { session: 'pw-console', oidc: 'pw-console-oidc', secure };
}

/** A `Set-Cookie` value; `maxAge` 0 removes the cookie. */
export function setCookie(names: CookieNames, name: string, value: string, { maxAge, sameSite }: { maxAge: number; sameSite: 'Strict' | 'Lax' }): string {
  return `${name}=${value}; Path=/; Max-Age=${Math.max(0, Math.floor(maxAge / 1000))}; HttpOnly; SameSite=${sameSite}${names.secure ? '; Secure' : ''}`;
}

/** The value of cookie `name` in a `Cookie` header (the first, as browsers send the most specific first). */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url');

export interface ConsoleKeys {
  /** The session cookie's value for these claims. */
  sealSession(claims: SessionClaims): string;
  /** The claims of a session cookie whose MAC verifies, else undefined (nothing else is judged here). */
  openSession(value: string | undefined): SessionClaims | undefined;
  /** The anti-CSRF token of a session. */
  csrf(sid: string): string;
  /** Compares a sent token with the session's in constant time. */
  csrfMatches(sid: string, sent: string | undefined): boolean;
  sealTransaction(tx: OidcTransaction): string;
  openTransaction(value: string | undefined): OidcTransaction | undefined;
  /** AES-256-GCM under the sign-in link key: what a mailed link carries. */
  sealLink(payload: Record<string, unknown>): string;
  openLink(token: string): Record<string, unknown> | undefined;
}

/** A session id as the store keeps it: a hash, so a copy of the database names no live session. */
export const sessionRef = (sid: string) => createHash('sha256').update(`console-session ${sid}`).digest('hex').slice(0, 32);

/** A new random id (128 bits, base64url). */
export const randomId = () => b64(randomBytes(16));

export function consoleKeys(secret: Uint8Array): ConsoleKeys {
  const derive = (info: string) => Buffer.from(hkdfSync('sha256', secret, SALT, info, 32));
  const sessionKey = derive('console-session-mac v1');
  const csrfKey = derive('console-csrf v1');
  const txKey = derive('console-oidc-transaction v1');
  const linkKey = derive('console-sign-in-link v1');
  const mac = (key: Buffer, text: string) => createHmac('sha256', key).update(text).digest();

  const seal = (key: Buffer, aad: string, payload: unknown) => {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.from(aad));
    const body = Buffer.concat([cipher.update(JSON.stringify(payload), 'utf8'), cipher.final()]);
    return b64(Buffer.concat([iv, body, cipher.getAuthTag()]));
  };
  const open = (key: Buffer, aad: string, value: string | undefined): unknown => {
    if (!value || !/^[A-Za-z0-9_-]{40,2000}$/.test(value)) return undefined;
    const bytes = Buffer.from(value, 'base64url');
    if (bytes.length < 12 + 16 + 2) return undefined;
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, 12));
      decipher.setAAD(Buffer.from(aad));
      decipher.setAuthTag(bytes.subarray(bytes.length - 16));
      const text = Buffer.concat([decipher.update(bytes.subarray(12, bytes.length - 16)), decipher.final()]).toString('utf8');
      return JSON.parse(text) as unknown;
    } catch {
      return undefined; // tampered, or sealed under another key
    }
  };

  return {
    sealSession(claims) {
      const body = b64(Buffer.from(JSON.stringify(claims), 'utf8'));
      return `${body}.${b64(mac(sessionKey, body))}`;
    },
    openSession(value) {
      if (!value || value.length > 2000) return undefined;
      const dot = value.indexOf('.');
      if (dot < 1) return undefined;
      const body = value.slice(0, dot);
      const sent = Buffer.from(value.slice(dot + 1), 'base64url');
      const expected = mac(sessionKey, body);
      if (sent.length !== expected.length || !timingSafeEqual(sent, expected)) return undefined;
      try {
        const claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as SessionClaims;
        const ok =
          typeof claims.sid === 'string' &&
          typeof claims.email === 'string' &&
          (claims.via === 'oidc' || claims.via === 'link') &&
          Number.isFinite(claims.iat) &&
          Number.isFinite(claims.seen);
        return ok ? claims : undefined;
      } catch {
        return undefined;
      }
    },
    csrf: (sid) => b64(mac(csrfKey, sid)),
    csrfMatches(sid, sent) {
      if (!sent) return false;
      const expected = Buffer.from(b64(mac(csrfKey, sid)));
      const given = Buffer.from(sent);
      return given.length === expected.length && timingSafeEqual(given, expected);
    },
    sealTransaction: (tx) => seal(txKey, 'oidc-transaction v1', tx),
    openTransaction(value) {
      const tx = open(txKey, 'oidc-transaction v1', value) as OidcTransaction | undefined;
      return tx && typeof tx.id === 'string' && typeof tx.state === 'string' && typeof tx.nonce === 'string' && typeof tx.verifier === 'string' && Number.isFinite(tx.exp)
        ? tx
        : undefined;
    },
    sealLink: (payload) => seal(linkKey, 'sign-in-link v1', payload),
    openLink(token) {
      const payload = open(linkKey, 'sign-in-link v1', token);
      return payload && typeof payload === 'object' && !Array.isArray(payload) ? (payload as Record<string, unknown>) : undefined;
    },
  };
}
