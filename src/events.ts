import type { PrivacyRecord, Receipt } from '@optimesys/privacy-records/schemas';

/** A visitor turned a consent on or off (never fired for changes made from code). */
export class ConsentChangeEvent extends CustomEvent<{ purpose: string; granted: boolean }> {
  constructor(detail: { purpose: string; granted: boolean }) {
    super('consent-change', { detail, bubbles: true, composed: true });
  }
}

/** The backend accepted a record; `receipt` is its countersigned receipt. */
export class RecordSentEvent extends CustomEvent<{ record: PrivacyRecord; jws: string; receipt: Receipt }> {
  constructor(detail: { record: PrivacyRecord; jws: string; receipt: Receipt }) {
    super('record-sent', { detail, bubbles: true, composed: true });
  }
}

/** A record could not be sent now (offline, timeout, server error); it is kept and retried. */
export class RecordQueuedEvent extends CustomEvent<{ record: PrivacyRecord; jws: string; reason: string }> {
  constructor(detail: { record: PrivacyRecord; jws: string; reason: string }) {
    super('record-queued', { detail, bubbles: true, composed: true });
  }
}

/** The backend refused a record (4xx); it is not retried. `error` holds the server's typed error. */
export class RecordFailedEvent extends CustomEvent<{
  record: PrivacyRecord;
  jws: string;
  error: { code: string; message: string; status?: number };
}> {
  constructor(detail: { record: PrivacyRecord; jws: string; error: { code: string; message: string; status?: number } }) {
    super('record-failed', { detail, bubbles: true, composed: true });
  }
}

declare global {
  interface HTMLElementEventMap {
    'consent-change': ConsentChangeEvent;
    'record-sent': RecordSentEvent;
    'record-queued': RecordQueuedEvent;
    'record-failed': RecordFailedEvent;
  }
}
