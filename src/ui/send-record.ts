import { httpAdapter } from '../adapters/http.js';
import type { BackendAdapter } from '../adapters/types.js';
import { getConfig } from '../config.js';
import { RecordFailedEvent, RecordQueuedEvent, RecordSentEvent } from '../events.js';
import { createOutbox, type Outbox, type Rejection, type SendResult } from '../outbox/outbox.js';
import type { PrivacyRecord, Receipt, UnsignedRecord } from '@optimesys/privacy-records/schemas';
import { signRecord, type Signer } from '@optimesys/privacy-records/sign';
import { deviceSigner } from '../outbox/device-signer.js';

let defaultSigner: Signer | undefined;

/** The signer records are signed with: `configure({ signer })`, else this browser's device key. */
export function pageSigner(): Signer {
  return getConfig().signer ?? (defaultSigner ??= deviceSigner());
}

// One outbox per backend on the page, so retries of all elements share one queue.
const outboxes = new Map<BackendAdapter | string, Outbox>();
// Which element made a queued record, for when a later retry delivers or loses it.
const senders = new Map<string, WeakRef<Element>>();

function wire(outbox: Outbox): Outbox {
  outbox.on('sent', ({ record, jws, receipt }) => {
    senders.get(record.id)?.deref()?.dispatchEvent(new RecordSentEvent({ record, jws, receipt }));
    senders.delete(record.id);
  });
  outbox.on('rejected', ({ record, jws, error }) => {
    senders.get(record.id)?.deref()?.dispatchEvent(new RecordFailedEvent({ record, jws, error }));
    senders.delete(record.id);
  });
  return outbox;
}

/**
 * The outbox for an element: the adapter from `configure({ adapter })`, else
 * the HTTP adapter for the element's `endpoint`, else `configure({ endpoint })`.
 * Undefined when the site configured no backend at all.
 */
export function outboxFor(endpoint: string | null | undefined): Outbox | undefined {
  const config = getConfig();
  const key = config.adapter ?? endpoint ?? config.endpoint;
  if (!key) return undefined;
  let outbox = outboxes.get(key);
  if (!outbox) {
    outbox = wire(
      typeof key === 'string'
        ? createOutbox(httpAdapter({ endpoint: key }), { scope: new URL(key, location.href).href })
        : createOutbox(key),
    );
    outboxes.set(key, outbox);
  }
  return outbox;
}

export type Sent = SendResult & { jws: string; record: PrivacyRecord };

/** Signs a record with the page's signer. */
export function sign(unsigned: UnsignedRecord): Promise<{ jws: string; record: PrivacyRecord }> {
  return signRecord(unsigned, pageSigner());
}

/** Hands a signed record to the outbox, which stores it before sending. */
export async function sendSigned(outbox: Outbox, jws: string, record: PrivacyRecord): Promise<Sent> {
  // Let the outbox first resend what earlier pages left, so this record is not held up behind it.
  await outbox.ready;
  return { ...(await outbox.send(jws, record)), jws, record };
}

/** Signs a record and hands it to the outbox. */
export async function sendRecord(outbox: Outbox, unsigned: UnsignedRecord): Promise<Sent> {
  const { jws, record } = await sign(unsigned);
  return sendSigned(outbox, jws, record);
}

/**
 * Tells the page how a send ended (`record-sent`, `record-queued` or
 * `record-failed` on `host`), after the element has shown it. A queued
 * record's later delivery or refusal is announced on the same element.
 */
export function announce(host: Element, { status, jws, record, ...result }: Sent): void {
  if (status === 'queued') {
    senders.set(record.id, new WeakRef(host));
    host.dispatchEvent(new RecordQueuedEvent({ record, jws, reason: (result as { error: { code: string } }).error.code }));
  } else if (status === 'sent') {
    host.dispatchEvent(new RecordSentEvent({ record, jws, receipt: (result as { receipt: Receipt }).receipt }));
  } else {
    host.dispatchEvent(new RecordFailedEvent({ record, jws, error: (result as { error: Rejection }).error }));
  }
}

/** The receiver's preference-link endpoint beside the records endpoint (`…/api/records` → `…/api/preferences/link`). */
export function preferencesLinkUrl(endpoint: string | null | undefined): string | undefined {
  return endpoint ? new URL('preferences/link', new URL(endpoint, location.href)).href : undefined;
}

/** Asks the receiver to mail a preference link (`…/api/preferences/link`); the answer is the same for any address. */
export async function requestPreferencesLink(url: string, email: string, locale: string | undefined): Promise<void> {
  const body = JSON.stringify({ email, locale });
  await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body, credentials: 'omit' }).catch(() => undefined);
}
