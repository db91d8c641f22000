/**
 * Standard Webhooks signing (https://www.standardwebhooks.com, spec 1.0.0),
 * symmetric scheme only: HMAC-SHA256 over `${id}.${timestamp}.${body}` with a
 * `whsec_` + base64 secret, sent as `webhook-signature: v1,<base64>`. Written
 * on node:crypto so the receiver needs no runtime dependency; the tests verify
 * every signature with the spec's own `standardwebhooks` package.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';

const PREFIX = 'whsec_';
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** A parsed signing secret: the raw key bytes. */
export type WebhookKey = Buffer;

/**
 * Reads a `whsec_…` secret. The spec asks for 24 to 64 random bytes (192 to 512
 * bits); anything shorter or not base64 is refused here, at start-up, rather
 * than producing signatures no consumer can check.
 */
export function parseWebhookSecret(secret: string): WebhookKey {
  if (typeof secret !== 'string' || !secret.startsWith(PREFIX)) {
    throw new TypeError('WEBHOOK_SECRET must start with "whsec_" (Standard Webhooks secret format)');
  }
  const text = secret.slice(PREFIX.length);
  const key = Buffer.from(text, 'base64');
  if (!BASE64.test(text) || key.toString('base64').replace(/=+$/, '') !== text.replace(/=+$/, '')) {
    throw new TypeError('WEBHOOK_SECRET must be "whsec_" followed by base64');
  }
  if (key.length < 24 || key.length > 64) {
    throw new TypeError(`WEBHOOK_SECRET must hold 24 to 64 bytes (it holds ${key.length})`);
  }
  return key;
}

/** A new random secret (32 bytes), in the spec's `whsec_` format. */
export function createWebhookSecret(): string {
  return PREFIX + randomBytes(32).toString('base64');
}

/**
 * The `webhook-signature` value for one attempt: one `v1,<base64>` per key,
 * space-separated. Several keys allow rotation without downtime: sign with the
 * new and the old secret until every consumer has the new one.
 */
export function signWebhook(keys: WebhookKey | readonly WebhookKey[], id: string, timestamp: number, body: string): string {
  if (id.includes('.') || !Number.isInteger(timestamp)) {
    // A `.` in the id would make `${id}.${timestamp}.${body}` ambiguous (the spec forbids it).
    throw new TypeError('A webhook id must not contain "." and the timestamp must be whole seconds');
  }
  const list = Array.isArray(keys) ? keys : [keys as WebhookKey];
  const content = `${id}.${timestamp}.${body}`;
  return list.map((key) => `v1,${createHmac('sha256', key).update(content, 'utf8').digest('base64')}`).join(' ');
}

/**
 * The three headers of one delivery attempt. The timestamp is the attempt's,
 * not the event's: consumers refuse timestamps older than a few minutes
 * (replay protection), so every retry is signed again with a fresh one, under
 * the same `webhook-id`.
 */
export function webhookHeaders(
  keys: WebhookKey | readonly WebhookKey[],
  id: string,
  body: string,
  now: number = Date.now(),
): Record<'webhook-id' | 'webhook-timestamp' | 'webhook-signature' | 'content-type', string> {
  const timestamp = Math.floor(now / 1000);
  return {
    'content-type': 'application/json',
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': signWebhook(keys, id, timestamp, body),
  };
}

/**
 * A message id, `msg_` + 26 base64url characters of SHA-256 over the event's
 * type and key (e.g. `consent.granted` and the record id). Deterministic, so an
 * event queued twice (a retried transaction) keeps one id and consumers that
 * deduplicate by `webhook-id` see it once.
 */
export function webhookMessageId(type: string, key: string): string {
  return `msg_${createHash('sha256').update(`${type}\n${key}`, 'utf8').digest('base64url').slice(0, 26)}`;
}
