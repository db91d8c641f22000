/**
 * Webhook event types and their payloads (zod/mini; `json-schema.ts`
 * writes them as JSON Schema, `dist/schema/webhook-<type>.json`, and all of
 * them as one `oneOf` in `dist/schema/webhook-event.json`).
 *
 * Every message is `{ type, timestamp, data }` (Standard Webhooks payload
 * structure). `data` is "full" enough for a CRM to act without calling back:
 * the subject's address, each purpose with its state and the exact label the
 * visitor saw, and, where a signed record is behind the event, that record,
 * its JWS and the signing key's thumbprint, so the consumer can keep proof.
 */
import * as z from 'zod/mini';
import { normalizeEmail } from '@optimesys/privacy-records/create';
import {
  CalendarDate,
  CompactJws,
  ConsentDecision,
  ConsentRecord,
  DataRequest,
  Email,
  ProcessingNotice,
  PurposeId,
  RecordId,
  Timestamp,
  VocabularyTerm,
} from '@optimesys/privacy-records/schemas';
import { REQUEST_TYPE_IDS, type RequestType } from '@optimesys/privacy-records/vocabulary';
import { webhookMessageId } from './sign.js';

export const WEBHOOK_EVENT_TYPES = [
  'consent.granted',
  'consent.confirmed',
  'consent.withdrawn',
  'consent.restored',
  'request.received',
  'request.confirmed',
  'request.closed',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** Thumbprint of the key that signed the record (RFC 7638, base64url SHA-256), as `verifyRecord` returns it. */
const Kid = z.string().check(z.minLength(1), z.maxLength(128), z.regex(/^[A-Za-z0-9_-]+$/));
const RequestTypeId = z.enum(REQUEST_TYPE_IDS as [RequestType, ...RequestType[]]);

/**
 * One purpose's state in this event. `granted`: what the visitor chose.
 * `confirmed`: the address owner confirmed the grant from the mailed link
 * (always false for a withdrawal: withdrawals count at once, there is nothing
 * to confirm). Mail for a purpose only when `granted && confirmed`.
 * `text`: the exact label the visitor saw (for a withdrawal from a mailed
 * link, the label of the grant being withdrawn).
 */
export const PurposeState = z.strictObject({
  purpose: PurposeId,
  dpv: VocabularyTerm,
  granted: z.boolean(),
  confirmed: z.boolean(),
  text: ConsentDecision.shape.text,
});

const signed = <R extends z.ZodMiniType>(record: R) => ({ record, jws: CompactJws, kid: Kid });

const consentCommon = {
  recordId: RecordId,
  /** Lower-cased address, as the receiver indexes it. */
  email: Email,
  receivedAt: Timestamp,
  purposes: z.array(PurposeState),
  processing: z.array(ProcessingNotice),
  ...signed(ConsentRecord),
};

/**
 * A consent record was stored that grants at least one purpose. `purposes`
 * lists every decision of the record (refusals too). `confirmed` is false
 * until `consent.confirmed` (true at once only where the receiver runs
 * without double opt-in).
 */
export const ConsentGranted = z.strictObject({ ...consentCommon, confirmed: z.boolean(), confirmedAt: z.optional(Timestamp) });
/** The address owner confirmed the grants of a stored consent record. */
export const ConsentConfirmed = z.strictObject({ ...consentCommon, confirmed: z.literal(true), confirmedAt: Timestamp });

const withdrawnCommon = {
  /** The stored record's id, or the id the receiver gave the withdrawal made from a mailed link. */
  recordId: RecordId,
  email: Email,
  receivedAt: Timestamp,
  /** Only the purposes withdrawn (`granted: false`). */
  purposes: z.array(PurposeState),
};
/**
 * Purposes withdrawn: by a signed record (`channel: record`, with the record),
 * on the preferences page a mail links to (`preferences`), or by an RFC 8058
 * one-click unsubscribe (`one-click`). Act on it at once.
 */
export const ConsentWithdrawn = z.discriminatedUnion('channel', [
  z.strictObject({ ...withdrawnCommon, channel: z.literal('record'), ...signed(ConsentRecord) }),
  z.strictObject({ ...withdrawnCommon, channel: z.enum(['preferences', 'one-click']) }),
]);

/**
 * The address owner turned back on, from the mailed notice, what a
 * withdrawal from a device that never proved the mailbox had turned off.
 * `recordId`: the id the receiver gave the restoration; `restores`: the
 * withdrawing record. Every purpose is `granted` and `confirmed`, its `text`
 * the site's label the owner was shown. Mail for these purposes again.
 */
export const ConsentRestored = z.strictObject({
  recordId: RecordId,
  email: Email,
  restoredAt: Timestamp,
  restores: z.strictObject({ recordId: RecordId, kid: Kid }),
  purposes: z.array(PurposeState),
});

const requestCommon = {
  recordId: RecordId,
  email: Email,
  requestType: RequestTypeId,
  receivedAt: Timestamp,
  /** Statutory answer date (GDPR Art. 12(3)). */
  dueBy: CalendarDate,
};
/** A data-subject request was stored; the requester has not yet proved the address (`identity: unconfirmed`). */
export const RequestReceived = z.strictObject({ ...requestCommon, identity: z.literal('unconfirmed'), ...signed(DataRequest) });
/** The requester used the mailed link: the request speaks for the address owner. */
export const RequestConfirmed = z.strictObject({ ...requestCommon, identity: z.literal('confirmed'), confirmedAt: Timestamp });
/** A request was marked answered (`privacy-receiver close-request`). */
export const RequestClosed = z.strictObject({
  recordId: RecordId,
  email: Email,
  requestType: RequestTypeId,
  closedAt: Timestamp,
  note: z.string().check(z.maxLength(4000)),
});

/** The `data` schema of each type. */
export const WEBHOOK_DATA = {
  'consent.granted': ConsentGranted,
  'consent.confirmed': ConsentConfirmed,
  'consent.withdrawn': ConsentWithdrawn,
  'consent.restored': ConsentRestored,
  'request.received': RequestReceived,
  'request.confirmed': RequestConfirmed,
  'request.closed': RequestClosed,
} as const satisfies Record<WebhookEventType, z.ZodMiniType>;

const envelope = <T extends WebhookEventType>(type: T) =>
  z.strictObject({ type: z.literal(type), timestamp: Timestamp, data: WEBHOOK_DATA[type] });

/** Every message body a webhook endpoint receives, by type. */
export const WEBHOOK_MESSAGES = {
  'consent.granted': envelope('consent.granted'),
  'consent.confirmed': envelope('consent.confirmed'),
  'consent.withdrawn': envelope('consent.withdrawn'),
  'consent.restored': envelope('consent.restored'),
  'request.received': envelope('request.received'),
  'request.confirmed': envelope('request.confirmed'),
  'request.closed': envelope('request.closed'),
} as const;
/** Any message body (discriminated by `type`). */
export const WebhookEvent = z.discriminatedUnion('type', Object.values(WEBHOOK_MESSAGES) as unknown as [
  (typeof WEBHOOK_MESSAGES)['consent.granted'],
  ...(typeof WEBHOOK_MESSAGES)[Exclude<WebhookEventType, 'consent.granted'>][],
]);

export type WebhookData<T extends WebhookEventType = WebhookEventType> = z.infer<(typeof WEBHOOK_DATA)[T]>;
export type WebhookEvent = z.infer<typeof WebhookEvent>;
export type PurposeState = z.infer<typeof PurposeState>;
export type ConsentEventData = WebhookData<'consent.granted' | 'consent.confirmed'>;

/** A message ready to queue: its id, type and the exact body that will be signed and sent. */
export interface WebhookMessage {
  id: string;
  type: WebhookEventType;
  body: string;
}

/**
 * Builds the message for one event, checking `data` against its schema (a
 * payload that breaks its documented schema is a bug: it throws here, inside
 * the store's transaction, instead of reaching consumers). The id derives from
 * the type and the record, `(kid, recordId)`: stable if the event is queued
 * again, and distinct for another key's record that uses the same id (ids are
 * chosen by browsers). `kid` defaults to `data.kid`; pass it for types whose
 * data does not carry it (`request.confirmed`, `request.closed`).
 */
export function webhookMessage<T extends WebhookEventType>(
  type: T,
  data: WebhookData<T>,
  timestamp: string = new Date().toISOString(),
  kid?: string,
): WebhookMessage {
  return message(type, WEBHOOK_MESSAGES[type].parse({ type, timestamp, data }).data as WebhookData<T>, timestamp, kid);
}

/** Without the schema check: for data built here from a record `verifyRecord` already checked (the check would double the cost per record). */
function message<T extends WebhookEventType>(type: T, data: WebhookData<T>, timestamp: string, kid?: string): WebhookMessage {
  const { recordId, kid: signedBy } = data as { recordId: string; kid?: string };
  const key = kid ?? signedBy;
  return { id: webhookMessageId(type, key ? `${key}\n${recordId}` : recordId), type, body: JSON.stringify({ type, timestamp, data }) };
}

/** A stored consent record as the receiver holds it (a subset of `StoredRecord`). */
export interface StoredConsent {
  record: ConsentRecord;
  jws: string;
  kid: string;
  receivedAt: string;
}

/**
 * The events a newly stored consent record raises: `consent.granted` when it
 * grants a purpose, `consent.withdrawn` (channel `record`) when it sets any to
 * false. Grants start unconfirmed unless `confirmed` (no double opt-in).
 */
export function consentRecordEvents(stored: StoredConsent, options: { confirmed?: boolean } = {}): WebhookMessage[] {
  const { record, jws, kid, receivedAt } = stored;
  const confirmed = options.confirmed ?? false;
  const email = normalizeEmail(record.subject.email).toLowerCase();
  const purposes = record.decisions.map(({ purpose, dpv, granted, text }) => ({ purpose, dpv, granted, confirmed: granted && confirmed, text }));
  const messages: WebhookMessage[] = [];
  if (purposes.some((p) => p.granted)) {
    const data = { recordId: record.id, email, receivedAt, purposes, processing: record.processing, record, jws, kid, confirmed };
    messages.push(message('consent.granted', confirmed ? { ...data, confirmedAt: receivedAt } : data, receivedAt));
  }
  const withdrawn = purposes.filter((p) => !p.granted);
  if (withdrawn.length) {
    messages.push(
      message('consent.withdrawn', { recordId: record.id, email, receivedAt, purposes: withdrawn, channel: 'record', record, jws, kid }, receivedAt),
    );
  }
  return messages;
}
