import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  ConsentRecord,
  DataRequest,
  Details,
  Email,
  Organisation,
  PersonName,
  Phone,
  PrivacyRecord,
  RequiredDetails,
} from '../src/schemas.js';
import { consentSample, requestSample } from './samples.js';

/** The first issue's code, or 'ok'. */
function verdict(schema: { safeParse(v: unknown): { success: boolean; error?: { issues: { message: string }[] } } }, value: unknown) {
  const result = schema.safeParse(value);
  return result.success ? 'ok' : result.error!.issues[0]!.message;
}

describe('fields people type', () => {
  test('names: real names pass, empty/blank/control characters/too long do not', () => {
    for (const name of ['Åsa Öhman-Äijälä', "Seán O'Brien", 'José María de la Cruz', '李小龍', 'Zoë Saldaña', 'Nguyễn Thị Minh Khai', 'Ali']) {
      assert.equal(verdict(PersonName, name), 'ok', name);
    }
    assert.equal(verdict(PersonName, ''), 'required');
    assert.equal(verdict(PersonName, undefined), 'required');
    assert.equal(verdict(PersonName, ' \t '), 'blank');
    assert.equal(verdict(PersonName, '\u00a0\u2003'), 'blank', 'non-breaking and em spaces are blank too');
    assert.equal(verdict(PersonName, 'Matti\u0000Meikäläinen'), 'control-chars');
    assert.equal(verdict(PersonName, 'Matti\nMeikäläinen'), 'control-chars', 'a name is one line');
    assert.equal(verdict(PersonName, 'Matti\u200fMeikäläinen'), 'ok', 'direction marks are legitimate in names');
    assert.equal(verdict(PersonName, 'x'.repeat(200)), 'ok');
    assert.equal(verdict(PersonName, 'x'.repeat(201)), 'too-long');
    assert.equal(verdict(PersonName, 42), 'invalid-type');
    assert.equal(verdict(Organisation, 'Oy Esimerkki Ab / R&D'), 'ok');
  });

  test('e-mail: + tags, apostrophes, subdomains and punycode domains pass; broken addresses do not', () => {
    for (const email of ['maija+uutiset@example.fi', "o'hara@example.ie", 'first.last@mail.example.co.uk', 'x@xn--mnchen-3ya.de', 'a@b.museum', 'UPPER@EXAMPLE.FI']) {
      assert.equal(verdict(Email, email), 'ok', email);
    }
    for (const email of ['maija', 'maija@', '@example.fi', 'maija@example', 'maija @example.fi', 'maija..x@example.fi', '.maija@example.fi', 'maija@-example.fi', 'maija@example..fi', 'maija@example.fi ', 'mäijä@example.fi']) {
      assert.equal(verdict(Email, email), 'invalid-email', email);
    }
    assert.equal(verdict(Email, ''), 'required');
    assert.equal(verdict(Email, `${'a'.repeat(245)}@example.fi`), 'too-long');
  });

  test('phone: national and international formats with 6–20 digits', () => {
    for (const phone of ['+358 40 123 4567', '040-123 4567', '(09) 123 456', '+1 (555) 010-0000', '123456', '+44 20 7946 0958', '(+44) 20 7946 0958']) {
      assert.equal(verdict(Phone, phone), 'ok', phone);
    }
    for (const phone of ['12345', '+358 40 abc 4567', '++358401234567', '358+401234567', '123456789012345678901', '+', '040/1234567', '040.123.4567']) {
      assert.equal(verdict(Phone, phone), 'invalid-phone', phone);
    }
    assert.equal(verdict(Phone, ''), 'required');
  });

  test('details: free text keeps line breaks and tabs, refuses other control characters, max 4000', () => {
    assert.equal(verdict(Details, 'Rivi 1\r\nRivi 2\n\tsisennys'), 'ok');
    assert.equal(verdict(Details, ''), 'ok', 'optional text may be empty');
    assert.equal(verdict(Details, 'bell\u0007'), 'control-chars');
    assert.equal(verdict(Details, 'x'.repeat(4000)), 'ok');
    assert.equal(verdict(Details, 'x'.repeat(4001)), 'too-long');
    assert.equal(verdict(RequiredDetails, ' \n '), 'blank');
    assert.equal(verdict(RequiredDetails, ''), 'required');
  });
});

