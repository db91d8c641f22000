/**
 * The webhook message bodies as JSON Schema, for consumers in other languages: one per event
 * type (`webhook-consent.granted.json`, …) and `webhook-event.json`, any of them (a oneOf
 * discriminated by `type`). The build writes them to `dist/schema/`.
 */
import { toJsonSchema } from '@optimesys/privacy-records/json-schema';
import { WEBHOOK_MESSAGES, WebhookEvent } from './events.js';

export function webhookJsonSchemas(): Record<string, Record<string, unknown>> {
  return {
    'webhook-event': toJsonSchema(WebhookEvent, 'Webhook message (any type), as sent to WEBHOOK_URL'),
    ...Object.fromEntries(Object.entries(WEBHOOK_MESSAGES).map(([type, schema]) => [`webhook-${type}`, toJsonSchema(schema, `Webhook message: ${type}`)])),
  };
}
