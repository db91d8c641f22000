// Standard Webhooks signing, checked with the spec's own `standardwebhooks`
// package; the event payloads, checked against their schemas.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import {
  WEBHOOK_EVENT_TYPES,
  WEBHOOK_MESSAGES,
  WebhookEvent,
  consentRecordEvents,
  webhookMessage,
} from '../../src/webhooks/events.js';
import { requestClosedEvent, requestConfirmedEvent } from '../../src/webhooks/builders.js';
import { createWebhookSecret, parseWebhookSecret, webhookHeaders, webhookMessageId } from '../../src/webhooks/sign.js';
import { OTHER_SECRET, SECRET, storedConsent } from './webhook-helpers.js';

const BODY = JSON.stringify({ type: 'consent.granted', timestamp: '2026-12-03T05:00:00.000Z', data: { ä: 'Ö ✓' } });

test('standardwebhooks verifies our signature and returns the payload', () => {
  const headers = webhookHeaders(parseWebhookSecret(SECRET), 'msg_abc', BODY);
  assert.deepEqual(new Webhook(SECRET).verify(BODY, headers), JSON.parse(BODY));
  assert.match(headers['webhook-signature'], /^v1,[A-Za-z0-9+/]{43}=$/);
  assert.match(headers['webhook-timestamp'], /^\d{10}$/);
});

test('our signature equals the reference implementation for the same id, time and body', () => {
  const at = new Date('2026-12-03T05:00:00Z');
  const ours = webhookHeaders(parseWebhookSecret(SECRET), 'msg_2KWPBgLlAfxdpx2AI54pPJ85f4W', BODY, +at)['webhook-signature'];
  assert.equal(ours, new Webhook(SECRET).sign('msg_2KWPBgLlAfxdpx2AI54pPJ85f4W', at, BODY));
});

test('a wrong secret, a changed body or an old timestamp fails verification', () => {
  const headers = webhookHeaders(parseWebhookSecret(SECRET), 'msg_abc', BODY);
  assert.throws(() => new Webhook(OTHER_SECRET).verify(BODY, headers), WebhookVerificationError);
  assert.throws(() => new Webhook(SECRET).verify(BODY.replace('Ö', 'O'), headers), WebhookVerificationError);
  const old = webhookHeaders(parseWebhookSecret(SECRET), 'msg_abc', BODY, Date.now() - 10 * 60_000);
  assert.throws(() => new Webhook(SECRET).verify(BODY, old), /too old/);
});

test('secret rotation: one signature per secret, either secret verifies', () => {
  const keys = [parseWebhookSecret(OTHER_SECRET), parseWebhookSecret(SECRET)];
  const headers = webhookHeaders(keys, 'msg_rotate', BODY);
  assert.equal(headers['webhook-signature'].split(' ').length, 2);
  assert.deepEqual(new Webhook(SECRET).verify(BODY, headers), JSON.parse(BODY));
  assert.deepEqual(new Webhook(OTHER_SECRET).verify(BODY, headers), JSON.parse(BODY));
});

test('secrets must be whsec_ + base64 of 24 to 64 bytes', () => {
  assert.throws(() => parseWebhookSecret('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'), /whsec_/);
  assert.throws(() => parseWebhookSecret('whsec_c2hvcnQ='), /24 to 64 bytes/);
  assert.throws(() => parseWebhookSecret('whsec_not base64 at all!!'), /base64/);
  assert.equal(parseWebhookSecret(createWebhookSecret()).length, 32);
  assert.notEqual(createWebhookSecret(), createWebhookSecret());
});

test('message ids: msg_ prefix, no dot, stable per event, distinct across events', () => {
  const id = webhookMessageId('consent.granted', 'a');
  assert.match(id, /^msg_[A-Za-z0-9_-]{26}$/);
  assert.equal(id, webhookMessageId('consent.granted', 'a'));
  assert.notEqual(id, webhookMessageId('consent.withdrawn', 'a'));
  assert.notEqual(id, webhookMessageId('consent.granted', 'b'));
  assert.throws(() => webhookHeaders(parseWebhookSecret(SECRET), 'msg.a', BODY), /must not contain/);
});

