// Every public export; importing this module defines no element.

// Elements (classes only; `…/define` modules register the tags)
export { PrivacyNotice } from './notice/privacy-notice.js';
export { ConsentToggle } from './consent/consent-toggle.js';
export { ConsentForm } from './consent/consent-form.js';
export { ConsentPreferences } from './consent/consent-preferences.js';
export { DataRequestForm } from './request/data-request-form.js';

// Configuration, languages and events
export { configure, type PrivacyWidgetsConfig, type PurposeDefinition, type PurposeText } from './config.js';
export { LOCALES, type Locale } from './i18n.js';
export { ConsentChangeEvent, RecordFailedEvent, RecordQueuedEvent, RecordSentEvent } from './events.js';

// The notice as data
export {
  NoticeDocument,
  NoticeSection,
  NoticeBlock,
  NOTICE_TOPICS,
  parseNotice,
  type NoticeTopic,
} from './notice/notice-schema.js';
export { checkNotice, type NoticeFinding } from './notice/check-notice.js';

// Records: schemas, vocabulary, signing, outbox
export * from '@optimesys/privacy-records/schemas';
export * from '@optimesys/privacy-records/vocabulary';
export { canonicalJson } from '@optimesys/privacy-records/canonical';
export { createConsentRecord, createDataRequest, normalizeEmail, processingNotice } from '@optimesys/privacy-records/create';
export { noticeDigest } from '@optimesys/privacy-records/digest';
export { hmacSigner, keySigner, signRecord, InvalidRecordError, type Signer, type SignerKey } from '@optimesys/privacy-records/sign';
export { deviceSigner, type DeviceSignerOptions } from './outbox/device-signer.js';
export { createOutbox, type Outbox, type OutboxEntry, type OutboxEvents, type OutboxOptions, type SendResult } from './outbox/outbox.js';
export { verifyReceipt, type Jwks, type ReceiptCheck } from '@optimesys/privacy-records/receipt';

// Adapters
export { AdapterError, type BackendAdapter, type ServerError } from './adapters/types.js';
export { httpAdapter, type HttpAdapterOptions } from './adapters/http.js';
export { beaconAdapter } from './adapters/beacon.js';
export { memoryAdapter } from './adapters/memory.js';
