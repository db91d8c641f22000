// The vendor mappers against the request shapes HubSpot and Mailchimp document
// (test/fixtures/vendors/, with their source URLs).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mailchimpSubscriberHash, toMailchimpMember } from '../../src/integrations/mailchimp.js';
import { toHubSpotSubmission } from '../../src/integrations/hubspot.js';
import { consentRecordEvents } from '../../src/webhooks/events.js';
import { HUBSPOT_LEGAL_BASES, HUBSPOT_REQUIRED, HUBSPOT_SUBMISSION_EXAMPLE } from '../fixtures/vendors/hubspot.js';
import { MAILCHIMP_MEMBER_EXAMPLE, MAILCHIMP_REQUIRED, MAILCHIMP_STATUSES } from '../fixtures/vendors/mailchimp.js';
import { shapeErrors } from '../fixtures/vendors/shape.js';
import { storedConsent } from './webhook-helpers.js';

const SUBSCRIPTIONS = { subscriptionTypeIds: { newsletter: 1001, events: 1002 } };
const PERMISSIONS = { marketingPermissionIds: { newsletter: 'a1b2c3', events: 'd4e5f6' } };
const WEBINAR = { 'event-participation': { subscriptionTypeId: 2001, text: 'Lähetämme webinaarin linkin ja muistutukset.' } };
const decision = (purpose: string, granted: boolean, text: string) => ({ purpose, dpv: 'dpv:DirectMarketing', basis: 'consent' as const, granted, text });

test('shape checker: catches undocumented keys and wrong types (so the tests below can fail)', () => {
  assert.deepEqual(shapeErrors({ fields: [{ name: 1 }], extra: true }, HUBSPOT_SUBMISSION_EXAMPLE), [
    '$.fields[0].name: number, documented string',
    '$.extra: not a documented key',
  ]);
});

test('HubSpot: a confirmed grant has the documented shape, with the exact label per purpose', async () => {
  const { record } = await storedConsent([decision('newsletter', true, 'Haluan uutiskirjeen'), decision('events', false, 'Kutsut tapahtumiin')]);
  const body = toHubSpotSubmission(record, { ...SUBSCRIPTIONS, confirmed: true })!;
  assert.deepEqual(shapeErrors(body, HUBSPOT_SUBMISSION_EXAMPLE), []);
  for (const key of HUBSPOT_REQUIRED) assert.ok(key in body, key);
  assert.deepEqual(body.fields, [{ objectTypeId: '0-1', name: 'email', value: record.subject.email }]);
  assert.deepEqual(body.legalConsentOptions.consent!.communications, [
    { value: true, subscriptionTypeId: 1001, text: 'Haluan uutiskirjeen' },
    { value: false, subscriptionTypeId: 1002, text: 'Kutsut tapahtumiin' },
  ]);
  assert.equal(body.legalConsentOptions.consent!.consentToProcess, true);
  assert.match(body.legalConsentOptions.consent!.text, new RegExp(record.notice.version));
  assert.equal(body.submittedAt, String(Date.parse(record.issuedAt)));
  assert.equal(body.context!.pageUri, record.source.url);
  assert.equal(body.legalConsentOptions.legitimateInterest, undefined);
});

test('HubSpot: an unconfirmed grant is left out until confirmed; the event data carries the state', async () => {
  const stored = await storedConsent([decision('newsletter', true, 'Haluan uutiskirjeen')]);
  assert.equal(toHubSpotSubmission(stored.record, SUBSCRIPTIONS), undefined);
  const granted = JSON.parse(consentRecordEvents(stored)[0]!.body).data;
  assert.equal(toHubSpotSubmission(granted, SUBSCRIPTIONS), undefined);
  const confirmed = JSON.parse(consentRecordEvents(stored, { confirmed: true })[0]!.body).data;
  assert.deepEqual(toHubSpotSubmission(confirmed, SUBSCRIPTIONS)!.legalConsentOptions.consent!.communications, [
    { value: true, subscriptionTypeId: 1001, text: 'Haluan uutiskirjeen' },
  ]);
});

