// Issue #13, a returning visitor on a new device: a record from a device key with no confirmed
// history for an address that already has confirmed choices gets the same HTTP answer as any
// other, and its confirmation mail (which only the address owner reads) is the known-address
// variant: the current state with the exact labels and since when, what the form asked for, a
// preference link first and this record's confirmation second. Through the real receiver and a
// real SMTP server (smtp-server, read with mailparser), in Finnish, English and Swedish.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { createConsentRecord, processingNotice } from '@optimesys/privacy-records/create';
import { keySigner, signRecord } from '@optimesys/privacy-records/sign';
import { createMailTransport } from '../../src/mail/transport.js';
import { currentConsents } from '../../src/derive.js';
import { DEFAULT_MAIL_CAP } from '../../src/mail/caps.js';
import { startTestSmtp, type ReceivedMail, type TestSmtp } from '../helpers/smtp.js';
import { tempDir } from './helpers.js';
import { serveReceiver, type Served } from './serve.js';

type Lang = 'fi' | 'en' | 'sv';
type Known = { subject: string; on: string; off: string; requested: string; turnedOff: string; button: string; confirmInstead: string };
const locale = (lang: Lang, file: string) => JSON.parse(readFileSync(`packages/receiver/locales/${lang}/${file}.json`, 'utf8'));
const labels = (lang: Lang) => (locale(lang, 'labels') as { purposes: Record<string, { label: string }> }).purposes;
const mailStrings = (lang: Lang) => locale(lang, 'mail') as { known: Known; consent: { subject: string }; webinar: { subject: string } };
const NOTICE = { version: '2018-05-24', digest: 'a'.repeat(64) };
let n = 0;
const address = (what: string) => `${what}-${++n}-${Date.now()}@example.fi`;

