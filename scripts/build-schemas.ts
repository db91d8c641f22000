// Writes the record schemas as JSON Schema (draft 2020-12) to dist/schema/,
// for backends in other languages: `npx tsx scripts/build-schemas.ts`.
//
// The zod schemas use only types, enums, lengths and patterns, so the JSON
// Schema states the same rules (test/records/json-schema.node.test.ts checks
// both on the same samples). One known difference: zod counts string length
// in UTF-16 units, JSON Schema in code points, so a text full of emoji may
// be a little longer under JSON Schema than zod allows; never shorter.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as z from 'zod/mini';
import { ConsentRecord, DataRequest, PrivacyRecord, Receipt, ReceiptPayload } from '../src/records/schemas.js';
import { openApiDocument } from '../src/server/receiver/openapi.js';
import { WEBHOOK_MESSAGES, WebhookEvent } from '../src/server/webhooks/events.js';

// Webhook message bodies: one file per event type (`webhook-consent.granted.json`, …)
// and `webhook-event.json`, any of them (a oneOf discriminated by `type`).
const WEBHOOK_SCHEMAS = Object.fromEntries(
  Object.entries(WEBHOOK_MESSAGES).map(([type, schema]) => [`webhook-${type}`, { schema, title: `Webhook message: ${type}` }]),
) as unknown as Record<`webhook-${keyof typeof WEBHOOK_MESSAGES}`, { schema: z.ZodMiniType; title: string }>;

const SCHEMAS = {
  'privacy-record': { schema: PrivacyRecord, title: 'Signed privacy record (consent record or data request), the JWS payload' },
  'consent-record': { schema: ConsentRecord, title: 'Consent record' },
  'data-request': { schema: DataRequest, title: 'Data-subject request' },
  receipt: { schema: Receipt, title: 'Receipt returned by the receiver' },
  'receipt-payload': { schema: ReceiptPayload, title: 'Payload of the receiver-signed receipt JWS' },
  'webhook-event': { schema: WebhookEvent, title: 'Webhook message (any type), as sent to WEBHOOK_URL' },
  ...WEBHOOK_SCHEMAS,
};

/** Every schema as a JSON Schema object, by file name (without `.json`). */
export function jsonSchemas(): Record<keyof typeof SCHEMAS, Record<string, unknown>> {
  const out = {} as Record<keyof typeof SCHEMAS, Record<string, unknown>>;
  for (const [name, { schema, title }] of Object.entries(SCHEMAS) as [keyof typeof SCHEMAS, (typeof SCHEMAS)[keyof typeof SCHEMAS]][]) {
    // `input`: what a backend receives (for receipts, unknown members are allowed, as zod strips them).
    const json = z.toJSONSchema(schema, { io: 'input', target: 'draft-2020-12' }) as Record<string, unknown>;
    out[name] = { $schema: json.$schema, title, ...json };
  }
  return out;
}

export function writeSchemas(dir = 'dist/schema'): string[] {
  mkdirSync(dir, { recursive: true });
  return Object.entries(jsonSchemas()).map(([name, schema]) => {
    const path = join(dir, `${name}.json`);
    writeFileSync(path, `${JSON.stringify(schema, null, 2)}\n`);
    return path;
  });
}

/** The receiver's OpenAPI 3.1 document, for sites that generate clients in other languages. */
export function writeOpenApi(path = 'dist/openapi.json'): string {
  const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(openApiDocument({ version }), null, 2)}\n`);
  return path;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(`JSON Schema: ${writeSchemas().join(', ')}`);
  console.log(`OpenAPI: ${writeOpenApi()}`);
}
