/**
 * Standard Webhooks from the receiver: every stored record, confirmation and
 * request closure becomes one message per endpoint, queued in the store's job
 * queue in the same transaction as what caused it, and delivered by the
 * webhook sender with the spec's retry schedule.
 */
import type { ConsentRecord, DataRequest } from '@optimesys/privacy-records/schemas';
import { consentConfirmedEvent, linkWithdrawalEvent, requestClosedEvent, requestConfirmedEvent, requestReceivedEvent, restorationEvent } from './builders.js';
import { consentRecordEvents, type WebhookMessage } from './events.js';
import { deliveriesFor, type FailedDelivery, type WebhookDelivery, type WebhookQueue } from './queue.js';
import { startWebhookSender, type WebhookSender, type WebhookSenderOptions } from './sender.js';
import type { Background } from '../http/background.js';
import type { Job, JobQueue, NewJob, StoredRecord } from '../store/store.js';

export interface WebhookOptions {
  endpoints: readonly string[];
  /** `whsec_…`; several during a rotation, the first being the current one. */
  secret: string | readonly string[];
  /** Sender settings (tests: a short schedule). */
  sender?: Partial<Omit<WebhookSenderOptions, 'queue' | 'secret'>>;
}

/** The delivery a job carries, under the job's id: the sender reports each outcome by it (the payload's `dlv_` id names no row). */
const delivery = (job: Job): WebhookDelivery => ({ ...(job.payload as unknown as WebhookDelivery), id: job.id, attempts: job.attempts });

/** The store's job queue as the webhook sender sees it (kind `webhook`, one job per delivery). */
export function webhookQueue(store: JobQueue, defer: () => boolean = () => false): WebhookQueue {
  return {
    async enqueue() {
      throw new Error('webhook deliveries are queued with the event that raised them (store.put, addEvent, closeRequest)');
    },
    async claim(now, limit, leaseMs) {
      if (defer()) return [];
      return (await store.claimJobs('webhook', now, limit, new Date(now.getTime() + leaseMs))).map(delivery);
    },
    // Lazy: outcomes that arrive together share one commit; a crash before it sends them once more.
    delivered: (id, { at, status }) => store.jobDone(id, at, `HTTP ${status}`, true),
    failed: (id, { nextAttemptAt, error }) => store.jobFailed(id, nextAttemptAt, error, true),
    gaveUp: (id, { at, error }) => store.jobGaveUp(id, at, error, true),
    async listFailed(): Promise<FailedDelivery[]> {
      return (await store.jobs({ kind: 'webhook', gaveUp: true })).map((job) => ({
        ...delivery(job),
        lastError: job.lastError ?? '',
        failedAt: new Date(job.gaveUpAt!),
      }));
    },
    async retry(now, ids) {
      const failed = ids ?? (await store.jobs({ kind: 'webhook', gaveUp: true })).map((j) => j.id);
      let n = 0;
      for (const id of failed) if (await store.retryJob(id, now)) n++;
      return n;
    },
  };
}

/** The jobs for webhook messages: one per endpoint, the delivery (body as it will be signed) as payload. */
export function webhookJobs(messages: readonly WebhookMessage[], endpoints: readonly string[], about: { email?: string; recordId?: string }): NewJob[] {
  return messages.flatMap((message) =>
    deliveriesFor(message, endpoints).map((d) => ({ kind: 'webhook' as const, payload: { ...d }, ...about })),
  );
}

const storedRequest = (row: StoredRecord) => ({
  record: row.record as unknown as DataRequest,
  jws: row.jws,
  kid: row.kid,
  receivedAt: row.receivedAt,
  dueBy: row.dueBy ?? '',
});
const storedConsent = (row: StoredRecord) => ({ record: row.record as unknown as ConsentRecord, jws: row.jws, kid: row.kid, receivedAt: row.receivedAt });

/** Messages for a newly stored record: `consent.granted` / `consent.withdrawn`, or `request.received`. */
export function recordMessages(row: StoredRecord): WebhookMessage[] {
  return row.type === 'consent' ? consentRecordEvents(storedConsent(row)) : [requestReceivedEvent(storedRequest(row))];
}

/** Messages for a confirmation from a mailed link. */
export function confirmationMessages(row: StoredRecord, confirmedAt: string): WebhookMessage[] {
  return row.type === 'consent' ? [consentConfirmedEvent(storedConsent(row), confirmedAt)] : [requestConfirmedEvent(storedRequest(row), confirmedAt)];
}

/** Messages for a closed data request. */
export function closureMessages(row: StoredRecord, closure: { closedAt: string; note: string }): WebhookMessage[] {
  return [requestClosedEvent(row.record as unknown as DataRequest, closure, row.kid)];
}

export interface Webhooks {
  jobsFor(row: StoredRecord): NewJob[];
  confirmationJobs(row: StoredRecord, confirmedAt: string): NewJob[];
  /** `consent.withdrawn` with channel `one-click`, for a withdrawal the receiver recorded. */
  withdrawalJobs(withdrawal: { id: string; email: string; receivedAt: string; purposes: { purpose: string; dpv: string; text: string }[] }): NewJob[];
  /** `consent.restored`, for what the owner turned back on from a withdrawal notice. */
  restorationJobs(restoration: Parameters<typeof restorationEvent>[0]): NewJob[];
  queued(): void;
  stop(): Promise<void>;
}

export function webhooks(store: JobQueue, options: WebhookOptions, load?: Background): Webhooks {
  const sender: WebhookSender = startWebhookSender({ ...options.sender, queue: webhookQueue(store, load?.defer), secret: options.secret });
  load?.onIdle(() => sender.wake());
  const about = (row: StoredRecord) => ({ email: row.email, recordId: row.id });
  return {
    jobsFor: (row) => webhookJobs(recordMessages(row), options.endpoints, about(row)),
    confirmationJobs: (row, at) => webhookJobs(confirmationMessages(row, at), options.endpoints, about(row)),
    withdrawalJobs: (w) => webhookJobs([linkWithdrawalEvent({ ...w, channel: 'one-click' })], options.endpoints, { email: w.email }),
    restorationJobs: (r) => webhookJobs([restorationEvent(r)], options.endpoints, { email: r.email, recordId: r.restores.recordId }),
    queued: () => sender.wake(),
    stop: () => sender.stop(),
  };
}