describe('records', () => {
  const consent = { ...consentSample(), signer: { persistent: true } };
  const request = { ...requestSample(), signer: { persistent: true } };

  test('the samples are valid, through the union too', () => {
    assert.equal(verdict(ConsentRecord, consent), 'ok');
    assert.equal(verdict(DataRequest, request), 'ok');
    assert.equal(verdict(PrivacyRecord, consent), 'ok');
    assert.equal(verdict(PrivacyRecord, request), 'ok');
  });

  test('a rectification must say what to correct; other requests may leave details out', () => {
    const { details: _, ...withoutDetails } = request;
    assert.equal(verdict(PrivacyRecord, { ...request, details: '   ' }), 'blank');
    assert.deepEqual(PrivacyRecord.safeParse(withoutDetails).error?.issues[0]?.path, ['details']);
    for (const requestType of ['access', 'erasure', 'restriction', 'objection', 'portability', 'withdraw-consent']) {
      assert.equal(verdict(PrivacyRecord, { ...withoutDetails, requestType }), 'ok', requestType);
    }
    assert.equal(verdict(PrivacyRecord, { ...request, requestType: 'delete-everything' }), 'invalid-value');
  });

  test('sites can add purposes as slugs; anything else is refused', () => {
    const withPurpose = (purpose: string) => ({ ...consent, decisions: [{ ...consent.decisions[0]!, purpose }] });
    assert.equal(verdict(PrivacyRecord, withPurpose('webinar-recordings')), 'ok');
    for (const purpose of ['Webinar', 'two words', 'trailing-', '', 'x'.repeat(65)]) {
      assert.notEqual(verdict(PrivacyRecord, withPurpose(purpose)), 'ok', purpose);
    }
  });

  test('a decision is always a consent; processing names one basis in words and DPV alike', () => {
    assert.notEqual(verdict(PrivacyRecord, { ...consent, decisions: [{ ...consent.decisions[0]!, basis: 'legitimate-interest' }] }), 'ok');
    const processing = consent.processing[0]!;
    assert.notEqual(verdict(PrivacyRecord, { ...consent, processing: [{ ...processing, basisDpv: 'dpv:Consent' }] }), 'ok');
    assert.notEqual(verdict(PrivacyRecord, { ...consent, processing: [{ ...processing, basis: 'consent', basisDpv: 'dpv:Consent' }] }), 'ok');
    assert.equal(verdict(PrivacyRecord, { ...consent, processing: [{ ...processing, basis: 'contract', basisDpv: 'dpv:Contract' }] }), 'ok');
  });

  test('ids, times, digests and unknown fields', () => {
    const bad: Record<string, unknown>[] = [
      { id: crypto.randomUUID().toUpperCase() },
      { id: '6ba7b810-9dad-11d1-80b4-00c04fd430c8' }, // UUID v1
      { issuedAt: '2026-11-25T10:00:00+02:00' },
      { issuedAt: '2026-13-25T10:00:00Z' },
      { notice: { version: '1', digest: 'ABC' } },
      { locale: 'de' },
      { source: { url: 'javascript:alert(1)', element: 'consent-form' } },
      { extra: true },
      { subject: { email: 'a@example.fi', name: 'not allowed in consent' } },
    ];
    for (const patch of bad) assert.notEqual(verdict(PrivacyRecord, { ...consent, ...patch }), 'ok', JSON.stringify(patch));
    assert.equal(verdict(PrivacyRecord, { ...consent, issuedAt: '2026-11-25T10:00:00Z' }), 'ok', 'seconds precision is fine');
    for (const locale of ['fi', 'sv', 'en']) assert.equal(verdict(PrivacyRecord, { ...consent, locale }), 'ok', locale);
  });
});
