import type { PrivacyRecord, Receipt } from '@optimesys/privacy-records/schemas';
import { AdapterError, type BackendAdapter } from './types.js';

/** One record the memory adapter accepted. */
export interface MemoryEntry {
  jws: string;
  record: PrivacyRecord;
  receipt: Receipt;
}

export interface MemoryAdapter extends BackendAdapter {
  /** Every accepted send, in order (duplicates included, so tests can count deliveries). */
  readonly received: MemoryEntry[];
  /** The next `count` sends fail with a `retry` error (as if offline), or `status` (e.g. 503). */
  failNext(count: number, status?: number, retryAfterMs?: number): void;
  /** The next `count` sends are refused as `rejected` with `code` (default `bad-schema`, 400). */
  rejectNext(count: number, code?: string): void;
}

/**
 * An in-page backend for tests and stories: keeps what it receives and answers
 * with a receipt (`stored`, or `duplicate` for an id seen before). Its receipt
 * JWS is a placeholder, not a signature: nothing here is proof.
 */
export function memoryAdapter(): MemoryAdapter {
  const received: MemoryEntry[] = [];
  const seen = new Set<string>();
  let failures = 0;
  let failStatus: number | undefined;
  let failRetryAfter: number | undefined;
  let rejections = 0;
  let rejectCode = 'bad-schema';
  return {
    received,
    failNext(count, status, retryAfterMs) {
      failures = count;
      failStatus = status;
      failRetryAfter = retryAfterMs;
    },
    rejectNext(count, code = 'bad-schema') {
      rejections = count;
      rejectCode = code;
    },
    async send(jws, record) {
      if (failures > 0) {
        failures--;
        throw new AdapterError('retry', { code: failStatus ? `http-${failStatus}` : 'network', message: 'memoryAdapter: failing as told' }, failStatus, failRetryAfter);
      }
      if (rejections > 0) {
        rejections--;
        throw new AdapterError('rejected', { code: rejectCode, message: 'memoryAdapter: rejecting as told' }, 400);
      }
      const now = new Date();
      const receipt: Receipt = {
        recordId: record.id,
        status: seen.has(record.id) ? 'duplicate' : 'stored',
        receivedAt: now.toISOString(),
        ...(record.type === 'data-request' ? { dueBy: oneMonthLater(now) } : {}),
        receipt: 'bWVtb3J5.bm90LXNpZ25lZA.bm9uZQ',
      };
      seen.add(record.id);
      received.push({ jws, record, receipt });
      return receipt;
    },
  };
}

/** The same day next month, or that month's last day (as a receiver counts GDPR Art. 12(3)). */
function oneMonthLater(date: Date): string {
  const next = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1));
  const lastDay = new Date(Date.UTC(next.getUTCFullYear(), next.getUTCMonth() + 1, 0)).getUTCDate();
  next.setUTCDate(Math.min(date.getUTCDate(), lastDay));
  return next.toISOString().slice(0, 10);
}
