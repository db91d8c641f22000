/**
 * What the webhook sender needs from a store, and an in-memory queue that
 * implements it (for tests and for embedding without a database; it loses
 * everything on exit, so the receiver's stores implement the same contract
 * in SQLite and PostgreSQL).
 *
 * Contract for a store-backed queue:
 * - One row per (message, endpoint): `enqueue` is called inside the same
 *   transaction that stores the record, confirmation, withdrawal or closure,
 *   so an event is queued exactly when it happened. The same delivery id again
 *   is ignored (INSERT … ON CONFLICT DO NOTHING): a retried transaction queues nothing twice.
 * - `claim(now, limit, leaseMs)` returns up to `limit` rows with
 *   `state = 'pending' AND next_attempt_at <= now AND (leased_until IS NULL OR leased_until <= now)`,
 *   oldest `next_attempt_at` first, and sets `leased_until = now + leaseMs` in
 *   the same statement (PostgreSQL: `FOR UPDATE SKIP LOCKED`; SQLite: one
 *   `UPDATE … RETURNING` in an immediate transaction). A sender that dies
 *   mid-attempt leaves a lease that simply expires: the row is sent again
 *   (at least once; consumers deduplicate by `webhook-id`).
 * - `delivered`, `failed`, `gaveUp` update one row by id and clear its lease.
 *   `failed` sets `attempts`, `next_attempt_at` and `last_error`; `gaveUp`
 *   sets `state = 'failed'`; `delivered` sets `state = 'delivered'`.
 * - `listFailed()` backs `privacy-receiver webhooks --failed`; `retry(ids?)`
 *   backs `--retry`: it sets given-up rows back to pending, `attempts = 0`,
 *   `next_attempt_at = now` (same message id and body: consumers still deduplicate).
 *
 * Suggested table: `privacy_webhook_deliveries(id TEXT PRIMARY KEY, message_id TEXT,
 * endpoint TEXT, type TEXT, body TEXT, state TEXT, attempts INT, next_attempt_at,
 * leased_until, last_status INT, last_error TEXT, created_at, delivered_at)`,
 * index on `(state, next_attempt_at)`. `body` is stored as sent: it is what
 * gets signed, so it must never be re-serialized.
 */
import { createHash } from 'node:crypto';
import type { WebhookMessage } from './events.js';

/** One message bound for one endpoint. */
export interface WebhookDelivery {
  /** Unique per (message, endpoint); see `deliveryId`. */
  id: string;
  /** The `webhook-id`: the same for every attempt and every endpoint. */
  messageId: string;
  endpoint: string;
  type: string;
  /** The JSON body exactly as it will be signed and sent. */
  body: string;
  /** Attempts made so far (0 before the first). */
  attempts: number;
}

export interface FailedDelivery extends WebhookDelivery {
  lastError: string;
  failedAt: Date;
}

export interface WebhookQueue {
  enqueue(deliveries: readonly WebhookDelivery[], now: Date): Promise<void>;
  claim(now: Date, limit: number, leaseMs: number): Promise<WebhookDelivery[]>;
  delivered(id: string, update: { attempts: number; at: Date; status: number }): Promise<void>;
  failed(id: string, update: { attempts: number; nextAttemptAt: Date; error: string; status?: number }): Promise<void>;
  gaveUp(id: string, update: { attempts: number; at: Date; error: string; status?: number }): Promise<void>;
  listFailed(): Promise<FailedDelivery[]>;
  /** Puts given-up deliveries (all, or those ids) back in the queue; returns how many. */
  retry(now: Date, ids?: readonly string[]): Promise<number>;
}

/**
 * `dlv_` + a hash of the message id and the endpoint URL: keyed by the URL
 * itself, not its position in WEBHOOK_URL, so reordering the list changes no id.
 */
export const deliveryId = (messageId: string, endpoint: string): string =>
  `dlv_${createHash('sha256').update(`${messageId}\n${endpoint}`, 'utf8').digest('base64url').slice(0, 26)}`;

/** The rows to enqueue for one message: one per configured endpoint. */
export function deliveriesFor(message: WebhookMessage, endpoints: readonly string[]): WebhookDelivery[] {
  return endpoints.map((endpoint) => ({
    id: deliveryId(message.id, endpoint),
    messageId: message.id,
    endpoint,
    type: message.type,
    body: message.body,
    attempts: 0,
  }));
}

interface Row extends WebhookDelivery {
  state: 'pending' | 'delivered' | 'failed';
  nextAttemptAt: number;
  leasedUntil: number;
  lastError?: string;
  lastStatus?: number;
  doneAt?: number;
}

/** The in-memory queue. `rows` is exposed for tests. */
export function memoryWebhookQueue(): WebhookQueue & { rows: Map<string, Row> } {
  const rows = new Map<string, Row>();
  const row = (id: string) => {
    const found = rows.get(id);
    if (!found) throw new Error(`No webhook delivery ${id}`);
    return found;
  };
  return {
    rows,
    async enqueue(deliveries, now) {
      for (const d of deliveries) {
        if (!rows.has(d.id)) rows.set(d.id, { ...d, state: 'pending', nextAttemptAt: +now, leasedUntil: 0 });
      }
    },
    async claim(now, limit, leaseMs) {
      // First due rows in insertion order (a store orders by next_attempt_at; here any due row will do).
      const due: Row[] = [];
      for (const r of rows.values()) {
        if (due.length >= limit) break;
        if (r.state === 'pending' && r.nextAttemptAt <= +now && r.leasedUntil <= +now) due.push(r);
      }
      for (const r of due) r.leasedUntil = +now + leaseMs;
      return due.map(({ id, messageId, endpoint, type, body, attempts }) => ({ id, messageId, endpoint, type, body, attempts }));
    },
    async delivered(id, { attempts, at, status }) {
      Object.assign(row(id), { state: 'delivered', attempts, leasedUntil: 0, lastStatus: status, doneAt: +at });
    },
    async failed(id, { attempts, nextAttemptAt, error, status }) {
      Object.assign(row(id), { attempts, nextAttemptAt: +nextAttemptAt, leasedUntil: 0, lastError: error, lastStatus: status });
    },
    async gaveUp(id, { attempts, at, error, status }) {
      Object.assign(row(id), { state: 'failed', attempts, leasedUntil: 0, lastError: error, lastStatus: status, doneAt: +at });
    },
    async listFailed() {
      return [...rows.values()]
        .filter((r) => r.state === 'failed')
        .map(({ id, messageId, endpoint, type, body, attempts, lastError, doneAt }) => ({
          id, messageId, endpoint, type, body, attempts, lastError: lastError ?? '', failedAt: new Date(doneAt ?? 0),
        }));
    },
    async retry(now, ids) {
      let count = 0;
      for (const r of rows.values()) {
        if (r.state !== 'failed' || (ids && !ids.includes(r.id))) continue;
        Object.assign(r, { state: 'pending', attempts: 0, nextAttemptAt: +now, leasedUntil: 0 });
        count++;
      }
      return count;
    },
  };
}
