/**
 * `@optimesys/privacy-receiver` (Node 20): the receiver to run or mount, and what a site's backend
 * uses beside it: record verification, receipts, webhooks and the CRM mappers. The records
 * themselves (schemas, signing) are `@optimesys/privacy-records`.
 */
export { createReceiver, type Receiver, type ReceiverOptions } from './receiver.js';
export type { ConsoleOptions, ConsoleOidc } from './console/settings.js';
export type { NoticeDocument, NoticeDocuments } from './console/answer.js';
export { unsubscribeHeaders, type UnsubscribeHeaders, type UnsubscribeHeadersOptions } from './preferences/unsubscribe-headers.js';
export { verifyRecord, type VerifyError, type VerifyErrorCode, type VerifyOptions, type VerifyResult } from './records/verify.js';
export {
  createServerKey,
  dueDate,
  loadServerKey,
  publicJwks,
  signReceipt,
  type ReceiptOptions,
  type ServerKey,
} from './records/countersign.js';
export { toHubSpotSubmission, type HubSpotOptions, type HubSpotSubmission } from './integrations/hubspot.js';
export { mailchimpSubscriberHash, toMailchimpMember, type MailchimpMember, type MailchimpOptions } from './integrations/mailchimp.js';
export type { ConsentEventInput, ConsentInput } from './integrations/consent-state.js';
export { createWebhookSecret, parseWebhookSecret, signWebhook, webhookHeaders, webhookMessageId } from './webhooks/sign.js';
export {
  consentRecordEvents,
  webhookMessage,
  WEBHOOK_DATA,
  WEBHOOK_EVENT_TYPES,
  WEBHOOK_MESSAGES,
  WebhookEvent,
  type PurposeState,
  type WebhookData,
  type WebhookEventType,
  type WebhookMessage,
} from './webhooks/events.js';
export { startWebhookSender, STANDARD_RETRY_SCHEDULE, type WebhookSender, type WebhookSenderOptions } from './webhooks/sender.js';
export { deliveriesFor, memoryWebhookQueue, type WebhookDelivery, type WebhookQueue } from './webhooks/queue.js';
export { openApiDocument, RECEIVER_ROUTES, receiverRoutes, VERIFY_ERROR_CODES, type RouteAnswer, type RouteSpec } from './openapi.js';
export { startReceiver, type RunningReceiver } from './receiver.js';
export { parseConfig, type ReceiverConfig } from './cli/options.js';
export {
  consentConfirmedEvent,
  linkWithdrawalEvent,
  requestClosedEvent,
  requestConfirmedEvent,
  requestReceivedEvent,
  type StoredRequest,
} from './webhooks/builders.js';
export { webhookSettings, type WebhookSettings } from './webhooks/settings.js';
