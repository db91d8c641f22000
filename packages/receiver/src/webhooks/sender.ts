/**
 * The webhook delivery loop, independent of the store: it claims due
 * deliveries from a `WebhookQueue` (see queue.ts for what a store must
 * provide), POSTs each one signed (Standard Webhooks), and records the outcome.
 *
 * - 2xx is delivered; anything else, a redirect (never followed), a timeout
 *   (15 s) or a network error is a failed attempt, retried on the spec's
 *   schedule with a little jitter, honouring `Retry-After`.
 * - Every attempt carries the same `webhook-id` and a fresh timestamp and signature.
 * - 410 Gone gives the message up at once: the spec reads it as "send no more".
 * - After the last scheduled attempt the delivery is given up and stays in the
 *   store for `privacy-receiver webhooks --failed` / `--retry`.
 * - Nothing escapes the loop: store or network errors go to `onError`, and the
 *   lease in the store makes an unrecorded outcome a later re-delivery, never a loss.
 * - Once, while every process runs: an attempt ends inside the lease its claim took, so no other
 *   process claims a delivery still being sent. Unlike the mail sender's batches this needs no
 *   renewal: a claim takes only as many deliveries as there are free slots and starts them all at
 *   once, and `timeoutMs` bounds an attempt as a whole (connecting, sending, waiting for the status).
 *   What it takes: a lease of at least twice the timeout (refused at start otherwise) and, should the
 *   claim itself have come back late (a store busy under load), no attempt started with less than
 *   the timeout plus a tenth of the lease left; such deliveries wait out their lease.
 */
import type { WebhookDelivery, WebhookQueue } from './queue.js';
import { nodePost, type Post } from './post.js';
import { parseWebhookSecret, webhookHeaders } from './sign.js';

const SECOND = 1000;
/** How long a freed slot waits for others before the next claim while a backlog lasts. */
const REFILL_MS = 5;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/**
 * Delays after each failed attempt: the Standard Webhooks example schedule
 * (spec 1.0.0, "Deliverability and reliability"): immediately, then 5 s, 5 min,
 * 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h: ten attempts over about 3 days.
 */
export const STANDARD_RETRY_SCHEDULE: readonly number[] = [
  5 * SECOND, 5 * MINUTE, 30 * MINUTE, 2 * HOUR, 5 * HOUR, 10 * HOUR, 14 * HOUR, 20 * HOUR, 24 * HOUR,
];

export interface WebhookSenderOptions {
  queue: WebhookQueue;
  /** `whsec_…`; several sign each message with each (secret rotation), the first being the current one. */
  secret: string | readonly string[];
  /** Default: node:http(s) with a keep-alive agent (`post.ts`), which reads and fails as fetch does. */
  fetch?: typeof fetch;
  /** Delays in ms after attempt 1, 2, …; one attempt more than entries. Default `STANDARD_RETRY_SCHEDULE`. */
  schedule?: readonly number[];
  /** Per attempt, until the response status arrives; default 15 s (the spec recommends 15 to 30 s). */
  timeoutMs?: number;
  /** How often the queue is polled when nothing woke the sender; default 1 s. */
  pollMs?: number;
  /** Deliveries in flight at once; default 8. */
  concurrency?: number;
  /** Lease taken on each claimed delivery; default 2 × timeout + 30 s, at least 2 × timeout, so a live attempt never loses its lease. */
  leaseMs?: number;
  /** Random extra delay, as a fraction of the scheduled one (spec: add jitter); default 0.1. */
  jitter?: number;
  /** Longest `Retry-After` honoured; default 24 h. */
  maxRetryAfterMs?: number;
  now?: () => number;
  /** Store errors and other failures of the loop itself; default `console.error`. */
  onError?: (error: unknown) => void;
  /** Each attempt's outcome (metrics, logs). */
  onAttempt?: (outcome: AttemptOutcome) => void;
}

export interface AttemptOutcome {
  delivery: WebhookDelivery;
  attempt: number;
  result: 'delivered' | 'retry' | 'gave-up';
  status?: number;
  error?: string;
  nextAttemptAt?: Date;
}

export interface WebhookSender {
  /** Claim due deliveries now (call after enqueueing, so the first attempt is immediate). */
  wake(): void;
  /** Stops claiming and resolves once every delivery in flight has finished and been recorded. */
  stop(): Promise<void>;
}

/** Seconds or an HTTP date, in ms from `now`; undefined when absent or unreadable. */
function retryAfterMs(value: string | null, now: number): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * SECOND;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function describe(error: unknown, timeoutMs: number): string {
  const e = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError') return `timeout after ${timeoutMs} ms`;
  return e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(error);
}

