/**
 * An in-memory `MailQueue`: for tests, and the reference for what the SQLite
 * and PostgreSQL stores must do (see `MailQueue` in `sender.ts`), including
 * the per-address cap on confirmation mails, which the stores count in the
 * same transaction that stores the record and queues its mail.
 */
import type { MailQueue, QueuedMail } from './sender.js';
import type { OutgoingMail } from './transport.js';

/** One queue row, as a store would keep it. */
export interface MailRow {
  id: string;
  message: OutgoingMail;
  /** Key the cap counts by: the keyed address hash (`LinkTokens.addressHash`), so the row needs no plain address index. */
  addressKey: string;
  /** What the mail is for, e.g. `confirm`; only `confirm` mails count towards the cap. */
  kind: string;
  /** The record it belongs to. */
  recordId?: string;
  queuedAt: Date;
  nextAttemptAt: Date;
  leasedUntil: Date | null;
  attempts: number;
  lastError: string | null;
  sentAt: Date | null;
  messageId: string | null;
  gaveUpAt: Date | null;
}

import { DEFAULT_MAIL_CAP, type MailCap } from './caps.js';

export interface EnqueueInput {
  message: OutgoingMail;
  addressKey: string;
  kind: string;
  recordId?: string;
}

export type EnqueueResult = { queued: true; id: string } | { queued: false; reason: 'cap' };

export interface MemoryMailQueue extends MailQueue {
  rows: MailRow[];
  /**
   * Queues a mail unless the cap is reached: the cap counts every `confirm`
   * mail queued for the address in the window, sent or not, given up or not
   * (a cap on what was sent would let a flood queue up and go out later).
   * Over the cap the record is still stored, it only stays unconfirmed.
   */
  enqueue(input: EnqueueInput, now?: Date): EnqueueResult;
  /** Test hook: makes the next `count` queue calls throw, as a store that is down would. */
  failNext(count: number): void;
}

export function createMemoryMailQueue(cap: MailCap = DEFAULT_MAIL_CAP): MemoryMailQueue {
  const rows: MailRow[] = [];
  let failures = 0;
  let sequence = 0;
  const maybeFail = () => {
    if (failures > 0) {
      failures--;
      throw new Error('store unavailable (test)');
    }
  };
  const row = (id: string) => {
    const found = rows.find((r) => r.id === id);
    if (!found) throw new Error(`No queued mail ${id}`);
    return found;
  };

  return {
    rows,
    failNext(count) {
      failures = count;
    },
    enqueue(input, now = new Date()) {
      if (input.kind === 'confirm') {
        const since = now.getTime() - cap.windowMs;
        const recent = rows.filter((r) => r.kind === 'confirm' && r.addressKey === input.addressKey && r.queuedAt.getTime() > since);
        if (recent.length >= cap.max) return { queued: false, reason: 'cap' };
      }
      const id = `mail-${++sequence}`;
      rows.push({
        id,
        message: input.message,
        addressKey: input.addressKey,
        kind: input.kind,
        ...(input.recordId ? { recordId: input.recordId } : {}),
        queuedAt: now,
        nextAttemptAt: now,
        leasedUntil: null,
        attempts: 0,
        lastError: null,
        sentAt: null,
        messageId: null,
        gaveUpAt: null,
      });
      return { queued: true, id };
    },
    async claim(now, limit, leaseUntil): Promise<QueuedMail[]> {
      maybeFail();
      const due = rows
        .filter(
          (r) =>
            !r.sentAt &&
            !r.gaveUpAt &&
            r.nextAttemptAt.getTime() <= now.getTime() &&
            (!r.leasedUntil || r.leasedUntil.getTime() <= now.getTime()),
        )
        .sort((a, b) => a.nextAttemptAt.getTime() - b.nextAttemptAt.getTime())
        .slice(0, limit);
      for (const r of due) r.leasedUntil = leaseUntil;
      return due.map((r) => ({ id: r.id, message: r.message, attempts: r.attempts, queuedAt: r.queuedAt }));
    },
    async renew(ids, leasedUntil, until) {
      maybeFail();
      const moved = rows.filter((r) => ids.includes(r.id) && r.leasedUntil?.getTime() === leasedUntil.getTime());
      for (const r of moved) r.leasedUntil = until;
      return moved.map((r) => r.id);
    },
    async sent(id, at, messageId) {
      maybeFail();
      Object.assign(row(id), { sentAt: at, messageId, leasedUntil: null, attempts: row(id).attempts + 1 });
    },
    async failed(id, nextAttemptAt, error) {
      maybeFail();
      Object.assign(row(id), { nextAttemptAt, lastError: error, leasedUntil: null, attempts: row(id).attempts + 1 });
    },
    async gaveUp(id, error) {
      maybeFail();
      Object.assign(row(id), { gaveUpAt: new Date(), lastError: error, leasedUntil: null, attempts: row(id).attempts + 1 });
    },
  };
}
