/**
 * The mail queue and the confirmations in PostgreSQL, for the PostgreSQL
 * store to adopt: `PG_MAIL_SCHEMA` goes into its migrations, and `enqueue`
 * runs on the client of the transaction that stores the record. Several
 * receivers share the database: claims use `FOR UPDATE SKIP LOCKED`, and the
 * per-address cap is counted under a transaction-scoped advisory lock on the
 * address key, so two records for one address cannot both pass it.
 */
import type pg from 'pg';
import type { EnqueueInput, EnqueueResult, MailCap } from './memory-queue.js';
import { DEFAULT_MAIL_CAP } from './memory-queue.js';
import type { MailQueue, QueuedMail } from './sender.js';
import type { OutgoingMail } from './transport.js';

export const PG_MAIL_SCHEMA = `
CREATE TABLE IF NOT EXISTS privacy_mail_queue (
  id BIGSERIAL PRIMARY KEY,
  kind TEXT NOT NULL,
  record_id UUID,
  address_key TEXT NOT NULL,
  message JSONB NOT NULL,
  queued_at TIMESTAMPTZ NOT NULL,
  next_attempt_at TIMESTAMPTZ NOT NULL,
  leased_until TIMESTAMPTZ,
  attempts INTEGER NOT NULL DEFAULT 0,
  last_error TEXT,
  sent_at TIMESTAMPTZ,
  message_id TEXT,
  gave_up_at TIMESTAMPTZ
);
CREATE INDEX IF NOT EXISTS privacy_mail_queue_due ON privacy_mail_queue (next_attempt_at) WHERE sent_at IS NULL AND gave_up_at IS NULL;
CREATE INDEX IF NOT EXISTS privacy_mail_queue_cap ON privacy_mail_queue (address_key, kind, queued_at);
CREATE TABLE IF NOT EXISTS privacy_confirmations (
  record_id UUID PRIMARY KEY,
  confirmed_at TIMESTAMPTZ NOT NULL,
  token_id TEXT NOT NULL
);
CREATE OR REPLACE FUNCTION privacy_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$;
DO $$ BEGIN
  CREATE TRIGGER privacy_confirmations_append_only BEFORE UPDATE OR DELETE ON privacy_confirmations
    FOR EACH ROW EXECUTE FUNCTION privacy_append_only();
EXCEPTION WHEN duplicate_object THEN NULL; END $$;
`;

export interface PgMailQueue extends MailQueue {
  /**
   * Queues a mail unless the cap is reached. `client` must be inside a
   * transaction (the record's): the advisory lock is held until it ends.
   */
  enqueue(client: pg.ClientBase, input: EnqueueInput, now?: Date): Promise<EnqueueResult>;
  isConfirmed(recordId: string): Promise<boolean>;
  /** Appends the confirmation once; `already` when the record has one (the primary key decides). */
  confirm(recordId: string, at: Date, tokenId: string): Promise<'confirmed' | 'already'>;
}

interface ClaimedRow {
  id: string;
  message: OutgoingMail;
  attempts: number;
  queued_at: Date;
  next_attempt_at: Date;
}

export function pgMailQueue(pool: pg.Pool, cap: MailCap = DEFAULT_MAIL_CAP): PgMailQueue {
  return {
    async enqueue(client, input, now = new Date()) {
      if (input.kind === 'confirm') {
        // Serializes enqueues for one address across every receiver until this transaction ends.
        await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 12))', [input.addressKey]);
        const { rows } = await client.query<{ n: string }>(
          `SELECT count(*) AS n FROM privacy_mail_queue WHERE kind = 'confirm' AND address_key = $1 AND queued_at > $2`,
          [input.addressKey, new Date(now.getTime() - cap.windowMs)],
        );
        if (Number(rows[0]!.n) >= cap.max) return { queued: false, reason: 'cap' };
      }
      const { rows } = await client.query<{ id: string }>(
        `INSERT INTO privacy_mail_queue (kind, record_id, address_key, message, queued_at, next_attempt_at)
         VALUES ($1, $2, $3, $4, $5, $5) RETURNING id`,
        [input.kind, input.recordId ?? null, input.addressKey, JSON.stringify(input.message), now],
      );
      return { queued: true, id: rows[0]!.id };
    },
    async claim(now, limit, leaseUntil): Promise<QueuedMail[]> {
      const { rows } = await pool.query<ClaimedRow>(
        `UPDATE privacy_mail_queue q SET leased_until = $2
         FROM (SELECT id FROM privacy_mail_queue
               WHERE sent_at IS NULL AND gave_up_at IS NULL AND next_attempt_at <= $1
                 AND (leased_until IS NULL OR leased_until <= $1)
               ORDER BY next_attempt_at, id LIMIT $3
               FOR UPDATE SKIP LOCKED) due
         WHERE q.id = due.id
         RETURNING q.id, q.message, q.attempts, q.queued_at, q.next_attempt_at`,
        [now, leaseUntil, limit],
      );
      rows.sort((a, b) => a.next_attempt_at.getTime() - b.next_attempt_at.getTime() || Number(a.id) - Number(b.id));
      return rows.map((r) => ({ id: r.id, message: r.message, attempts: r.attempts, queuedAt: r.queued_at }));
    },
    async sent(id, at, messageId) {
      await pool.query(
        'UPDATE privacy_mail_queue SET sent_at = $1, message_id = $2, leased_until = NULL, attempts = attempts + 1 WHERE id = $3',
        [at, messageId, id],
      );
    },
    async failed(id, nextAttemptAt, error) {
      await pool.query(
        'UPDATE privacy_mail_queue SET next_attempt_at = $1, last_error = $2, leased_until = NULL, attempts = attempts + 1 WHERE id = $3',
        [nextAttemptAt, error.slice(0, 2000), id],
      );
    },
    async gaveUp(id, error) {
      await pool.query(
        'UPDATE privacy_mail_queue SET gave_up_at = now(), last_error = $1, leased_until = NULL, attempts = attempts + 1 WHERE id = $2',
        [error.slice(0, 2000), id],
      );
    },
    async isConfirmed(recordId) {
      const { rows } = await pool.query('SELECT 1 FROM privacy_confirmations WHERE record_id = $1', [recordId]);
      return rows.length > 0;
    },
    async confirm(recordId, at, tokenId) {
      const { rowCount } = await pool.query(
        'INSERT INTO privacy_confirmations (record_id, confirmed_at, token_id) VALUES ($1, $2, $3) ON CONFLICT (record_id) DO NOTHING',
        [recordId, at, tokenId],
      );
      return rowCount === 1 ? 'confirmed' : 'already';
    },
  };
}
