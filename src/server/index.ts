/**
 * `@optimesys/privacy-widgets/server` (Node 20): verify signed records, issue
 * countersigned receipts, and the record schemas for the site's backend.
 */
export { createReceiver, type Receiver, type ReceiverOptions } from './receiver/receiver.js';
export { verifyRecord, type VerifyError, type VerifyErrorCode, type VerifyOptions, type VerifyResult } from './verify.js';
export {
  createServerKey,
  dueDate,
  loadServerKey,
  publicJwks,
  signReceipt,
  type ReceiptOptions,
  type ServerKey,
} from './receipt.js';
export { easterSunday, finnishHolidays, isFinnishNonWorkingDay, nextFinnishWorkingDay } from './calendar.js';
export * from '../records/schemas.js';
export * from '../records/vocabulary.js';
export { canonicalJson } from '../records/canonical.js';
export { hmacSigner, signRecord, type Signer, type SignerKey } from '../records/sign.js';
export { createConsentRecord, createDataRequest, normalizeEmail, processingNotice } from '../records/create.js';
export { noticeDigest } from '../records/digest.js';
export { verifyReceipt, type Jwks, type ReceiptCheck } from '../records/receipt.js';
