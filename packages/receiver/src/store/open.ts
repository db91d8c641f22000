/**
 * Opening what the receiver keeps on disk: the store (SQLite under the data
 * directory, or PostgreSQL) and the receipt signing key. The data directory
 * is private to the receiver's user (0700) and every file in it 0600,
 * whatever the umask.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { createServerKey, loadServerKey, type ServerKey } from '../records/countersign.js';
import type { ReceiverConfig } from '../cli/options.js';
import type { RecordStore } from './store.js';

/**
 * A start-up failure the operator has to fix (a corrupt key file, a missing
 * driver): its message is one line saying which file or package and what to
 * do; the CLI prints just that line and exits 1.
 */
export class ReceiverStartError extends Error {
  override name = 'ReceiverStartError';
}

/** Mode of the data directory and of every file the receiver writes into it. */
export const DIR_MODE = 0o700;
export const FILE_MODE = 0o600;

/** Creates `dir` (and missing parents) and makes it 0700, also when it already existed. */
export function privateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: DIR_MODE });
  chmodSync(dir, DIR_MODE); // mkdir's mode passes through the umask, and an existing directory keeps its own
}

/** Imports a store's driver, which is an optional dependency, with a clear message when it is missing. */
async function driver<T>(load: () => Promise<T>, name: string): Promise<T> {
  try {
    return await load();
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_MODULE_NOT_FOUND' && String(error).includes(name)) {
      throw new ReceiverStartError(`The receiver's store needs the "${name}" package: npm install ${name}`);
    }
    throw error;
  }
}

/**
 * Opens the configured store: PostgreSQL when a database URL is set, else
 * SQLite in `records.db` under the data directory (directory 0700; the
 * database, its `-wal` and `-shm` 0600).
 */
export async function openStore(config: Pick<ReceiverConfig, 'dataDir' | 'databaseUrl'>): Promise<RecordStore> {
  if (config.databaseUrl) {
    const { pgStore } = await driver(() => import('./pg-store.js'), 'pg');
    return pgStore(config.databaseUrl);
  }
  const { sqliteStore } = await driver(() => import('./sqlite-store.js'), 'better-sqlite3');
  privateDir(config.dataDir);
  return sqliteStore(join(config.dataDir, 'records.db'));
}

/** Flushes a directory entry (a created or renamed file) to disk; a no-op where directories cannot be opened. */
function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Windows cannot open a directory; its rename is durable enough there.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * Writes `text` to `file` atomically and without replacing an existing file:
 * a temporary file in the same directory (0600), written and fsynced, then
 * linked to its name (which fails if another process got there first) and
 * the directory fsynced. A crash leaves either no file or the whole file,
 * never an empty one. Returns false when `file` already existed.
 */
export function writeFileOnce(file: string, text: string, dir: string): boolean {
  const temp = join(dir, `.${randomBytes(6).toString('hex')}.tmp`);
  const fd = openSync(temp, 'wx', FILE_MODE);
  try {
    chmodSync(temp, FILE_MODE); // the umask may have taken bits away; never added any
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    try {
      linkSync(temp, file);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') return false;
      if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS') throw error;
      renameSync(temp, file); // a file system without hard links
    }
    fsyncDir(dir);
    return true;
  } finally {
    try {
      unlinkSync(temp);
    } catch {
      // already renamed
    }
  }
}

type FileKey = ServerKey & { secret: Uint8Array };

/**
 * The receiver's signing key, `receiver-key.json` beside the database
 * (mode 0600): created on first start, atomically. A key file that is empty
 * or not a private P-256 JWK stops the start with a `ReceiverStartError`
 * naming the file and what to do; it is never replaced silently, because
 * receipts already given were signed with it.
 */
export async function openServerKey(dataDir: string): Promise<FileKey> {
  privateDir(dataDir);
  const file = join(dataDir, 'receiver-key.json');
  try {
    chmodSync(file, FILE_MODE);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const existing = await readServerKey(dataDir);
  if (existing) return existing;
  writeFileOnce(file, JSON.stringify(await createServerKey()), dataDir);
  return (await readServerKey(dataDir))!;
}

/** The key in `receiver-key.json`, or undefined when there is none; read only (an audit never makes a key). */
export async function readServerKey(dataDir: string): Promise<FileKey | undefined> {
  const file = join(dataDir, 'receiver-key.json');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const jwk = JSON.parse(text) as Parameters<typeof loadServerKey>[0];
    // The private scalar also keys the mailed links' MAC (through HKDF): receivers sharing the key agree.
    return { ...(await loadServerKey(jwk)), secret: Buffer.from(jwk.d ?? '', 'base64url') };
  } catch (error) {
    const what = text.trim() === '' ? 'is empty' : `is not a private P-256 JWK (${(error as Error).message})`;
    throw new ReceiverStartError(
      `The receiver key file ${file} ${what}: restore it from a backup, or move it away to start with a new key (receipts signed with the old key then no longer verify against the published JWKS).`,
    );
  }
}
