/**
 * The browser's own signing key for records, kept in IndexedDB: what makes a
 * withdrawal provably come from the browser that gave the consent.
 */
import { ES256, type PublicJwk } from '@optimesys/privacy-records/jws';
import { generateSigningKey, type Signer } from '@optimesys/privacy-records/sign';
import { openDb, type Db } from './idb.js';

interface StoredKey {
  privateKey: CryptoKey;
  jwk: PublicJwk;
  kid: string;
  createdAt: string;
}

const isStoredKey = (value: unknown): value is StoredKey =>
  !!value && typeof value === 'object' && (value as StoredKey).privateKey instanceof CryptoKey && typeof (value as StoredKey).kid === 'string';

async function generateKey(): Promise<StoredKey> {
  return { ...(await generateSigningKey()), createdAt: new Date().toISOString() };
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