test('HubSpot: a webinar signup sends its legitimate-interest processing as legitimateInterest (LEAD)', async () => {
  // The sample record: newsletter granted, events refused, event-participation on legitimate interest.
  const { record } = await storedConsent();
  const body = toHubSpotSubmission(record, { ...SUBSCRIPTIONS, legitimateInterest: WEBINAR })!;
  assert.deepEqual(shapeErrors(body, HUBSPOT_SUBMISSION_EXAMPLE), []);
  assert.deepEqual(body.legalConsentOptions.legitimateInterest, {
    value: true, subscriptionTypeId: 2001, legalBasis: 'LEAD', text: WEBINAR['event-participation'].text,
  });
  assert.ok(HUBSPOT_LEGAL_BASES.includes(body.legalConsentOptions.legitimateInterest!.legalBasis));
  // The newsletter grant is not confirmed yet: only the refusal of events travels.
  assert.deepEqual(body.legalConsentOptions.consent!.communications, [{ value: false, subscriptionTypeId: 1002, text: 'Kutsut tapahtumiin ja webinaareihin' }]);
  const customer = toHubSpotSubmission(record, { subscriptionTypeIds: {}, legitimateInterest: { 'event-participation': { ...WEBINAR['event-participation'], legalBasis: 'CUSTOMER' } } })!;
  assert.equal(customer.legalConsentOptions.consent, undefined);
  assert.equal(customer.legalConsentOptions.legitimateInterest!.legalBasis, 'CUSTOMER');
});

test('Mailchimp: a confirmed grant subscribes, with the documented shape and a permission per purpose', async () => {
  const { record } = await storedConsent([decision('newsletter', true, 'Haluan uutiskirjeen'), decision('events', false, 'Kutsut')], 'Maija@Example.FI');
  const member = toMailchimpMember(record, { ...PERMISSIONS, confirmed: true })!;
  assert.deepEqual(shapeErrors(member, MAILCHIMP_MEMBER_EXAMPLE), []);
  for (const key of MAILCHIMP_REQUIRED) assert.ok(key in member, key);
  assert.ok(MAILCHIMP_STATUSES.includes(member.status_if_new) && MAILCHIMP_STATUSES.includes(member.status!));
  assert.deepEqual(member, {
    email_address: 'Maija@Example.FI', // as given; only the hash is lower-cased
    status_if_new: 'subscribed',
    status: 'subscribed',
    marketing_permissions: [
      { marketing_permission_id: 'a1b2c3', enabled: true },
      { marketing_permission_id: 'd4e5f6', enabled: false },
    ],
  });
  // MD5('maija@example.fi'), computed independently (`printf maija@example.fi | md5sum`).
  assert.equal(mailchimpSubscriberHash(' Maija@Example.FI '), 'b0c8ac00cbd215f4ce3fd5a8177d57ac');
});

test('Mailchimp: unconfirmed grants never become subscribed (nor pending)', async () => {
  const stored = await storedConsent([decision('newsletter', true, 'Haluan uutiskirjeen')]);
  assert.equal(toMailchimpMember(stored.record, PERMISSIONS), undefined);
  assert.equal(toMailchimpMember(JSON.parse(consentRecordEvents(stored)[0]!.body).data, PERMISSIONS), undefined);
  // Beside a withdrawal: only the withdrawal travels, and no status change for a known member.
  const mixed = await storedConsent([decision('newsletter', true, 'Haluan uutiskirjeen'), decision('events', false, 'Kutsut')]);
  const member = toMailchimpMember(mixed.record, PERMISSIONS)!;
  assert.deepEqual(shapeErrors(member, MAILCHIMP_MEMBER_EXAMPLE), []);
  assert.equal(member.status, undefined);
  assert.equal(member.status_if_new, 'unsubscribed');
  assert.deepEqual(member.marketing_permissions, [{ marketing_permission_id: 'd4e5f6', enabled: false }]);
});

test('Mailchimp: withdrawing every purpose unsubscribes; unmapped purposes change nothing', async () => {
  const stored = await storedConsent([decision('newsletter', false, 'Haluan uutiskirjeen'), decision('events', false, 'Kutsut')]);
  const withdrawn = JSON.parse(consentRecordEvents(stored)[0]!.body);
  assert.equal(withdrawn.type, 'consent.withdrawn');
  const member = toMailchimpMember(withdrawn.data, PERMISSIONS)!;
  assert.deepEqual(shapeErrors(member, MAILCHIMP_MEMBER_EXAMPLE), []);
  assert.equal(member.status, 'unsubscribed');
  assert.equal(member.status_if_new, 'unsubscribed');
  assert.ok(member.marketing_permissions.every((p) => p.enabled === false));
  const blog = await storedConsent([decision('blog', true, 'Blogi')]);
  assert.equal(toMailchimpMember(blog.record, { ...PERMISSIONS, confirmed: true }), undefined);
});
