import type { PrivacyRecord, Receipt } from '../records/schemas.js';

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
  constructor(
    readonly kind: 'retry' | 'rejected',
    readonly error: ServerError,
    readonly status?: number,
  ) {
    super(error.message);
    this.name = 'AdapterError';
  }

  get code(): string {
    return this.error.code;
  }
}

/** Retry or rejection by HTTP status (no status: the request never got an answer). */
export function kindOfStatus(status: number | undefined): AdapterError['kind'] {
  if (status === undefined || status >= 500 || status === 408 || status === 429) return 'retry';
  return status >= 400 ? 'rejected' : 'retry';
}
