// `@optimesys/privacy-records`: every public export. Each module is also its own entry
// (`@optimesys/privacy-records/schemas`, …), so a page loads only what it uses.
export * from './schemas.js';
export * from './vocabulary.js';
export { canonicalJson } from './canonical.js';
export { createConsentRecord, createDataRequest, normalizeEmail, processingNotice } from './create.js';
export { noticeDigest } from './digest.js';
export { generateSigningKey, hmacSigner, InvalidRecordError, keySigner, signRecord, type Signer, type SignerKey } from './sign.js';
export { verifyReceipt, type Jwks, type ReceiptCheck } from './receipt.js';
export { isCalendarTimestamp } from './timestamp.js';
export type { PublicJwk } from './jws.js';