function consent(email: string, lang: Lang, granted: Record<string, boolean>, webinar = false) {
  return createConsentRecord({
    subject: { email },
    locale: lang,
    notice: NOTICE,
    source: {
      url: webinar ? 'https://www.optimesys.fi/webinaari' : 'https://www.optimesys.fi/uutiskirje',
      element: 'consent-form',
      ...(webinar ? { context: 'webinar-2026-12-10' } : {}),
    },
    decisions: Object.entries(granted).map(([purpose, g]) => ({ purpose, dpv: 'dpv:DirectMarketing', basis: 'consent' as const, granted: g, text: labels(lang)[purpose]!.label })),
    processing: webinar ? [processingNotice('event-participation', 'dpv:RequestedServiceProvision', 'legitimate-interest')] : [],
  });
}
/** One device: one key for every record it signs, as the browser's signer keeps one. */
const device = () => {
  const signer = keySigner();
  return (record: Parameters<typeof signRecord>[0]) => signRecord(record, signer);
};
const text = (mail: ReceivedMail) => String(mail.parsed.text);
const confirmLink = (mail: ReceivedMail) => text(mail).match(/https?:\/\/\S+\/confirm\/[A-Za-z0-9_-]+/)?.[0] ?? assert.fail('no confirmation link');
const prefsToken = (mail: ReceivedMail) => text(mail).match(/\/preferences\.html#token=([A-Za-z0-9_-]+)/)?.[1];
/** The day as the mail should show it, computed apart from the receiver's code. */
const day = (iso: string, lang: Lang) =>
  new Intl.DateTimeFormat({ fi: 'fi-FI', en: 'en-GB', sv: 'sv-FI' }[lang], { timeZone: 'Europe/Helsinki', dateStyle: lang === 'en' ? 'long' : 'short' }).format(new Date(iso));
const fill = (template: string, values: Record<string, string>) => template.replace(/\{\{(\w+)\}\}/g, (_, k: string) => values[k]!);

describe('a known address from a new device (#13)', () => {
  let smtp: TestSmtp;
  let receiver: Served;
  before(async () => {
    smtp = await startTestSmtp();
    receiver = await serveReceiver({
      dataDir: tempDir(),
      // The site's pages post from www.optimesys.fi: mails may name them.
      allowedOrigins: ['https://www.optimesys.fi'],
      mail: {
        transport: createMailTransport({ smtpUrl: smtp.url, from: 'OptimeSys <tietosuoja@optimesys.fi>' }),
        sender: { intervalMs: 50, backoff: { baseMs: 100, capMs: 300, jitter: 0 } },
        // Every test posts from 127.0.0.1: the default allowance of one client (20 mails an hour) would
        // stop this file's mails before its last language. The per-mailbox cap stays as it is.
        cap: { ...DEFAULT_MAIL_CAP, clientMax: 100 },
      },
    });
  });
  after(async () => {
    await receiver.close();
    await smtp.stop();
  });

  const post = (jws: string, token?: string) =>
    fetch(new URL('/api/records', receiver.url), {
      method: 'POST',
      headers: { 'content-type': 'application/jose', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: jws,
    });
  const states = async (email: string) => currentConsents(await receiver.store.byEmail(email), await receiver.store.events(email));
  const granted = async (email: string) => Object.fromEntries((await states(email)).map((s) => [s.purpose, s.granted]));
  const mailsTo = (email: string) => smtp.messages.filter((m) => m.envelope.to.includes(email));
  const nextMail = (email: string, count: number) => smtp.waitFor((m) => m.envelope.to.includes(email) && mailsTo(email).indexOf(m) === count - 1, 10_000);
  /** The visible part of an answer: status, content type, and the body's keys and confirmation state. */
  const shape = async (response: Response) => {
    const body = (await response.json()) as Record<string, unknown>;
    return { status: response.status, type: response.headers.get('content-type'), keys: Object.keys(body).sort(), confirmation: body.confirmation };
  };

  /** Device A subscribes (newsletter, events; blog refused) and the owner confirms from the mail. */
  async function subscribeOnA(email: string, lang: Lang, signA: ReturnType<typeof device>) {
    assert.equal((await post((await signA(consent(email, lang, { newsletter: true, blog: false, events: true }))).jws)).status, 201);
    const mail = await nextMail(email, 1);
    assert.equal(mail.parsed.subject, mailStrings(lang).consent.subject);
    assert.equal((await fetch(confirmLink(mail), { method: 'POST' })).status, 200);
    assert.deepEqual(await granted(email), { newsletter: true, blog: false, events: true });
  }

  for (const lang of ['fi', 'en', 'sv'] as const) {
    const s = mailStrings(lang);
    const label = (purpose: string) => labels(lang)[purpose]!.label;

    it(`${lang}: device B gets the same answer for a known and an unknown address; only the mails differ`, async () => {
      const known = address(`known-${lang}`);
      const unknown = address(`unknown-${lang}`);
      const signA = device();
      const signB = device();
      await subscribeOnA(known, lang, signA);
      const since = (await states(known)).find((st) => st.purpose === 'newsletter')!.confirmedAt!;
      const blogOffSince = (await states(known)).find((st) => st.purpose === 'blog')!.decidedAt;

      // Device B: the blog, for the known and for an unknown address.
      const fromB = consent(known, lang, { blog: true });
      const answers = await Promise.all([
        post((await signB(fromB)).jws).then(shape),
        post((await signB(consent(unknown, lang, { blog: true }))).jws).then(shape),
      ]);
      assert.deepEqual(answers[0], { status: 201, type: 'application/json', keys: answers[0]!.keys, confirmation: 'pending' });
      assert.deepEqual(answers[0], answers[1], 'nothing on the page tells a known address from an unknown one');

      // The unknown address gets the plain confirmation: no preference link, no state.
      const plain = await nextMail(unknown, 1);
      assert.equal(plain.parsed.subject, s.consent.subject);
      assert.equal(prefsToken(plain), undefined);
      assert.ok(!text(plain).includes(fill(s.known.on, { label: label('newsletter'), date: '' }).trim()));

      // The known address gets the known variant.
      const mail = await nextMail(known, 2);
      assert.equal(mail.parsed.subject, s.known.subject);
      assert.equal(mail.parsed.headers.get('content-language'), lang);
      const body = text(mail);
      // Current state: exact labels, since when (Finnish local day).
      assert.ok(body.includes(`- ${fill(s.known.on, { label: label('newsletter'), date: day(since, lang) })}`), body);
      assert.ok(body.includes(`- ${fill(s.known.on, { label: label('events'), date: day(since, lang) })}`), body);
      assert.ok(body.includes(`- ${fill(s.known.off, { label: label('blog'), date: day(blogOffSince, lang) })}`), body);
      // What the form asked for, and on which page.
      assert.ok(body.includes(`${s.known.requested}\n\n- ${label('blog')}`), body);
      assert.ok(!body.includes(s.known.turnedOff), 'nothing was turned off');
      assert.ok(body.includes('https://www.optimesys.fi/uutiskirje'));
      // The preference link first (the button), the confirmation second (plain link).
      const token = prefsToken(mail) ?? assert.fail('no preference link');
      const confirm = confirmLink(mail);
      assert.ok(body.indexOf('#token=') < body.indexOf('/confirm/'), 'the preference link leads');
      const html = String(mail.parsed.html);
      assert.match(html, new RegExp(`<a href="[^"]+/preferences\\.html#token=${token}"[^>]*style="display:inline-block[^"]*">${s.known.button}</a>`));
      assert.doesNotMatch(html, /\/confirm\/[A-Za-z0-9_-]+"[^>]*style="display:inline-block/, 'the confirm link is no button');

      // Nothing changed: the record from B waits.
      assert.deepEqual(await granted(known), { newsletter: true, blog: false, events: true });
      const blog = (await states(known)).find((st) => st.purpose === 'blog')!;
      assert.equal(blog.pending, true);
      assert.equal(blog.pendingRecordId, fromB.id);
      // Mail scanners fetch every link: GETs change nothing.
      assert.equal((await fetch(confirm)).status, 200);
      assert.deepEqual(await granted(known), { newsletter: true, blog: false, events: true });

      // The preference link opens the current state.
      const opened = await fetch(new URL('/api/preferences', receiver.url), { headers: { authorization: `Bearer ${token}` } });
      assert.equal(opened.status, 200);
      const state = (await opened.json()) as { email: string; purposes: { purpose: string; granted: boolean; text: string }[] };
      assert.equal(state.email, known);
      assert.deepEqual(
        state.purposes.map((p) => [p.purpose, p.granted, p.text]),
        [['blog', false, label('blog')], ['events', true, label('events')], ['newsletter', true, label('newsletter')]],
      );

      // Saving from it (this device's key, with the token) applies at once.
      const save = await post((await signB(consent(known, lang, { newsletter: false, blog: true, events: true }))).jws, token);
      assert.equal(save.status, 201);
      assert.deepEqual(await granted(known), { newsletter: false, blog: true, events: true });
      // Device B now has confirmed history: its next record gets the plain mail.
      await post((await signB(consent(known, lang, { newsletter: true }))).jws);
      const third = await nextMail(known, 3);
      assert.equal(third.parsed.subject, s.consent.subject);
      assert.equal(prefsToken(third), undefined);
    });

    it(`${lang}: the whole form from device B: its withdrawals count at once and the mail says so; its grant waits for the secondary link`, async () => {
      const email = address(`second-${lang}`);
      const signA = device();
      const signB = device();
      await subscribeOnA(email, lang, signA);
      // What <consent-form> sends: every toggle, the untouched ones as refusals.
      const fromB = consent(email, lang, { newsletter: false, blog: true, events: true });
      assert.equal((await post((await signB(fromB)).jws)).status, 201);
      const mail = await nextMail(email, 2);
      assert.equal(mail.parsed.subject, s.known.subject);
      const body = text(mail);
      const withdrawnAt = (await states(email)).find((st) => st.purpose === 'newsletter')!.decidedAt;
      assert.ok(body.includes(`${s.known.turnedOff}\n\n- ${label('newsletter')}`), body);
      assert.ok(body.includes(`- ${fill(s.known.off, { label: label('newsletter'), date: day(withdrawnAt, lang) })}`), body);
      assert.ok(body.includes(`${s.known.requested}\n\n- ${label('blog')}\n- ${label('events')}`), body);
      assert.ok(body.includes(fill(s.known.confirmInstead, { date: '\0' }).split('\0')[0]!), body);
      assert.deepEqual(await granted(email), { newsletter: false, blog: false, events: true }, 'the withdrawal at once, the grant not before the link');
      assert.equal((await fetch(confirmLink(mail), { method: 'POST' })).status, 200);
      assert.deepEqual(await granted(email), { newsletter: false, blog: true, events: true }, 'confirmed from the secondary link');

      // Device A has confirmed history for the address: the usual confirmation.
      await post((await signA(consent(email, lang, { newsletter: true }))).jws);
      const own = await nextMail(email, 3);
      assert.equal(own.parsed.subject, s.consent.subject);
    });
  }

  it('a webinar signup from a new device: the known variant still says the registration stands', async () => {
    const email = address('webinar');
    await subscribeOnA(email, 'fi', device());
    assert.equal((await post((await device()(consent(email, 'fi', { blog: true }, true))).jws)).status, 201);
    const mail = await nextMail(email, 2);
    assert.equal(mail.parsed.subject, mailStrings('fi').known.subject);
    assert.match(text(mail), /Ilmoittautumisesi on vastaanotettu\. Ilmoittauduit .* sivulla https:\/\/www\.optimesys\.fi\/webinaari\./);
    assert.ok(!text(mail).includes('webinar-2026-12-10'), 'the page\'s context label is not repeated');
  });

  it('the per-address cap (3 in 24 h) covers the known variant, with the same answer each time', async () => {
    const email = address('capped');
    await subscribeOnA(email, 'en', device());
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await shape(await post((await device()(consent(email, 'en', { blog: true }))).jws)));
    assert.equal(new Set(answers.map((a) => JSON.stringify(a))).size, 1);
    await nextMail(email, 3);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(mailsTo(email).length, 3);
    assert.deepEqual(
      mailsTo(email).map((m) => m.parsed.subject),
      [mailStrings('en').consent.subject, mailStrings('en').known.subject, mailStrings('en').known.subject],
    );
  });
});
