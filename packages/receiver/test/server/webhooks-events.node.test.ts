// The event builders the receiver calls, one per event: each message matches
// its schema, carries what a CRM needs, and keeps a stable id.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { keySigner, signRecord } from '@optimesys/privacy-records/sign';
import type { DataRequest } from '@optimesys/privacy-records/schemas';
import {
  consentConfirmedEvent,
  linkWithdrawalEvent,
  requestClosedEvent,
  requestConfirmedEvent,
  requestReceivedEvent,
  type StoredRequest,
} from '../../src/webhooks/builders.js';
import { WebhookEvent } from '../../src/webhooks/events.js';
import { requestSample } from '../../../records/test/samples.js';
import { storedConsent } from './webhook-helpers.js';

const parse = (m: { body: string }) => WebhookEvent.parse(JSON.parse(m.body));

test('consent.confirmed: every grant confirmed, with confirmedAt; nothing to confirm without a grant', async () => {
  const stored = await storedConsent();
  const message = consentConfirmedEvent(stored, '2026-12-03T06:00:00.000Z');
  const event = parse(message);
  if (event.type !== 'consent.confirmed') throw new Error(event.type);
  assert.equal(event.timestamp, '2026-12-03T06:00:00.000Z');
  assert.deepEqual(event.data.purposes.map((p) => [p.purpose, p.granted, p.confirmed]), [['newsletter', true, true], ['events', false, false]]);
  assert.equal(event.data.jws, stored.jws);
  assert.equal(consentConfirmedEvent(stored, '2026-12-03T07:00:00.000Z').id, message.id, 'one confirmation per record: one id');
  const refusal = await storedConsent([{ purpose: 'newsletter', dpv: 'dpv:DirectMarketing', basis: 'consent', granted: false, text: 'Uutiskirje' }]);
  assert.throws(() => consentConfirmedEvent(refusal, '2026-12-03T06:00:00.000Z'), /nothing to confirm/);
});

test('consent.withdrawn from a mailed link (one-click, preferences)', () => {
  const message = linkWithdrawalEvent({
    id: '0d8f6c1a-2b3e-4f5a-8b7c-9d0e1f2a3b4c', email: 'Maija@Example.FI', receivedAt: '2026-12-03T06:00:00.000Z', channel: 'one-click',
    purposes: [{ purpose: 'newsletter', dpv: 'dpv:DirectMarketing', text: 'Uutiskirje' }],
  });
  const event = parse(message);
  if (event.type !== 'consent.withdrawn') throw new Error(event.type);
  assert.deepEqual(event.data, {
    recordId: '0d8f6c1a-2b3e-4f5a-8b7c-9d0e1f2a3b4c', email: 'maija@example.fi', receivedAt: '2026-12-03T06:00:00.000Z', channel: 'one-click',
    purposes: [{ purpose: 'newsletter', dpv: 'dpv:DirectMarketing', text: 'Uutiskirje', granted: false, confirmed: false }],
  });
});

test('request.received, request.confirmed and request.closed', async () => {
  const { jws, record } = await signRecord(requestSample(), keySigner());
  const stored: StoredRequest = { record: record as DataRequest, jws, kid: 'kid-1', receivedAt: '2026-12-03T06:00:00.000Z', dueBy: '2027-01-04' };
  const received = parse(requestReceivedEvent(stored));
  const confirmed = parse(requestConfirmedEvent(stored, '2026-12-03T06:05:00.000Z'));
  const closed = parse(requestClosedEvent(stored.record, { closedAt: '2026-12-20T10:00:00.000Z', note: 'Corrected.' }));
  if (received.type !== 'request.received' || confirmed.type !== 'request.confirmed' || closed.type !== 'request.closed') throw new Error('types');
  assert.equal(received.data.identity, 'unconfirmed');
  assert.equal(received.data.email, "o'hara@example.com");
  assert.equal(received.data.requestType, 'rectification');
  assert.equal(received.data.dueBy, '2027-01-04');
  assert.equal(received.data.record.id, record.id);
  assert.equal(confirmed.data.identity, 'confirmed');
  assert.equal(confirmed.data.confirmedAt, '2026-12-03T06:05:00.000Z');
  assert.deepEqual(closed.data, { recordId: record.id, email: "o'hara@example.com", requestType: 'rectification', closedAt: '2026-12-20T10:00:00.000Z', note: 'Corrected.' });
  const ids = new Set([requestReceivedEvent(stored).id, requestConfirmedEvent(stored, '2026-12-03T06:05:00.000Z').id, requestClosedEvent(stored.record, { closedAt: '2026-12-20T10:00:00.000Z', note: '' }).id]);
  assert.equal(ids.size, 3);
});

test('a builder refuses data that breaks the schema (here a confirmation time that is not a timestamp)', async () => {
  const { jws, record } = await signRecord(requestSample(), keySigner());
  const stored: StoredRequest = { record: record as DataRequest, jws, kid: 'kid-1', receivedAt: '2026-12-03T06:00:00.000Z', dueBy: '2027-01-04' };
  assert.throws(() => requestConfirmedEvent(stored, 'yesterday'));
});

test('WEBHOOK_URL and WEBHOOK_SECRET are checked at start-up', async () => {
  const { webhookSettings } = await import('../../src/webhooks/settings.js');
  const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
  assert.equal(webhookSettings({}), undefined);
  assert.equal(webhookSettings({ WEBHOOK_URL: ' , ' }), undefined);
  assert.deepEqual(webhookSettings({ WEBHOOK_URL: 'https://crm.example.fi/hooks, http://127.0.0.1:3001/h,https://crm.example.fi/hooks', WEBHOOK_SECRET: secret }), {
    endpoints: ['https://crm.example.fi/hooks', 'http://127.0.0.1:3001/h'],
    secrets: [secret],
    warnings: [],
  });
  assert.match(webhookSettings({ WEBHOOK_URL: 'http://crm.example.fi/h', WEBHOOK_SECRET: secret })!.warnings[0]!, /plain HTTP/);
  assert.equal(webhookSettings({ WEBHOOK_URL: 'https://a.example/h', WEBHOOK_SECRET: `${secret} whsec_dGhpcyBpcyBhIHNlY29uZCBzZWNyZXQgZm9yIHJvdGF0aW9u` })!.secrets.length, 2);
  assert.throws(() => webhookSettings({ WEBHOOK_URL: 'crm.example.fi/hooks', WEBHOOK_SECRET: secret }), /WEBHOOK_URL: .* is not a URL/);
  assert.throws(() => webhookSettings({ WEBHOOK_URL: 'ftp://crm.example.fi/', WEBHOOK_SECRET: secret }), /http or https/);
  assert.throws(() => webhookSettings({ WEBHOOK_URL: 'https://crm.example.fi/' }), /WEBHOOK_SECRET is required/);
  assert.throws(() => webhookSettings({ WEBHOOK_URL: 'https://crm.example.fi/', WEBHOOK_SECRET: 'hunter2' }), /whsec_/);
});
