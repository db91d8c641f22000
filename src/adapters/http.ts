import { Receipt } from '@optimesys/privacy-records/schemas';
import { AdapterError, kindOfStatus, parseRetryAfter, type BackendAdapter, type ServerError } from './types.js';

export interface HttpAdapterOptions {
  /** URL the records are POSTed to, e.g. `/api/records`. */
  endpoint: string | URL;
  /** Extra request headers (e.g. an API key for a site's own backend). */
  headers?: Record<string, string>;
  /** Give up waiting after this long and retry later (default 15 s). */
  timeoutMs?: number;
}

async function serverError(response: Response): Promise<ServerError> {
  const fallback = { code: `http-${response.status}`, message: response.statusText || `HTTP ${response.status}` };
  try {
    const body = (await response.json()) as { error?: Partial<ServerError> } & Partial<ServerError>;
    const error = body.error ?? body;
    return typeof error.code === 'string' ? { code: error.code, message: String(error.message ?? '') } : fallback;
  } catch {
    return fallback;
  }
}

/**
 * POSTs each signed record as `application/jose`, without cookies, and reads
 * the countersigned receipt. A 2xx without a valid receipt for this record
 * resolves as `unconfirmed` (accepted, but nothing proves it). Failures throw
 * `AdapterError`: network errors, timeouts, 5xx, 408 and 429 are `retry`
 * (with the server's `Retry-After`, if any), other 4xx `rejected`.
 */
export function httpAdapter(options: HttpAdapterOptions): BackendAdapter {
  const timeoutMs = options.timeoutMs ?? 15_000;
  return {
    async send(jws, record) {
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), timeoutMs);
      const sentAt = new Date().toISOString();
      let response: Response;
      try {
        response = await fetch(options.endpoint, {
          method: 'POST',
          body: jws,
          headers: { ...options.headers, 'content-type': 'application/jose', accept: 'application/json' },
          credentials: 'omit',
          cache: 'no-store',
          // A host form that navigates away right after submitting must not cancel the send.
          keepalive: jws.length < 60_000,
          signal: controller.signal,
        });
      } catch (error) {
        const timedOut = controller.signal.aborted;
        throw new AdapterError('retry', {
          code: timedOut ? 'timeout' : 'network',
          message: timedOut ? `No answer in ${timeoutMs} ms` : String((error as Error)?.message ?? error),
        });
      } finally {
        clearTimeout(timer);
      }
      if (!response.ok) {
        const kind = kindOfStatus(response.status);
        const retryAfterMs = kind === 'retry' ? parseRetryAfter(response.headers.get('retry-after')) : undefined;
        throw new AdapterError(kind, await serverError(response), response.status, retryAfterMs);
      }
      const parsed = Receipt.safeParse(await response.json().catch(() => undefined));
      if (parsed.success && parsed.data.recordId === record.id) return parsed.data;
      return { recordId: record.id, status: 'unconfirmed', sentAt, via: 'http' };
    },
  };
}