export function startWebhookSender(options: WebhookSenderOptions): WebhookSender {
  const { queue } = options;
  // Parsed at start: a bad secret is a configuration error to see at once, not at the first event.
  const keys = (typeof options.secret === 'string' ? [options.secret] : [...options.secret]).map(parseWebhookSecret);
  if (!keys.length) throw new TypeError('A webhook secret is required');
  // node:http with a keep-alive agent unless a fetch is given (tests, a proxy-aware one).
  const own = options.fetch ? undefined : nodePost();
  const send: Post = options.fetch ?? own!.post;
  const schedule = options.schedule ?? STANDARD_RETRY_SCHEDULE;
  const timeoutMs = options.timeoutMs ?? 15 * SECOND;
  const pollMs = options.pollMs ?? SECOND;
  const concurrency = Math.max(1, options.concurrency ?? 8);
  const leaseMs = options.leaseMs ?? 2 * timeoutMs + 30 * SECOND;
  if (!(timeoutMs <= leaseMs / 2)) {
    throw new TypeError(`The webhook lease (${leaseMs} ms) must be at least twice the timeout (${timeoutMs} ms): an attempt must end well inside its lease`);
  }
  /** An attempt starts only while this much of its lease is left (see the header). */
  const startWithin = timeoutMs + leaseMs / 10;
  const jitter = options.jitter ?? 0.1;
  const maxRetryAfterMs = options.maxRetryAfterMs ?? 24 * HOUR;
  const now = options.now ?? Date.now;
  const report = options.onError ?? ((error: unknown) => console.error('[webhooks]', error));

  const inFlight = new Set<Promise<void>>();
  /**
   * Outcomes being written: the slot is free once the endpoint answered (the lease keeps the delivery
   * from being claimed again meanwhile), so outcomes that arrive together share the store's commit.
   */
  const recording = new Set<Promise<void>>();
  const record = (written: Promise<void>, then: () => void) => {
    const done: Promise<void> = written
      .then(then)
      .catch(report)
      .finally(() => recording.delete(done));
    recording.add(done);
  };
  let stopping = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let ticking: Promise<void> | undefined;
  let again = false;
  let backlog = false;

  async function attempt(delivery: WebhookDelivery): Promise<void> {
    const attempts = delivery.attempts + 1;
    let status: number | undefined;
    let error: string;
    let wait: number | undefined;
    try {
      const response = await send(delivery.endpoint, {
        method: 'POST',
        headers: webhookHeaders(keys, delivery.messageId, delivery.body, now()),
        body: delivery.body,
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
      });
      status = response.status;
      await response.body?.cancel().catch(() => undefined); // the answer's content is never used
      if (status >= 200 && status < 300) {
        record(queue.delivered(delivery.id, { attempts, at: new Date(now()), status }), () =>
          options.onAttempt?.({ delivery, attempt: attempts, result: 'delivered', status }),
        );
        return;
      }
      error = `HTTP ${status}`;
      wait = retryAfterMs(response.headers.get('retry-after'), now());
    } catch (e) {
      error = describe(e, timeoutMs);
    }
    if (status === 410 || attempts > schedule.length) {
      const reason = status === 410 ? 'HTTP 410: the endpoint asked for no more messages' : `${error} (attempt ${attempts}, schedule exhausted)`;
      record(queue.gaveUp(delivery.id, { attempts, at: new Date(now()), error: reason, status }), () =>
        options.onAttempt?.({ delivery, attempt: attempts, result: 'gave-up', status, error: reason }),
      );
      return;
    }
    let delay = schedule[attempts - 1]! * (1 + jitter * Math.random());
    if (wait !== undefined) delay = Math.max(delay, Math.min(wait, maxRetryAfterMs));
    const nextAttemptAt = new Date(now() + delay);
    record(queue.failed(delivery.id, { attempts, nextAttemptAt, error, status }), () =>
      options.onAttempt?.({ delivery, attempt: attempts, result: 'retry', status, error, nextAttemptAt }),
    );
  }

  async function tick(): Promise<void> {
    const free = concurrency - inFlight.size;
    if (stopping || free <= 0) return;
    let batch: WebhookDelivery[];
    const claimedAt = now();
    try {
      batch = await queue.claim(new Date(claimedAt), free, leaseMs);
    } catch (error) {
      report(error);
      return;
    }
    backlog = batch.length === free;
    if (batch.length && claimedAt + leaseMs - now() < startWithin) {
      // Too little of the lease left to be sure an attempt ends inside it: none started, no attempt counted.
      report(new Error(`the claim of ${batch.length} webhook deliveries came back too late to send them; they go once their lease has run out`));
      return;
    }
    for (const delivery of batch) {
      const running: Promise<void> = attempt(delivery)
        .catch(report)
        .finally(() => {
          inFlight.delete(running);
          // A full batch means more may be due: claim again once a slot frees, after a moment in which
          // others free too, so that one claim (one store commit) takes several.
          if (backlog) later(REFILL_MS);
        });
      inFlight.add(running);
    }
  }

  function run(): void {
    if (ticking) {
      again = true;
      return;
    }
    ticking = tick()
      .catch(report)
      .finally(() => {
        ticking = undefined;
        if (again) {
          again = false;
          later(0);
        } else later(pollMs);
      });
  }

  function later(ms: number): void {
    if (stopping) return;
    clearTimeout(timer);
    timer = setTimeout(run, ms);
    timer.unref?.(); // the host server, not this timer, keeps a receiver process alive
  }

  later(0);
  return {
    wake: () => later(0),
    async stop() {
      stopping = true;
      clearTimeout(timer);
      await ticking;
      await Promise.allSettled([...inFlight]);
      await Promise.allSettled([...recording]);
      own?.close();
    },
  };
}
