/**
 * `serve` waits for a database that cannot be reached instead of exiting: a
 * restart, a failover or a database container that starts after the
 * receiver passes by itself. The primary of `--workers N` waits before it
 * forks, each worker (also a replacement started during an outage) before
 * it listens, and so does the single process; workers already listening keep
 * answering meanwhile (`/readyz` and posts 503 with `Retry-After`).
 *
 * Waiting is only for "cannot reach the database right now". An answer the
 * database gave about us cannot change by waiting, and stops the start with
 * one line (a `ReceiverStartError`, exit 1):
 *
 * - reached later: the connection refused, reset or timed out, a host name
 *   that does not resolve (yet: a container not started), and the server
 *   saying it is starting up, shutting down, in recovery, out of connection
 *   slots or read-only (a failover in progress): SQLSTATE classes 08, 53, 40
 *   and 57P01-57P03, 55P03, 25006;
 * - never by waiting: authentication or an unknown role (class 28), a
 *   database that does not exist (3D000), missing privileges (42501), a schema
 *   newer than this receiver, TLS refused, and any other error PostgreSQL
 *   names with a code.
 *
 * An error without a code, or with one of Node's own `ERR_` codes, is a bug
 * rather than the database's answer: it is thrown as it is, stack and all.
 * SQLite is never waited for: its file is there or it is not.
 */
import { openStore, ReceiverStartError } from './open.js';
import type { ReceiverConfig } from '../cli/options.js';
import type { RecordStore } from './store.js';

/** Waits between attempts: doubling from the first to the cap, each shortened by up to a fifth so that many processes spread out. */
export const STORE_RETRY = { firstMs: 500, maxMs: 5_000 } as const;

const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'EHOSTDOWN',
  'ENETUNREACH', 'ENETDOWN', 'EADDRNOTAVAIL', 'EAI_AGAIN', 'ENOTFOUND',
  '57P01', '57P02', '57P03', '55P03', '25006',
]);
const UNREACHABLE_CLASSES = ['08', '53', '40'];
// pg's own errors for a connection that timed out or died, which carry no code.
const UNREACHABLE_MESSAGE = /^(Connection terminated|timeout expired|timeout exceeded when trying to connect|Client has encountered a connection error)/;

const codeOf = (error: unknown): string | undefined => {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
};

/** True when `error` means the database cannot be reached now, and trying again later may work. */
export function unreachable(error: unknown): boolean {
  const code = codeOf(error);
  if (code && (UNREACHABLE_CODES.has(code) || (/^[0-9A-Z]{5}$/.test(code) && UNREACHABLE_CLASSES.includes(code.slice(0, 2))))) return true;
  // Both address families refused (localhost): Node reports each in an AggregateError.
  if (error instanceof AggregateError) return error.errors.length > 0 && error.errors.every(unreachable);
  return UNREACHABLE_MESSAGE.test((error as Error | null)?.message ?? '');
}

const oneLine = (error: unknown) => String((error as Error | null)?.message ?? error).replace(/\s+/g, ' ').trim();

/**
 * Opens the configured store; while the database cannot be reached, tries
 * again (`STORE_RETRY`), saying so once when it starts waiting and once when
 * the database answers. `who` begins those lines (a worker names itself).
 */
export async function openStoreWhenReachable(
  config: Pick<ReceiverConfig, 'dataDir' | 'databaseUrl'>,
  { who = 'receiver', retry = STORE_RETRY }: { who?: string; retry?: { firstMs: number; maxMs: number } } = {},
): Promise<RecordStore> {
  if (!config.databaseUrl) return openStore(config);
  let delay = retry.firstMs;
  let waiting = false;
  for (;;) {
    try {
      const store = await openStore(config);
      if (waiting) console.error(`${who}: database reachable again`);
      return store;
    } catch (error) {
      if (error instanceof ReceiverStartError) throw error;
      if (!unreachable(error)) {
        const code = codeOf(error);
        if (!code || code.startsWith('ERR_')) throw error; // ours, not the database's: a bug, with its stack
        throw new ReceiverStartError(`PostgreSQL refused the start: ${oneLine(error)} (${code}); check DATABASE_URL and the database`);
      }
      if (!waiting) {
        console.error(`${who}: database unreachable (${oneLine(error)}); retrying, at most every ${retry.maxMs / 1000} s, until it answers`);
        waiting = true;
      }
      await new Promise((resolve) => setTimeout(resolve, delay * (1 - Math.random() / 5)));
      delay = Math.min(delay * 2, retry.maxMs);
    }
  }
}
