import type { PrivacyRecord, Receipt } from '@optimesys/privacy-records/schemas';

/** Where signed records go. `send` resolves with the server's receipt or throws an `AdapterError`. */
export interface BackendAdapter {
  send(jws: string, record: PrivacyRecord): Promise<Receipt>;
}

/** The server's typed error body, `{ error: { code, message } }` (or the fields at top level). */
export interface ServerError {
  code: string;
  message: string;
}

/**
 * Why a send failed. `retry`: try again later, the record is fine (offline,
 * timeout, 5xx, 408, 429). `rejected`: the backend refused this record (other
 * 4xx); sending it again would not help.
 */
export class AdapterError extends Error {
  /**
   * `retryAfterMs`: how long the backend asked to be left alone (`Retry-After`
   * on a 429 or 503); the outbox waits at least that long.
   */
  constructor(
    readonly kind: 'retry' | 'rejected',
    readonly error: ServerError,
    readonly status?: number,
    readonly retryAfterMs?: number,
  ) {
    super(error.message);
    this.name = 'AdapterError';
  }

  get code(): string {
    return this.error.code;
  }
}

/** The longest wait a `Retry-After` may ask for (an hour); the outbox still retries when the browser comes online. */
export const MAX_RETRY_AFTER_MS = 3_600_000;

/**
 * A `Retry-After` header (delay in seconds or an HTTP date) as milliseconds
 * from `now`, capped at an hour; undefined when absent or unreadable.
 */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  const ms = /^\d+$/.test(text) ? Number(text) * 1000 : Date.parse(text) - now;
  if (Number.isNaN(ms)) return undefined;
  return Math.min(MAX_RETRY_AFTER_MS, Math.max(0, ms));
}

/** Retry or rejection by HTTP status (no status: the request never got an answer). */
export function kindOfStatus(status: number | undefined): AdapterError['kind'] {
  if (status === undefined || status >= 500 || status === 408 || status === 429) return 'retry';
  return status >= 400 ? 'rejected' : 'retry';
}
