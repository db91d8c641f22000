import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { composeConfirmation, composeConsentConfirmation, composeKnownAddress, composeRequestConfirmation, needsConfirmation } from '../../src/mail/compose.js';
import { formatDateTime } from '../../src/mail/layout.js';
import { siteText } from '../../src/mail/site.js';
import { ConsentRecord, DataRequest } from '@optimesys/privacy-records/schemas';
import { consentRecord, label, requestRecord, webinarRecord, type Lang } from '../helpers/mail-records.js';

const confirmUrl = 'https://privacy.optimesys.fi/confirm/AbC_-123';
const expiresAt = new Date('2026-12-10T05:02:00Z');
const LANGS: Lang[] = ['fi', 'en', 'sv'];
/** ISSUED, expiresAt and the due date of a request issued then, as each language writes them (Finnish local time). */
const WHEN: Record<Lang, { issued: string; expires: string; due: string; days: Record<string, string> }> = {
  fi: { issued: '3.12.2026 klo 7.02', expires: '10.12.2026 klo 7.02', due: '4.1.2027', days: { '1.12.2026': '1.12.2026', '2.12.2026': '2.12.2026' } },
  sv: { issued: '3.12.2026 kl. 7.02', expires: '10.12.2026 kl. 7.02', due: '4.1.2027', days: { '1.12.2026': '1.12.2026', '2.12.2026': '2.12.2026' } },
  en: { issued: '3 December 2026 at 07:02', expires: '10 December 2026 at 07:02', due: '4 January 2027', days: { '1.12.2026': '1 December 2026', '2.12.2026': '2 December 2026' } },
};
const mailStrings = (lang: Lang) => JSON.parse(readFileSync(`packages/receiver/locales/${lang}/mail.json`, 'utf8'));
/** Tags stripped and entities decoded: what a reader of the HTML part sees. */
const visible = (html: string) =>
  html
    .replace(/<[^>]+>/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');
const links = (html: string) => [...html.matchAll(/<a\s[^>]*href="([^"]*)"/g)].map((m) => m[1]);
const fill = (t: string, v: Record<string, string>) => t.replace(/\{\{(\w+)\}\}/g, (_, k: string) => v[k]!);
/** The site as a receiver configured for www.optimesys.fi knows it. */
const site = siteText({ origins: ['https://privacy.optimesys.fi', 'https://www.optimesys.fi'] });

describe('consent confirmation mail', () => {
  for (const lang of LANGS) {
    it(`${lang}: lists the granted purposes in the site's words, when and on which of its pages, with one confirm link`, () => {
      const record = consentRecord(lang);
      ConsentRecord.parse(record);
      const mail = composeConsentConfirmation({ record, confirmUrl, expiresAt, site });
      const s = mailStrings(lang);
      assert.equal(mail.to, 'maija.meikalainen@example.fi');
      assert.equal(mail.subject, s.consent.subject);
      assert.equal(mail.locale, lang);
      assert.equal(mail.headers['Content-Language'], lang);
      assert.equal(mail.headers['Auto-Submitted'], 'auto-generated');
      assert.match(mail.html, new RegExp(`<html lang="${lang}">`));
      for (const part of [mail.text, visible(mail.html)]) {
        assert.ok(part.includes(label(lang, 'newsletter')));
        assert.ok(part.includes(label(lang, 'events')));
        assert.ok(!part.includes(label(lang, 'blog')), 'a refused purpose is not asked to be confirmed');
        assert.ok(part.includes('https://www.optimesys.fi/uutiskirje'));
        assert.ok(!part.includes('utm=x'), 'the page is named by origin and path: a query could carry any text');
        assert.ok(part.includes(WHEN[lang].issued));
        assert.ok(part.includes(WHEN[lang].expires), 'expiry');
        assert.ok(part.includes(s.consent.notMe));
        assert.ok(part.includes(confirmUrl));
      }
      // the only links are the confirmation URL (button and spelled out); the page URL is text
      assert.deepEqual([...new Set(links(mail.html))], [confirmUrl]);
      assert.ok(mail.text.includes(`- ${label(lang, 'newsletter')}\n- ${label(lang, 'events')}`));
    });

    it(`${lang}: the labels are the site's, whatever text the record carries; another site's page is not named`, () => {
      const record = consentRecord(lang);
      record.decisions[0]!.text = 'Your account is locked: log in at https://evil.example/login';
      record.source = { ...record.source, url: 'https://evil.example/login' };
      const mail = composeConsentConfirmation({ record, confirmUrl, expiresAt, site });
      for (const part of [mail.text, visible(mail.html)]) {
        assert.ok(!part.includes('evil.example'), part);
        assert.ok(part.includes(label(lang, 'newsletter')));
        const date = formatDateTime(new Date(record.issuedAt), lang);
        assert.ok(part.includes(fill(mailStrings(lang).consent.introNoPage, { date, email: record.subject.email })), 'the wording without a page');
      }
    });
  }

  it('site labels a site added are used, and a purpose nobody named is shown by its id', () => {
    const record = consentRecord('en');
    record.decisions = [{ purpose: 'webinar-recordings', dpv: 'dpv:DirectMarketing', basis: 'consent', granted: true, text: '<script>x</script>' }];
    const named = composeConsentConfirmation({ record, confirmUrl, expiresAt, site: siteText({ purposes: { 'webinar-recordings': { en: 'Send me webinar recordings' } } }) });
    assert.ok(named.text.includes('- Send me webinar recordings'));
    const unnamed = composeConsentConfirmation({ record, confirmUrl, expiresAt });
    assert.ok(unnamed.text.includes('- webinar-recordings'));
    assert.ok(!unnamed.html.includes('<script') && !unnamed.text.includes('<script'));
  });

  it('a record that only withdraws needs no mail', () => {
    const record = consentRecord('fi');
    record.decisions = record.decisions.map((d) => ({ ...d, granted: false }));
    assert.equal(needsConfirmation(record), false);
    assert.throws(() => composeConsentConfirmation({ record, confirmUrl, expiresAt }), TypeError);
    assert.equal(needsConfirmation(consentRecord('fi')), true);
    assert.equal(needsConfirmation(requestRecord('fi')), true);
  });
});

describe('webinar confirmation mail', () => {
  for (const lang of LANGS) {
    it(`${lang}: says the signup stands and only the consents wait`, () => {
      const record = webinarRecord(lang);
      ConsentRecord.parse(record);
      const mail = composeConfirmation({ record, confirmUrl, expiresAt, site });
      const s = mailStrings(lang);
      assert.equal(mail.subject, s.webinar.subject);
      const text = mail.text;
      assert.ok(!text.includes('Webinaari 10.12.2026'), 'the record context is the page\'s word, never repeated');
      assert.ok(text.includes('https://www.optimesys.fi/webinaari'));
      assert.match(text, { fi: /ei tarvitse vahvistaa/, sv: /behöver inte bekräftas/, en: /needs no confirmation/ }[lang]);
      assert.ok(text.includes(s.webinar.waiting));
      assert.ok(text.includes(s.webinar.action));
      assert.ok(text.includes(label(lang, 'newsletter')));
      assert.ok(!text.includes(label(lang, 'event-participation')), 'the signup is not a consent to confirm');
      assert.ok(!text.includes(s.consent.intro.slice(0, 15)), 'not the landing-page wording');
      assert.ok(visible(mail.html).includes(s.webinar.notMe));
    });
  }

  it('without a page of the site: the wording without one', () => {
    const mail = composeConsentConfirmation({ record: webinarRecord('fi', null), confirmUrl, expiresAt });
    assert.match(mail.text, /^Ilmoittautumisesi on vastaanotettu\. Ilmoittauduit 3\.12\.2026 klo 7\.02 \(Suomen aikaa\)\. /m);
    const sv = composeConsentConfirmation({ record: webinarRecord('sv', null), confirmUrl, expiresAt });
    assert.match(sv.text, /^Din anmälan har tagits emot\. Du anmälde dig den 3\.12\.2026 kl\. 7\.02 \(finländsk tid\)\. /m);
  });
});

describe('data request confirmation mail', () => {
  for (const lang of LANGS) {
    it(`${lang}: the request in words, reference, due date and confirm link`, () => {
      const record = requestRecord(lang);
      DataRequest.parse(record);
      const mail = composeRequestConfirmation({ record, confirmUrl, expiresAt, site });
      const s = mailStrings(lang);
      const typeLabel = JSON.parse(readFileSync(`packages/receiver/locales/${lang}/labels.json`, 'utf8')).types.erasure.label;
      assert.equal(mail.subject, s.request.subject);
      for (const part of [mail.text, visible(mail.html)]) {
        assert.ok(part.includes(typeLabel));
        assert.ok(part.includes(record.id));
        assert.ok(part.includes('Maija Meikäläinen'));
        assert.ok(part.includes('https://www.optimesys.fi/tietosuoja'));
        // received 3.12.2026: one month later is 3.1.2027 (a Sunday), so Monday 4.1.2027
        assert.ok(part.includes(WHEN[lang].due), part);
        assert.ok(part.includes(s.request.notMe));
        assert.ok(part.includes(confirmUrl));
      }
      assert.deepEqual([...new Set(links(mail.html))], [confirmUrl]);
    });
  }

  it('uses the due date of the receipt when given, and escapes the name', () => {
    const record = requestRecord('en', { subject: { name: '<b>Bob</b>', email: 'bob@example.fi' } });
    const mail = composeRequestConfirmation({ record, confirmUrl, expiresAt, dueBy: '2027-01-05' });
    assert.ok(mail.text.includes('5 January 2027'));
    assert.ok(!mail.html.includes('<b>Bob'));
    assert.ok(mail.html.includes('&lt;b&gt;Bob&lt;/b&gt;'));
  });
});

describe('known-address mail (a new device, #13)', () => {
  const preferencesUrl = 'https://www.optimesys.fi/preferences.html#token=PrEfS_-1';
  const preferencesExpiresAt = new Date('2026-12-04T05:02:00Z');
  for (const lang of LANGS) {
    it(`${lang}: the current state by exact label and day, what was asked, the preference link first and the confirm link second`, () => {
      const record = consentRecord(lang);
      record.decisions[0]!.text = 'Uutiskirje <b>';
      const current = [
        { purpose: 'newsletter', granted: true, since: '2026-11-30T22:30:00Z' }, // 1.12. in Helsinki
        { purpose: 'blog', granted: false, since: '2026-12-02T10:00:00Z' },
        { purpose: 'events', granted: false },
      ];
      const mail = composeKnownAddress({ record, confirmUrl, expiresAt, current, withdrawn: ['blog'], preferencesUrl, preferencesExpiresAt, manageUrl: 'https://www.optimesys.fi/preferences.html', site });
      const s = mailStrings(lang);
      const day = (d: string) => WHEN[lang].days[d]!;
      assert.equal(mail.subject, s.known.subject);
      assert.equal(mail.headers['Content-Language'], lang);
      for (const part of [mail.text, visible(mail.html)]) {
        assert.ok(part.includes(fill(s.known.on, { label: label(lang, 'newsletter'), date: day('1.12.2026') })), part);
        assert.ok(!part.includes('Uutiskirje <b>'), 'the record\'s own text is not repeated');
        assert.ok(part.includes(fill(s.known.off, { label: label(lang, 'blog'), date: day('2.12.2026') })));
        assert.ok(part.includes(fill(s.known.waiting, { label: label(lang, 'events') })));
        assert.ok(part.includes(s.known.turnedOff));
        assert.ok(part.includes('https://www.optimesys.fi/uutiskirje'));
      }
      assert.deepEqual(links(mail.html), [preferencesUrl, preferencesUrl, confirmUrl, 'https://www.optimesys.fi/preferences.html'].map((u) => u.replace(/&/g, '&amp;')));
      assert.ok(mail.text.indexOf(preferencesUrl) < mail.text.indexOf(confirmUrl));
    });
  }
});

it('fi, en and sv mail strings use the same placeholders', () => {
  const placeholders = (value: unknown, path = ''): string[] =>
    typeof value === 'string'
      ? [...value.matchAll(/\{\{(\w+)\}\}/g)].map((m) => `${path}:${m[1]}`).sort()
      : Object.entries(value as object).flatMap(([k, v]) => placeholders(v, `${path}.${k}`));
  assert.deepEqual(placeholders(mailStrings('en')), placeholders(mailStrings('fi')));
  assert.deepEqual(placeholders(mailStrings('sv')), placeholders(mailStrings('fi')));
  assert.ok(placeholders(mailStrings('fi')).includes('.consent.intro:email'));
});

it('times are Finnish local time in every language, summer time included', () => {
  const midsummer = new Date('2026-06-19T21:30:00Z'); // 00.30 on the 20th in Helsinki (UTC+3)
  assert.equal(formatDateTime(midsummer, 'fi'), '20.6.2026 klo 0.30 (Suomen aikaa)');
  assert.equal(formatDateTime(midsummer, 'en'), '20 June 2026 at 00:30 (Finnish time)');
  // Finland-Swedish: the date as in Finnish, `kl.` before the time (sv-FI's own short style has none)
  assert.equal(formatDateTime(midsummer, 'sv'), '20.6.2026 kl. 0.30 (finländsk tid)');
  assert.equal(formatDateTime(new Date('2026-12-03T12:05:00Z'), 'sv'), '3.12.2026 kl. 14.05 (finländsk tid)');
});
