/**
 * The loop that drains the mail queue. The queue lives in the store (queued
 * in the same transaction as the record), so the loop holds nothing that a
 * crash or a restart could lose: it claims due mails with a lease, sends
 * them, and reports each outcome back. Store-agnostic: the SQLite and
 * PostgreSQL stores implement `MailQueue`; `memory-queue.ts` is the reference.
 *
 * Once, while every process runs: no process claims a mail while another is still within its lease
 * sending it. A round claims up to `batchSize` mails under one lease and sends them one after the
 * other, so every send that starts must end inside that lease, whatever the SMTP server's pace:
 * - A send starts only while the lease has at least the transport's `timeoutMs` left (the longest a
 *   send takes: the transport abandons it by then) plus a tenth of the lease, for the clocks of other
 *   instances, a timer firing late in a busy process and the outcome's write.
 * - When less is left, the mails of the batch not yet sent get a fresh lease, all in one conditional
 *   statement (`renew`): only those whose lease is still the one this process set, so a mail another
 *   process claimed meanwhile is dropped from the batch, never sent.
 * - Mails claimed but not started when stop() comes are released by the same statement (lease
 *   cleared: due again at once for another process, no attempt counted).
 * - The lease must be at least twice the transport's timeout, or a fresh lease could not start a
 *   send: checked at start.
 *
 * Why renewal and not the other ways to keep a lease: claiming one mail at a time, or renewing
 * before each send, costs a store round trip (and on SQLite a commit) per mail on the path whose
 * CPU per record the receiver's benchmark measures; a batch sized to what should fit in the lease
 * only guesses the next send's time, so it needs the start check all the same, and what did not fit
 * would wait out the lease. Here a server answering at its usual pace costs one comparison per mail
 * and nothing in the store (ten mails go long before their lease runs short); a slow one costs one
 * statement per stretch of (lease − timeout − lease/10) of sending, for the whole rest of the batch.
 */
import type { MailSendError, MailTransport, OutgoingMail } from './transport.js';

/** A mail the queue handed out for one delivery attempt. */
export interface QueuedMail {
  id: string;
  message: OutgoingMail;
  /** Delivery attempts before this one (0 on the first). */
  attempts: number;
  /** When it was queued (with its record): a mail too old to be useful is given up. */
  queuedAt: Date;
}

/**
 * What the sender needs from a store. Semantics the store must give:
 * - `claim(now, limit, leaseUntil)`: atomically picks at most `limit` mails
 *   that are not sent, not given up, due (`nextAttemptAt <= now`) and not
 *   leased (`leasedUntil` null or `<= now`), oldest due first; sets their
 *   `leasedUntil = leaseUntil` and returns them with their `attempts` so far.
 *   Two processes claiming at once never get the same mail (PostgreSQL:
 *   `FOR UPDATE SKIP LOCKED`; SQLite: one `UPDATE … RETURNING` in a write
 *   transaction). A process that dies mid-send leaves the lease to run out,
 *   so the mail goes out once more at most.
 * - `renew(ids, leasedUntil, until)`: in one statement, sets `leasedUntil = until` on those of `ids`
 *   whose `leasedUntil` is still exactly `leasedUntil` (so not sent, not given up, not claimed by
 *   another since); `until` null releases them (claimable at once, attempts unchanged). Returns the
 *   ids it changed.
 * - `sent(id, at, messageId)`: marks it sent, clears the lease. Never claimed again.
 * - `failed(id, nextAttemptAt, error)`: `attempts + 1`, the error text, the
 *   next due time, clears the lease.
 * - `gaveUp(id, error)`: `attempts + 1`, marks it given up (kept for audit), clears the lease.
 */
export interface MailQueue {
  claim(now: Date, limit: number, leaseUntil: Date): Promise<QueuedMail[]>;
  renew(ids: readonly string[], leasedUntil: Date, until: Date | null): Promise<string[]>;
  sent(id: string, at: Date, messageId: string): Promise<void>;
  failed(id: string, nextAttemptAt: Date, error: string): Promise<void>;
  gaveUp(id: string, error: string): Promise<void>;
}

