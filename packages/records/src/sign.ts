/**
 * Signing records as compact JWS (RFC 7515) over their RFC 8785 canonical
 * JSON. Browser code: WebCrypto only, no JOSE library (see jws.ts).
 */
import { canonicalJson } from './canonical.js';
import { openDb, type Db } from './idb.js';
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

interface StoredKey {
  privateKey: CryptoKey;
  jwk: PublicJwk;
  kid: string;
  createdAt: string;
}

const isStoredKey = (value: unknown): value is StoredKey =>
  !!value && typeof value === 'object' && (value as StoredKey).privateKey instanceof CryptoKey && typeof (value as StoredKey).kid === 'string';

async function generateKey(): Promise<StoredKey> {
  // Non-extractable: script on the page can use the key but never read it out.
  const pair = await crypto.subtle.generateKey(ES256, false, ['sign', 'verify']);
  const jwk = publicJwk(await crypto.subtle.exportKey('jwk', pair.publicKey));
  return { privateKey: pair.privateKey, jwk, kid: await jwkThumbprint(jwk), createdAt: new Date().toISOString() };
}

async function loadDeviceKey(dbName?: string, factory?: IDBFactory | null): Promise<StoredKey & { persistent: boolean }> {
  let db: Db;
  try {
    db = await openDb(dbName, factory);
  } catch {
    return { ...(await generateKey()), persistent: false };
  }
  try {
    const existing = await db.get('keys', 'device');
    if (isStoredKey(existing)) return { ...existing, persistent: true };
    // Generate outside the transaction (it would auto-commit while awaiting
    // WebCrypto), then store it unless another tab stored one meanwhile.
    const stored = await db.getOrPut('keys', 'device', await generateKey(), isStoredKey);
    return { ...stored, persistent: true };
  } catch {
    return { ...(await generateKey()), persistent: false };
  } finally {
    db.close();
  }
}

export interface DeviceSignerOptions {
  /** Database name (tests use their own). */
  dbName?: string;
  /** IndexedDB to use; `null` simulates a browser without it. */
  indexedDB?: IDBFactory | null;
}

/**
 * The browser's own ES256 key: one non-extractable P-256 key pair per browser
 * profile and origin, kept in IndexedDB, created on first use and the same
 * after reloads, so later records (a withdrawal too) provably come from the
 * browser that made the earlier ones. Without IndexedDB the key lives only
 * as long as the page and records say `signer.persistent: false`.
 * Needs a secure context (HTTPS or localhost): WebCrypto exists only there.
 */
export function deviceSigner(options: DeviceSignerOptions = {}): Signer {
  let loaded: Promise<StoredKey & { persistent: boolean }> | undefined;
  const load = () => (loaded ??= loadDeviceKey(options.dbName, options.indexedDB));
  return {
    alg: 'ES256',
    async key() {
      const { persistent, kid, jwk } = await load();
      return { persistent, kid, jwk };
    },
    async sign(data) {
      const { privateKey } = await load();
      return new Uint8Array(await crypto.subtle.sign(ES256, privateKey, data));
    },
  };
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
