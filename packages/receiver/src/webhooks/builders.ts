/**
 * One call per event the receiver raises, each returning the message to
 * enqueue (in the transaction that records the event, one row per endpoint
 * with `deliveriesFor`). Stored consent records: `consentRecordEvents` in events.ts.
 */
import { normalizeEmail } from '@optimesys/privacy-records/create';
import type { DataRequest } from '@optimesys/privacy-records/schemas';
import { consentRecordEvents, webhookMessage, type PurposeState, type StoredConsent, type WebhookData, type WebhookMessage } from './events.js';

const address = (email: string) => normalizeEmail(email).toLowerCase();

/** `consent.confirmed`: the address owner used the mailed link for this stored consent record. */
export function consentConfirmedEvent(stored: StoredConsent, confirmedAt: string): WebhookMessage {
  const first = consentRecordEvents(stored, { confirmed: true })[0];
  if (first?.type !== 'consent.granted') throw new TypeError('A consent record that grants nothing has nothing to confirm');
  const { data } = JSON.parse(first.body) as { data: WebhookData<'consent.granted'> };
  return webhookMessage('consent.confirmed', { ...data, confirmed: true, confirmedAt }, confirmedAt);
}

/**
 * `consent.withdrawn` from a mailed link: the preferences page or an RFC 8058
 * one-click unsubscribe. `id`: the id the receiver gave this withdrawal (a UUID v4);
 * `purposes`: each withdrawn purpose with the label of the grant it withdraws.
 */
export function linkWithdrawalEvent(withdrawal: {
  id: string;
  email: string;
  receivedAt: string;
  channel: 'preferences' | 'one-click';
  purposes: readonly Pick<PurposeState, 'purpose' | 'dpv' | 'text'>[];
}): WebhookMessage {
  const { id, email, receivedAt, channel } = withdrawal;
  const purposes = withdrawal.purposes.map(({ purpose, dpv, text }) => ({ purpose, dpv, text, granted: false, confirmed: false }));
  return webhookMessage('consent.withdrawn', { recordId: id, email: address(email), receivedAt, channel, purposes }, receivedAt);
}

/** `consent.restored`: the owner turned back on, from the mailed notice, what a withdrawal from an unknown device turned off. */
export function restorationEvent(restoration: {
  id: string;
  email: string;
  restoredAt: string;
  restores: { recordId: string; kid: string };
  purposes: readonly Pick<PurposeState, 'purpose' | 'dpv' | 'text'>[];
}): WebhookMessage {
  const { id, email, restoredAt, restores } = restoration;
  const purposes = restoration.purposes.map(({ purpose, dpv, text }) => ({ purpose, dpv, text, granted: true, confirmed: true }));
  return webhookMessage('consent.restored', { recordId: id, email: address(email), restoredAt, restores, purposes }, restoredAt);
}

/** A stored data request as the receiver holds it. */
export interface StoredRequest {
  record: DataRequest;
  jws: string;
  kid: string;
  receivedAt: string;
  dueBy: string;
}

/** `request.received`: a data request was stored (identity not yet confirmed). */
export function requestReceivedEvent({ record, jws, kid, receivedAt, dueBy }: StoredRequest): WebhookMessage {
  const data = {
    recordId: record.id, email: address(record.subject.email), requestType: record.requestType, receivedAt, dueBy,
    identity: 'unconfirmed' as const, record, jws, kid,
  };
  return webhookMessage('request.received', data, receivedAt);
}

/** `request.confirmed`: the requester used the mailed link. */
export function requestConfirmedEvent({ record, kid, receivedAt, dueBy }: StoredRequest, confirmedAt: string): WebhookMessage {
  const data = {
    recordId: record.id, email: address(record.subject.email), requestType: record.requestType, receivedAt, dueBy,
    identity: 'confirmed' as const, confirmedAt,
  };
  return webhookMessage('request.confirmed', data, confirmedAt, kid);
}

/** `request.closed`: `privacy-receiver close-request` appended a closure; `kid`: the key that signed the request. */
export function requestClosedEvent(
  request: Pick<DataRequest, 'id' | 'subject' | 'requestType'>,
  closure: { closedAt: string; note: string },
  kid?: string,
): WebhookMessage {
  const data = { recordId: request.id, email: address(request.subject.email), requestType: request.requestType, ...closure };
  return webhookMessage('request.closed', data, closure.closedAt, kid);
}
