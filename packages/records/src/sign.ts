/**
 * Signing records as compact JWS (RFC 7515) over their RFC 8785 canonical
 * JSON. WebCrypto only, no JOSE library (see jws.ts): runs in browsers, Node
 * and edge runtimes alike.
 */
import { canonicalJson } from './canonical.js';
import { b64urlDecode, compactSign, ES256, jwkThumbprint, publicJwk, utf8, type PublicJwk } from './jws.js';
import { PrivacyRecord, type UnsignedRecord } from './schemas.js';
import { isCalendarTimestamp } from './timestamp.js';

/** What a signer tells about its key. */
export interface SignerKey {
  /** False when the key lives only as long as the page (no IndexedDB). */
  persistent: boolean;
  /** RFC 7638 thumbprint of `jwk` (ES256), or a name the verifier knows the secret by (HS256). */
  kid?: string;
  /** The public key, put in the JWS header so anyone can verify (ES256 only). */
  jwk?: PublicJwk;
}

/** Something that signs records: the device key in browsers, a shared secret on servers. */
export interface Signer {
  readonly alg: 'ES256' | 'HS256';
  /** Resolves the key (creating it on first use). */
  key(): Promise<SignerKey>;
  /** Signs the JWS signing input; for ES256 the raw 64-byte r||s signature. */
  sign(data: Uint8Array<ArrayBuffer>): Promise<Uint8Array>;
}

/** A WebCrypto key handle, named through the one global every runtime has (`crypto`), not a lib's type name. */
export type KeyHandle = Parameters<typeof crypto.subtle.sign>[1];

/** Thrown by `signRecord` for a record the schemas refuse: it would be rejected anyway. */
export class InvalidRecordError extends Error {
  constructor(readonly issues: readonly { path: readonly PropertyKey[]; message: string }[]) {
    super(`Invalid record: ${issues.map((i) => `${i.path.join('.') || '(root)'} ${i.message}`).join(', ')}`);
    this.name = 'InvalidRecordError';
  }
}

/**
 * Signs a record. Sets `signer.persistent` from the signer, validates the
 * result against the schemas (throwing `InvalidRecordError`), and returns the
 * JWS with the exact record it holds. Header: `{ alg, jwk, kid }` for ES256,
 * `{ alg, kid? }` for HS256.
 */
export async function signRecord<R extends UnsignedRecord>(
  record: R,
  signer: Signer,
): Promise<{ jws: string; record: R & { signer: { persistent: boolean } } }> {
  const key = await signer.key();
  const signed = { ...record, signer: { persistent: key.persistent } };
  const checked = PrivacyRecord.safeParse(signed);
  if (!checked.success) throw new InvalidRecordError(checked.error.issues);
  // The schema's pattern cannot know month lengths; the server refuses 31 November too.
  if (!isCalendarTimestamp(checked.data.issuedAt)) throw new InvalidRecordError([{ path: ['issuedAt'], message: 'invalid-format' }]);
  const header =
    signer.alg === 'ES256'
      ? { alg: 'ES256', jwk: key.jwk, kid: key.kid }
      : { alg: 'HS256', ...(key.kid ? { kid: key.kid } : {}) };
  const payload = canonicalJson(signed);
  const jws = await compactSign(header, utf8(payload), (input) => signer.sign(input));
  // The record as signed, read back from the payload: no `undefined` members
  // (left out of JSON) that a caller's copy would have and the server's not.
  return { jws, record: JSON.parse(payload) as R & { signer: { persistent: boolean } } };
}

/**
 * An ES256 signer with a key that lives as long as this signer: a new
 * non-extractable P-256 key pair made on first use. For servers and tests
 * that sign as a device would; a browser keeps its key with `deviceSigner`
 * (`@optimesys/privacy-widgets`), so that later records come from the same key.
 */
export function keySigner(): Signer {
  let made: Promise<{ privateKey: KeyHandle; jwk: PublicJwk; kid: string }> | undefined;
  const load = () => (made ??= generateSigningKey());
  return {
    alg: 'ES256',
    async key() {
      const { kid, jwk } = await load();
      return { persistent: false, kid, jwk };
    },
    async sign(data) {
      return new Uint8Array(await crypto.subtle.sign(ES256, (await load()).privateKey, data));
    },
  };
}

/** A new non-extractable P-256 key pair: script can sign with it but never read the private key out. */
export async function generateSigningKey(): Promise<{ privateKey: KeyHandle; jwk: PublicJwk; kid: string }> {
  const pair = await crypto.subtle.generateKey(ES256, false, ['sign', 'verify']);
  const jwk = publicJwk(await crypto.subtle.exportKey('jwk', pair.publicKey));
  return { privateKey: pair.privateKey, jwk, kid: await jwkThumbprint(jwk) };
}

/**
 * HS256 with a shared secret, for trusted server-side code only (a secret in
 * a page is no secret). `secret`: raw bytes or a base64url string of at least
 * 32 bytes. `kid` names the secret for the verifier.
 */
export function hmacSigner(secret: Uint8Array<ArrayBuffer> | string, options: { kid?: string } = {}): Signer {
  const bytes = typeof secret === 'string' ? b64urlDecode(secret) : secret;
  if (bytes.length < 32) throw new RangeError('An HS256 secret needs at least 32 bytes');
  const key = crypto.subtle.importKey('raw', bytes, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return {
    alg: 'HS256',
    key: async () => ({ persistent: true, ...(options.kid ? { kid: options.kid } : {}) }),
    sign: async (data) => new Uint8Array(await crypto.subtle.sign('HMAC', await key, data)),
  };
}
