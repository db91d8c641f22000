/**
 * The mail queue and the confirmations in SQLite (better-sqlite3), for the
 * SQLite store to adopt: `SQLITE_MAIL_SCHEMA` goes into its migrations, and
 * `enqueue` is called inside the transaction that stores the record, so the
 * record and its mail commit together or not at all.
 *
 * Times are ISO 8601 UTC text (`toISOString`), as in the records table: they
 * compare correctly as strings.
 */
import type Database from 'better-sqlite3';
import type { EnqueueInput, EnqueueResult, MailCap } from './memory-queue.js';
import { DEFAULT_MAIL_CAP } from './memory-queue.js';
import type { MailQueue, QueuedMail } from './sender.js';

export const SQLITE_MAIL_SCHEMA = `
CREATE TABLE IF NOT EXISTS mail_queue (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL,
  record_id TEXT,
  address_key TEXT NOT NULL,
  message TEXT NOT NULL,
  queued_at TEXT NOT NULL,
  next_attempt_at TEXT NOT NULL,
  leased_until TEXT,
  attempts INTEGER NOT NULL DEFAULT 0,
  last_error TEXT,
  sent_at TEXT,
  message_id TEXT,
  gave_up_at TEXT
);
CREATE INDEX IF NOT EXISTS mail_queue_due ON mail_queue (next_attempt_at) WHERE sent_at IS NULL AND gave_up_at IS NULL;
CREATE INDEX IF NOT EXISTS mail_queue_cap ON mail_queue (address_key, kind, queued_at);
CREATE TABLE IF NOT EXISTS confirmations (
  record_id TEXT PRIMARY KEY,
  confirmed_at TEXT NOT NULL,
  token_id TEXT NOT NULL
);
-- A confirmation is evidence, like the record it confirms: never changed or removed.
CREATE TRIGGER IF NOT EXISTS confirmations_no_update BEFORE UPDATE ON confirmations BEGIN SELECT RAISE(ABORT, 'confirmations are append-only'); END;
CREATE TRIGGER IF NOT EXISTS confirmations_no_delete BEFORE DELETE ON confirmations BEGIN SELECT RAISE(ABORT, 'confirmations are append-only'); END;
`;

interface ClaimedRow {
  id: number;
  message: string;
  attempts: number;
  queued_at: string;
  next_attempt_at: string;
}

export interface SqliteMailQueue extends MailQueue {
  /** Queues a mail unless the per-address cap is reached; synchronous, for use inside the record's transaction. */
  enqueue(input: EnqueueInput, now?: Date): EnqueueResult;
  isConfirmed(recordId: string): boolean;
  /** Appends the confirmation once; `already` when the record has one (the primary key decides). */
  confirm(recordId: string, at: Date, tokenId: string): 'confirmed' | 'already';
}

export function sqliteMailQueue(db: Database.Database, cap: MailCap = DEFAULT_MAIL_CAP): SqliteMailQueue {
  const recent = db.prepare<[string, string], { n: number }>(
    `SELECT count(*) AS n FROM mail_queue WHERE kind = 'confirm' AND address_key = ? AND queued_at > ?`,
  );
  const insert = db.prepare(
    `INSERT INTO mail_queue (kind, record_id, address_key, message, queued_at, next_attempt_at)
     VALUES (@kind, @record_id, @address_key, @message, @at, @at)`,
  );
  // One statement: the write lock makes it atomic across processes sharing the file.
  const claim = db.prepare<{ now: string; lease: string; limit: number }, ClaimedRow>(
    `UPDATE mail_queue SET leased_until = @lease
     WHERE id IN (
       SELECT id FROM mail_queue
       WHERE sent_at IS NULL AND gave_up_at IS NULL AND next_attempt_at <= @now
         AND (leased_until IS NULL OR leased_until <= @now)
       ORDER BY next_attempt_at, id LIMIT @limit)
     RETURNING id, message, attempts, queued_at, next_attempt_at`,
  );
  const sent = db.prepare(
    `UPDATE mail_queue SET sent_at = ?, message_id = ?, leased_until = NULL, attempts = attempts + 1 WHERE id = ?`,
  );
  const failed = db.prepare(
    `UPDATE mail_queue SET next_attempt_at = ?, last_error = ?, leased_until = NULL, attempts = attempts + 1 WHERE id = ?`,
  );
  const gaveUp = db.prepare(
    `UPDATE mail_queue SET gave_up_at = ?, last_error = ?, leased_until = NULL, attempts = attempts + 1 WHERE id = ?`,
  );
  const confirmed = db.prepare<[string], { n: number }>('SELECT count(*) AS n FROM confirmations WHERE record_id = ?');
  const addConfirmation = db.prepare(
    'INSERT INTO confirmations (record_id, confirmed_at, token_id) VALUES (?, ?, ?) ON CONFLICT (record_id) DO NOTHING',
  );

  // Count and insert in one transaction (a savepoint inside the caller's):
  // two records for one address cannot both pass the cap.
  const enqueue = db.transaction((input: EnqueueInput, now: Date): EnqueueResult => {
    if (input.kind === 'confirm') {
      const since = new Date(now.getTime() - cap.windowMs).toISOString();
      if (recent.get(input.addressKey, since)!.n >= cap.max) return { queued: false, reason: 'cap' };
    }
    const result = insert.run({
      kind: input.kind,
      record_id: input.recordId ?? null,
      address_key: input.addressKey,
      message: JSON.stringify(input.message),
      at: now.toISOString(),
    });
    return { queued: true, id: String(result.lastInsertRowid) };
  });

  return {
    enqueue: (input, now = new Date()) => enqueue.immediate(input, now),
    async claim(now, limit, leaseUntil): Promise<QueuedMail[]> {
      const rows = claim.all({ now: now.toISOString(), lease: leaseUntil.toISOString(), limit });
      // RETURNING gives no order: restore the claim order.
      rows.sort((a, b) => a.next_attempt_at.localeCompare(b.next_attempt_at) || a.id - b.id);
      return rows.map((r) => ({ id: String(r.id), message: JSON.parse(r.message), attempts: r.attempts, queuedAt: new Date(r.queued_at) }));
    },
    async sent(id, at, messageId) {
      sent.run(at.toISOString(), messageId, Number(id));
    },
    async failed(id, nextAttemptAt, error) {
      failed.run(nextAttemptAt.toISOString(), error.slice(0, 2000), Number(id));
    },
    async gaveUp(id, error) {
      gaveUp.run(new Date().toISOString(), error.slice(0, 2000), Number(id));
    },
    isConfirmed: (recordId) => confirmed.get(recordId)!.n > 0,
    confirm: (recordId, at, tokenId) =>
      addConfirmation.run(recordId, at.toISOString(), tokenId).changes === 1 ? 'confirmed' : 'already',
  };
}