test('message ids are per record, (kid, id): the same record keeps its ids, another key using the same id gets others', async () => {
  const stored = await storedConsent(undefined, 'maija@example.fi');
  const again = consentRecordEvents(stored).map((m) => m.id);
  assert.deepEqual(consentRecordEvents(stored).map((m) => m.id), again, 'queued again: the same ids');
  // Ids are chosen by browsers: a second device key posting the very same id is another record.
  const otherKey = consentRecordEvents({ ...stored, kid: 'another-device-key' }).map((m) => m.id);
  assert.equal(otherKey.length, again.length);
  for (const id of otherKey) assert.ok(!again.includes(id), 'distinct webhook-id for the other key');
  const request = { record: { id: stored.record.id, subject: { email: 'maija@example.fi' }, requestType: 'access' } as never, jws: stored.jws, receivedAt: stored.receivedAt, dueBy: '2027-01-04' };
  assert.notEqual(requestConfirmedEvent({ ...request, kid: 'a' }, stored.receivedAt).id, requestConfirmedEvent({ ...request, kid: 'b' }, stored.receivedAt).id);
  const closure = { closedAt: stored.receivedAt, note: '' };
  assert.notEqual(requestClosedEvent(request.record, closure, 'a').id, requestClosedEvent(request.record, closure, 'b').id);
  assert.equal(requestClosedEvent(request.record, closure, 'a').id, requestClosedEvent(request.record, closure, 'a').id);
});

test('a stored consent record raises consent.granted and consent.withdrawn with CRM-ready data', async () => {
  const stored = await storedConsent(undefined, 'Maija.Meikalainen@Example.FI');
  const messages = consentRecordEvents(stored);
  assert.deepEqual(messages.map((m) => m.type), ['consent.granted', 'consent.withdrawn']);
  const granted = WebhookEvent.parse(JSON.parse(messages[0]!.body));
  const withdrawn = WebhookEvent.parse(JSON.parse(messages[1]!.body));
  if (granted.type !== 'consent.granted' || withdrawn.type !== 'consent.withdrawn') throw new Error('types');
  assert.equal(granted.data.email, 'maija.meikalainen@example.fi');
  assert.equal(granted.data.recordId, stored.record.id);
  assert.equal(granted.data.jws, stored.jws);
  assert.equal(granted.data.kid, stored.kid);
  assert.equal(granted.data.confirmed, false);
  assert.deepEqual(granted.data.purposes, [
    { purpose: 'newsletter', dpv: 'dpv:DirectMarketing', granted: true, confirmed: false, text: 'Haluan uutiskirjeen sähköpostiini' },
    { purpose: 'events', dpv: 'dpv:DirectMarketing', granted: false, confirmed: false, text: 'Kutsut tapahtumiin ja webinaareihin' },
  ]);
  assert.equal(withdrawn.data.channel, 'record');
  assert.deepEqual(withdrawn.data.purposes.map((p) => p.purpose), ['events']);
  assert.notEqual(messages[0]!.id, messages[1]!.id);
  // Queued again (a retried transaction): the same ids, so consumers deduplicate.
  assert.deepEqual(consentRecordEvents(stored).map((m) => m.id), messages.map((m) => m.id));
  const confirmed = consentRecordEvents(stored, { confirmed: true })[0]!;
  assert.equal(JSON.parse(confirmed.body).data.purposes[0].confirmed, true);
});

test('every event type has a schema, and a payload breaking it is refused before it is queued', async () => {
  assert.deepEqual(Object.keys(WEBHOOK_MESSAGES), [...WEBHOOK_EVENT_TYPES]);
  const { record } = await storedConsent();
  const closed = webhookMessage('request.closed', {
    recordId: record.id, email: 'a@example.fi', requestType: 'erasure', closedAt: '2026-12-03T05:00:00.000Z', note: 'Erased.',
  });
  assert.equal(JSON.parse(closed.body).type, 'request.closed');
  assert.throws(() =>
    webhookMessage('consent.withdrawn', {
      recordId: record.id, email: 'a@example.fi', receivedAt: '2026-12-03T05:00:00.000Z', purposes: [], channel: 'record',
    } as never),
  );
  assert.throws(() => webhookMessage('request.closed', { recordId: 'x', email: 'a@example.fi', requestType: 'erasure', closedAt: 'now', note: '' } as never));
});

test('the JSON Schemas in dist/schema accept what we send and refuse a broken payload', async () => {
  const { webhookJsonSchemas: jsonSchemas } = await import('../../src/webhooks/json-schema.js');
  const { default: Ajv2020 } = (await import('ajv/dist/2020.js')) as unknown as {
    default: new (o: object) => { compile(s: object): (d: unknown) => boolean };
  };
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  const schemas = jsonSchemas() as Record<string, object>;
  const any = ajv.compile(schemas['webhook-event']!);
  const stored = await storedConsent();
  for (const message of consentRecordEvents(stored)) {
    const body = JSON.parse(message.body);
    assert.ok(any(body), message.type);
    assert.ok(ajv.compile(schemas[`webhook-${message.type}`]!)(body), message.type);
    assert.equal(any({ ...body, data: { ...body.data, email: 'not an address' } }), false);
    assert.equal(any({ ...body, type: 'consent.deleted' }), false);
  }
  assert.deepEqual(
    Object.keys(schemas).filter((k) => k.startsWith('webhook-')).sort(),
    ['webhook-event', ...WEBHOOK_EVENT_TYPES.map((t) => `webhook-${t}`)].sort(),
  );
});
