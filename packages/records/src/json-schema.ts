/**
 * The record schemas as JSON Schema (draft 2020-12), for backends in other languages; the build
 * writes them to `dist/schema/<name>.json` (`@optimesys/privacy-records/schema/<name>.json`).
 *
 * The zod schemas use only types, enums, lengths and patterns, so the JSON Schema states the same
 * rules (a test checks both on the same samples). One known difference: zod counts string length
 * in UTF-16 units, JSON Schema in code points, so a text full of emoji may be a little longer under
 * JSON Schema than zod allows; never shorter.
 */
import * as z from 'zod/mini';
import { ConsentRecord, DataRequest, PrivacyRecord, Receipt, ReceiptPayload } from './schemas.js';

/** `input`: what a backend receives (for receipts, unknown members are allowed, as zod strips them). */
export function toJsonSchema(schema: z.ZodMiniType, title: string): Record<string, unknown> {
  const json = z.toJSONSchema(schema, { io: 'input', target: 'draft-2020-12' }) as Record<string, unknown>;
  return { $schema: json.$schema, title, ...json };
}

/** Every record schema as a JSON Schema object, by file name (without `.json`). */
export function recordJsonSchemas(): Record<string, Record<string, unknown>> {
  return {
    'privacy-record': toJsonSchema(PrivacyRecord, 'Signed privacy record (consent record or data request), the JWS payload'),
    'consent-record': toJsonSchema(ConsentRecord, 'Consent record'),
    'data-request': toJsonSchema(DataRequest, 'Data-subject request'),
    receipt: toJsonSchema(Receipt, 'Receipt returned by the receiver'),
    'receipt-payload': toJsonSchema(ReceiptPayload, 'Payload of the receiver-signed receipt JWS'),
  };
}