const ids = (mails: readonly QueuedMail[]) => mails.map((mail) => mail.id);

export interface BackoffOptions {
  /** Delay after the first failure (ms). */
  baseMs: number;
  /** Longest delay between attempts (ms). */
  capMs: number;
  /** 0–1: how much of each delay is random, so many receivers do not retry in lockstep after an outage. */
  jitter: number;
  /** A mail older than this is given up: its confirmation link has expired by then. */
  maxAgeMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = {
  baseMs: 30_000,
  capMs: 60 * 60 * 1000,
  jitter: 0.5,
  maxAgeMs: 7 * 86_400_000,
};

/** Delay before the next attempt after `failures` failures: base·2^(failures−1), capped, minus up to `jitter` of it. */
export function backoffDelay(failures: number, options: BackoffOptions = DEFAULT_BACKOFF, random = Math.random): number {
  const exponential = options.baseMs * 2 ** Math.max(0, Math.min(failures - 1, 40));
  const delay = Math.min(options.capMs, exponential);
  return Math.round(delay * (1 - options.jitter * random()));
}

export interface MailSenderOptions {
  queue: MailQueue;
  /** Without `timeoutMs` (a stand-in in tests), a send is taken to last at most half the lease. */
  transport: Pick<MailTransport, 'send'> & Partial<Pick<MailTransport, 'timeoutMs'>>;
  backoff?: Partial<BackoffOptions>;
  /** How often to look for due mail when the queue was empty (ms). */
  intervalMs?: number;
  /** Mails claimed per round. */
  batchSize?: number;
  /** How long a claim (or a renewal) holds a mail (ms), default 5 min: at least twice the transport's `timeoutMs`. */
  leaseMs?: number;
  now?: () => Date;
  random?: () => number;
  /** Where failures are reported; the loop itself never throws. */
  log?: (message: string, error?: unknown) => void;
}

export interface MailSender {
  /** Looks for due mail now (call after queuing one) instead of at the next interval. */
  wake(): void;
  /** Stops claiming; resolves once the mail in flight has been sent and reported. */
  stop(): Promise<void>;
}

export function startMailSender(options: MailSenderOptions): MailSender {
  const backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
  const intervalMs = options.intervalMs ?? 5000;
  const batchSize = options.batchSize ?? 10;
  const leaseMs = options.leaseMs ?? 5 * 60 * 1000;
  const sendMs = options.transport.timeoutMs ?? leaseMs / 2;
  if (!(sendMs <= leaseMs / 2)) {
    throw new TypeError(`The mail lease (${leaseMs} ms) must be at least twice the transport's timeout (${sendMs} ms): a send must end well inside its lease`);
  }
  /** A send starts only while this much of its lease is left (see the header). */
  const startWithin = sendMs + leaseMs / 10;
  const now = options.now ?? (() => new Date());
  const random = options.random ?? Math.random;
  const log = options.log ?? ((message: string, error?: unknown) => console.error(`[mail] ${message}`, error ?? ''));

  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let again = false;

  /**
   * Sends one mail; resolves once it went (or failed), with the promise of its outcome being
   * recorded: the next mail need not wait for that, and a batch's outcomes share one commit.
   */
  async function deliver(mail: QueuedMail): Promise<{ recorded: Promise<void> }> {
    let messageId: string;
    try {
      ({ messageId } = await options.transport.send(mail.message));
    } catch (caught) {
      return { recorded: failedAttempt(mail, caught) };
    }
    const recorded = options.queue.sent(mail.id, now(), messageId).catch((storeError: unknown) => {
      // Sent but not recorded: when the lease runs out it goes once more. Never
      // reported as a failed send, which would retry it on a schedule.
      log(`mail ${mail.id} was sent (${messageId}) but could not be marked sent`, storeError);
    });
    return { recorded };
  }

  async function failedAttempt(mail: QueuedMail, caught: unknown): Promise<void> {
    const error = caught as Partial<MailSendError>;
    const text = String(error?.message ?? caught);
    const failures = mail.attempts + 1;
    const tooOld = now().getTime() - mail.queuedAt.getTime() >= backoff.maxAgeMs;
    try {
      if (error?.retryable === false || tooOld) {
        log(`gave up mail ${mail.id} after ${failures} attempt(s): ${text}`);
        await options.queue.gaveUp(mail.id, text);
      } else {
        const next = new Date(now().getTime() + backoffDelay(failures, backoff, random));
        log(`mail ${mail.id} attempt ${failures} failed, next at ${next.toISOString()}: ${text}`);
        await options.queue.failed(mail.id, next, text);
      }
    } catch (storeError) {
      // The lease runs out and the mail is claimed again: delayed, not lost.
      log(`could not record the outcome of mail ${mail.id}`, storeError);
    }
  }

  /** Claimed but not started when stop() came: due again at once for another process, no attempt counted. */
  async function release(mails: QueuedMail[], leasedUntil: Date): Promise<void> {
    await options.queue.renew(ids(mails), leasedUntil, null).catch((error: unknown) => {
      log(`could not release ${mails.length} mail(s); their lease will run out`, error);
    });
  }

  /**
   * A fresh lease for the mails of a batch not sent yet, in one statement. Undefined when there is
   * none to have: the store failed or answered too late to start a send; the mails wait out their
   * lease, then this or another process claims them (no attempt counted).
   */
  async function renew(mails: QueuedMail[], leasedUntil: Date): Promise<{ mails: QueuedMail[]; leasedUntil: Date } | undefined> {
    const until = new Date(now().getTime() + leaseMs);
    let renewed: string[];
    try {
      renewed = await options.queue.renew(ids(mails), leasedUntil, until);
    } catch (error) {
      log(`could not renew the lease of ${mails.length} mail(s); they go once it has run out`, error);
      return undefined;
    }
    const held = new Set(renewed);
    const lost = mails.filter((mail) => !held.has(mail.id));
    // Not in normal running: the lease had run out and another process claimed them. Theirs to send now.
    if (lost.length) log(`the lease of mail ${ids(lost).join(', ')} went to another process; not sent here`);
    if (until.getTime() - now().getTime() < startWithin) {
      log(`the store took too long to renew the lease of ${held.size} mail(s); they go once it has run out`);
      return undefined;
    }
    return { mails: mails.filter((mail) => held.has(mail.id)), leasedUntil: until };
  }

  async function round(): Promise<void> {
    let full = true;
    // Drain while rounds come back full; then wait for the interval or a wake().
    while (full && !stopped) {
      let batch: QueuedMail[] = [];
      let leasedUntil: Date;
      try {
        const at = now();
        leasedUntil = new Date(at.getTime() + leaseMs);
        batch = await options.queue.claim(at, batchSize, leasedUntil);
      } catch (error) {
        log('could not claim mail', error);
        return;
      }
      full = batch.length === batchSize;
      // One at a time: a confirmation mail is small, and an SMTP server under load should not get a burst.
      const recorded: Promise<void>[] = [];
      let waiting = batch;
      for (let next = 0; next < waiting.length; ) {
        if (stopped) {
          await Promise.all(recorded);
          await release(waiting.slice(next), leasedUntil);
          return;
        }
        if (leasedUntil.getTime() - now().getTime() < startWithin) {
          const renewed = await renew(waiting.slice(next), leasedUntil);
          if (!renewed) {
            full = false; // the store is in trouble: no claim right away
            break;
          }
          ({ mails: waiting, leasedUntil } = renewed);
          next = 0;
          continue;
        }
        recorded.push((await deliver(waiting[next++]!)).recorded);
      }
      // Every outcome recorded before the next claim.
      await Promise.all(recorded);
    }
  }

  function schedule(delay: number): void {
    if (stopped) return;
    clearTimeout(timer);
    timer = setTimeout(tick, delay);
    timer.unref?.();
  }

  function tick(): void {
    if (stopped) return;
    if (running) {
      again = true; // a wake() during a round: run once more right after it
      return;
    }
    running = round()
      .catch((error: unknown) => log('mail round failed', error))
      .finally(() => {
        running = undefined;
        const rerun = again;
        again = false;
        schedule(rerun ? 0 : intervalMs);
      });
  }

  schedule(0);
  return {
    wake: () => schedule(0),
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
