/**
 * WEBHOOK_URL and WEBHOOK_SECRET, read and checked once at start-up so a
 * typo fails the start, not the first delivery days later.
 */
import { parseWebhookSecret } from './sign.js';

export interface WebhookSettings {
  /** Endpoint URLs, in the order given, without duplicates. */
  endpoints: string[];
  /** `whsec_` secrets: the first signs as the current one; more (space-separated) during a rotation. */
  secrets: string[];
  /** Not fatal, worth a log line: plain-HTTP endpoints beyond this machine. */
  warnings: string[];
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * `undefined` when no WEBHOOK_URL is set (webhooks off). Throws a TypeError
 * naming the variable for a URL that is not http(s), or a missing or
 * malformed secret.
 */
export function webhookSettings(env: { WEBHOOK_URL?: string; WEBHOOK_SECRET?: string }): WebhookSettings | undefined {
  const list = (env.WEBHOOK_URL ?? '').split(',').map((u) => u.trim()).filter(Boolean);
  if (!list.length) return undefined;
  const endpoints: string[] = [];
  const warnings: string[] = [];
  for (const text of list) {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw new TypeError(`WEBHOOK_URL: ${JSON.stringify(text)} is not a URL`);
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new TypeError(`WEBHOOK_URL: ${text} must be http or https`);
    // The signature protects integrity, not confidentiality: personal data in clear text leaves the machine.
    if (url.protocol === 'http:' && !LOOPBACK.has(url.hostname)) warnings.push(`WEBHOOK_URL: ${url.origin} is plain HTTP; messages hold e-mail addresses`);
    if (!endpoints.includes(url.href)) endpoints.push(url.href);
  }
  const secrets = (env.WEBHOOK_SECRET ?? '').split(/\s+/).filter(Boolean);
  if (!secrets.length) throw new TypeError('WEBHOOK_SECRET is required when WEBHOOK_URL is set (whsec_ + base64, e.g. from createWebhookSecret())');
  for (const secret of secrets) parseWebhookSecret(secret);
  return { endpoints, secrets, warnings };
}
