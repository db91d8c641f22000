// Issue #12 through the receiver: the mailbox proves the address. A real SMTP server (smtp-server,
// messages read with mailparser) receives what the receiver sends; the links in the mails are
// then used as a person (and a mail scanner) would.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { createConsentRecord, createDataRequest, processingNotice } from '@optimesys/privacy-records/create';
import { keySigner, signRecord } from '@optimesys/privacy-records/sign';
import type { ConsentRecord } from '@optimesys/privacy-records/schemas';
import { createMailTransport } from '../../src/mail/transport.js';
import { createLinkTokens } from '../../src/mail/link-tokens.js';
import { currentConsents, openRequests } from '../../src/derive.js';
import { escapeHtml } from '../../src/mail/layout.js';
import { startTestSmtp, type ReceivedMail, type TestSmtp } from '../helpers/smtp.js';
import { tempDir } from './helpers.js';
import { serveReceiver, type Served } from './serve.js';

type Lang = 'fi' | 'en' | 'sv';
const labels = (lang: Lang) => (JSON.parse(readFileSync(`packages/receiver/locales/${lang}/labels.json`, 'utf8')) as { purposes: Record<string, { label: string }> }).purposes;
const NOTICE = { version: '2018-05-24', digest: 'a'.repeat(64) };
let n = 0;
const address = (what: string) => `${what}-${++n}-${Date.now()}@example.fi`;

function consent(email: string, lang: Lang, granted: Record<string, boolean>, options: { now?: Date; webinar?: boolean } = {}) {
  return createConsentRecord(
    {
      subject: { email },
      locale: lang,
      notice: NOTICE,
      source: { url: options.webinar ? 'https://www.optimesys.fi/webinaari' : 'https://www.optimesys.fi/uutiskirje', element: 'consent-form', ...(options.webinar ? { context: 'webinar-2026-12-10' } : {}) },
      decisions: Object.entries(granted).map(([purpose, g]) => ({ purpose, dpv: 'dpv:DirectMarketing', basis: 'consent' as const, granted: g, text: labels(lang)[purpose]!.label })),
      processing: options.webinar ? [processingNotice('event-participation', 'dpv:RequestedServiceProvision', 'legitimate-interest')] : [],
    },
    options.now ? { now: options.now } : {},
  );
}
const sign = (record: Parameters<typeof signRecord>[0], signer = keySigner()) => signRecord(record, signer);

const linkIn = (mail: ReceivedMail) => {
  const url = String(mail.parsed.text).match(/https?:\/\/\S+\/confirm\/[A-Za-z0-9_-]+/)?.[0];
  assert.ok(url, 'the mail has a confirmation link');
  return url;
};

describe('double opt-in through the receiver (#12)', () => {
  let smtp: TestSmtp;
  let receiver: Served;
  let dataDir: string;
  const open = async () =>
    serveReceiver({
      dataDir,
      // The site's pages post from www.optimesys.fi: mails may name them.
      allowedOrigins: ['https://www.optimesys.fi'],
      mail: {
        transport: createMailTransport({ smtpUrl: smtp.url, from: 'OptimeSys <tietosuoja@optimesys.fi>' }),
        sender: { intervalMs: 100, backoff: { baseMs: 100, capMs: 300, jitter: 0 } },
      },
    });
  before(async () => {
    smtp = await startTestSmtp();
    dataDir = tempDir();
    receiver = await open();
  });
  after(async () => {
    await receiver.close();
    await smtp.stop();
  });

  const post = (jws: string) => fetch(new URL('/api/records', receiver.url), { method: 'POST', headers: { 'content-type': 'application/jose' }, body: jws });
  const consents = async (email: string) => currentConsents(await receiver.store.byEmail(email), await receiver.store.events(email));

  for (const lang of ['fi', 'en', 'sv'] as const) {
    it(`mails the exact labels and one link; GETs change nothing, the button confirms once (${lang})`, async () => {
      const email = address(`maija-${lang}`);
      const { jws, record } = await sign(consent(email, lang, { newsletter: true, blog: false, events: true }));
      const response = await post(jws);
      assert.equal(response.status, 201);
      assert.equal(((await response.json()) as { confirmation?: string }).confirmation, 'pending');

      const mail = await smtp.waitFor((m) => m.envelope.to.includes(email));
      const text = String(mail.parsed.text);
      assert.ok(text.includes(labels(lang).newsletter!.label) && text.includes(labels(lang).events!.label), 'the labels the visitor saw');
      assert.ok(!text.includes(labels(lang).blog!.label), 'not what was refused');
      assert.ok(text.includes('https://www.optimesys.fi/uutiskirje'), 'the page');
      assert.ok(mail.parsed.html && String(mail.parsed.html).includes(labels(lang).events!.label), 'an HTML part too');
      const link = linkIn(mail);
      assert.ok(!link.includes(email) && !link.includes(encodeURIComponent(email)), 'no address in the link');

      // A mail scanner fetches every link, more than once: nothing changes.
      for (let i = 0; i < 3; i++) {
        const page = await fetch(link);
        assert.equal(page.status, 200);
        assert.match(await page.text(), /<form method="post"/);
      }
      assert.deepEqual(
        (await consents(email)).map((c) => [c.purpose, c.granted, c.pending ?? false]),
        [['blog', false, false], ['events', false, true], ['newsletter', false, true]],
      );

      const confirmed = await fetch(link, { method: 'POST' });
      assert.equal(confirmed.status, 200);
      assert.deepEqual((await consents(email)).map((c) => [c.purpose, c.granted]), [['blog', false], ['events', true], ['newsletter', true]]);
      const again = await fetch(link, { method: 'POST' });
      assert.equal(again.status, 200);
      assert.equal((await receiver.store.events(email)).length, 1, 'confirmed once');
      const event = (await receiver.store.events(email))[0]!;
      assert.equal(event.recordId, record.id);
      assert.equal((event.data as { mail: { sentAt: string } }).mail.sentAt !== null, true, 'the trail holds when the mail went');
    });
  }

  it('a record in Swedish gets Swedish throughout: its mails, the pages their links open, dates the Finland-Swedish way', async () => {
    const sv = JSON.parse(readFileSync('packages/receiver/locales/sv/mail.json', 'utf8'));
    const email = address('sv');
    const has = (html: string, text: string) => assert.ok(html.includes(escapeHtml(text)), text);
    // The confirmation mail, over SMTP.
    await post((await sign(consent(email, 'sv', { newsletter: true, blog: true }))).jws);
    const mail = await smtp.waitFor((m) => m.envelope.to.includes(email));
    assert.equal(mail.parsed.subject, sv.consent.subject);
    assert.equal(mail.parsed.headers.get('content-language'), 'sv');
    assert.match(String(mail.parsed.html), /<html lang="sv">/);
    const text = String(mail.parsed.text);
    assert.ok(text.startsWith(`${sv.common.greeting}\n`));
    assert.match(text, /^Den \d{1,2}\.\d{1,2}\.20\d\d kl\. \d{1,2}\.\d\d \(finländsk tid\) fick vi följande val för e-postadressen /m);
    assert.match(text, /^Länken gäller till \d{1,2}\.\d{1,2}\.20\d\d kl\. \d{1,2}\.\d\d \(finländsk tid\)\.$/m);
    assert.ok(text.includes(`- ${labels('sv').newsletter!.label}\n- ${labels('sv').blog!.label}`));
    // Its link's pages follow the link's language, not the browser's.
    const link = linkIn(mail);
    const page = await (await fetch(link, { headers: { 'accept-language': 'fi, en;q=0.5' } })).text();
    assert.match(page, /<html lang="sv">/);
    has(page, sv.pages.confirm.title);
    has(page, sv.pages.confirm.button);
    has(await (await fetch(link, { method: 'POST' })).text(), sv.pages.confirmed.title);
    has(await (await fetch(link, { method: 'POST' })).text(), sv.pages.already.title);

    // A withdrawal from another device: the owner's notice and its restore pages.
    await post((await sign(consent(email, 'sv', { newsletter: false }))).jws);
    const notice = await smtp.waitFor((m) => m.envelope.to.includes(email) && /\/restore\//.test(String(m.parsed.text)));
    assert.equal(notice.parsed.subject, sv.withdrawn.subject);
    assert.equal(notice.parsed.headers.get('content-language'), 'sv');
    assert.ok(String(notice.parsed.text).includes(sv.withdrawn.applied));
    assert.ok(String(notice.parsed.text).includes(`- ${labels('sv').newsletter!.label}\n`));
    const restore = String(notice.parsed.text).match(/https?:\/\/\S+\/restore\/[A-Za-z0-9_-]+/)![0];
    const restorePage = await (await fetch(restore, { headers: { 'accept-language': 'en' } })).text();
    assert.match(restorePage, /<html lang="sv">/);
    has(restorePage, sv.pages.restore.title);
    has(restorePage, labels('sv').newsletter!.label);
    has(await (await fetch(restore, { method: 'POST' })).text(), sv.pages.restored.title);
    assert.equal((await consents(email)).find((c) => c.purpose === 'newsletter')!.granted, true);

    // A data request: the type in Swedish words, the due date as 4.1.2027 is written.
    const requester = address('sv-request');
    const types = JSON.parse(readFileSync('packages/receiver/locales/sv/labels.json', 'utf8')).types;
    const { jws, record } = await sign(
      createDataRequest({
        subject: { name: 'Maja Mäkinen', email: requester },
        locale: 'sv',
        notice: NOTICE,
        source: { url: 'https://www.optimesys.fi/dataskydd', element: 'data-request-form' },
        requestType: 'erasure',
      }),
    );
    const { dueBy } = (await (await post(jws)).json()) as { dueBy: string };
    const [year, month, day] = dueBy.split('-').map(Number);
    const request = await smtp.waitFor((m) => m.envelope.to.includes(requester));
    assert.equal(request.parsed.subject, sv.request.subject);
    const requestText = String(request.parsed.text);
    assert.ok(requestText.includes(`${sv.request.type}: ${types.erasure.label}`), requestText);
    assert.ok(requestText.includes(`${sv.request.reference}: ${record.id}`));
    assert.ok(requestText.includes(`${sv.request.due}: ${day}.${month}.${year}\n`), requestText);
    assert.ok(requestText.includes('Maja Mäkinen'));
    const requestLink = linkIn(request);
    has(await (await fetch(requestLink)).text(), sv.pages.confirmRequest.title);
    has(await (await fetch(requestLink, { method: 'POST' })).text(), sv.pages.requestConfirmed.title);
  });

  it('never counts a grant from an unknown key for somebody else, nor one dated ahead over a withdrawal', async () => {
    const email = address('victim');
    const owner = keySigner();
    const first = await sign(consent(email, 'fi', { newsletter: true }), owner);
    await post(first.jws);
    await fetch(linkIn(await smtp.waitFor((m) => m.envelope.to.includes(email))), { method: 'POST' });
    assert.equal((await consents(email))[0]!.granted, true);
    // The owner withdraws; an attacker's grant dated 590 s ahead follows (its mail goes to the owner, unused).
    await post((await sign(consent(email, 'fi', { newsletter: false }), owner)).jws);
    const ahead = await sign(consent(email, 'fi', { newsletter: true }, { now: new Date(Date.now() + 590_000) }));
    assert.equal((await post(ahead.jws)).status, 201);
    const [state] = await consents(email);
    assert.equal(state!.granted, false);
    assert.equal(state!.pending, true);
  });

  it('keeps a data request unconfirmed until its link is used', async () => {
    const email = address('requester');
    const { jws, record } = await sign(
      createDataRequest({
        subject: { name: 'Maija Meikäläinen', email },
        locale: 'en',
        notice: NOTICE,
        source: { url: 'https://www.optimesys.fi/privacy', element: 'data-request-form' },
        requestType: 'erasure',
      }),
    );
    const receipt = (await (await post(jws)).json()) as { dueBy: string; confirmation: string };
    assert.equal(receipt.confirmation, 'pending');
    const open = async () => openRequests(await receiver.store.byEmail(email), [], new Date(), await receiver.store.events(email));
    assert.equal((await open())[0]!.identity, 'unconfirmed');
    const mail = await smtp.waitFor((m) => m.envelope.to.includes(email));
    assert.ok(String(mail.parsed.text).includes(record.id), 'the reference');
    await fetch(linkIn(mail));
    assert.equal((await open())[0]!.identity, 'unconfirmed', 'a GET confirms nothing');
    await fetch(linkIn(mail), { method: 'POST' });
    const [confirmed] = await open();
    assert.equal(confirmed!.identity, 'confirmed');
    assert.equal(confirmed!.dueBy, receipt.dueBy, 'the due date stays one month from receipt');
  });

  it('sends at most three mails to one address, whatever is posted, with the same answer each time', async () => {
    const email = address('bombed');
    const answers = [];
    for (let i = 0; i < 10; i++) {
      const response = await post((await sign(consent(email, 'fi', { newsletter: true }))).jws);
      const body = (await response.json()) as Record<string, unknown>;
      answers.push([response.status, body.confirmation]);
    }
    assert.deepEqual(new Set(answers.map((a) => JSON.stringify(a))), new Set([JSON.stringify([201, 'pending'])]));
    await smtp.waitFor((m) => m.envelope.to.includes(email));
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(smtp.messages.filter((m) => m.envelope.to.includes(email)).length, 3);
    assert.equal((await receiver.store.byEmail(email)).length, 10, 'every record is stored');
  });

  it('refuses tampered, expired and unknown links with a readable page, in the language of the link', async () => {
    const email = address('links');
    await post((await sign(consent(email, 'en', { newsletter: true }))).jws);
    const link = linkIn(await smtp.waitFor((m) => m.envelope.to.includes(email)));
    const token = link.split('/confirm/')[1]!;
    const flipped = `${token.slice(0, 20)}${token[20] === 'A' ? 'B' : 'A'}${token.slice(21)}`;
    const tampered = await fetch(new URL(`/confirm/${flipped}`, receiver.url), { method: 'POST' });
    assert.equal(tampered.status, 404);
    assert.match(await tampered.text(), /lang="(en|fi)"/);
    // The link page's own stricter policy survives the receiver's defaults: the URL holds the token.
    const page = await fetch(link);
    assert.equal(page.status, 200);
    assert.equal(page.headers.get('referrer-policy'), 'no-referrer');
    assert.equal(page.headers.get('x-frame-options'), 'SAMEORIGIN');
    await page.body?.cancel();
    // A link that expired: issued with the receiver's own key, a week and a day ago.
    const tokens = createLinkTokens(JSON.parse(readFileSync(`${dataDir}/receiver-key.json`, 'utf8')) as { d: string });
    const record = (await receiver.store.byEmail(email))[0]!;
    const old = tokens.issue({ kind: 'confirm', recordId: record.id, address: email, locale: 'en' }, { now: new Date(Date.now() - 8 * 86_400_000) });
    const expired = await fetch(new URL(`/confirm/${old}`, receiver.url), { method: 'POST', headers: { 'accept-language': 'fi' } });
    assert.equal(expired.status, 410);
    assert.match(await expired.text(), /lang="en"/, 'the language of the link, not of the browser');
    // A valid token for a record that was never mailed with it: refused like a forgery.
    const unmailed = tokens.issue({ kind: 'confirm', recordId: record.id, address: email, locale: 'en' }, { now: new Date(Date.now() - 3_600_000) });
    assert.equal((await fetch(new URL(`/confirm/${unmailed}`, receiver.url), { method: 'POST' })).status, 404);
    assert.equal((await consents(email))[0]!.granted, false);
  });

  it('tells a webinar registrant that the signup stands and only the consents wait', async () => {
    const email = address('webinar');
    const response = await post((await sign(consent(email, 'fi', { newsletter: true }, { webinar: true }))).jws);
    assert.equal(response.status, 201);
    const mail = await smtp.waitFor((m) => m.envelope.to.includes(email));
    assert.match(String(mail.parsed.text), /ilmoittautu/i);
  });

  it('delivers a mail queued while SMTP was down, after a restart of the receiver', async () => {
    const email = address('outage');
    await smtp.stop();
    const response = await post((await sign(consent(email, 'en', { newsletter: true }))).jws);
    assert.equal(response.status, 201, 'the visitor is not held up by the outage');
    await new Promise((r) => setTimeout(r, 400)); // a failed attempt or two
    await receiver.close();
    receiver = await open(); // the queue is in the store, not in the process
    await smtp.start();
    const mail = await smtp.waitFor((m) => m.envelope.to.includes(email), 10_000);
    assert.ok(linkIn(mail));
    let [job] = await receiver.store.jobs({ kind: 'mail', email });
    for (let i = 0; i < 50 && !job!.doneAt; i++) {
      await new Promise((r) => setTimeout(r, 100)); // the sender marks it right after SMTP accepted it
      [job] = await receiver.store.jobs({ kind: 'mail', email });
    }
    assert.ok(job!.doneAt, 'marked sent');
    assert.ok(job!.attempts >= 2, 'after failed attempts');
  });
});

/** Types used only to keep the record helpers honest. */
export type { ConsentRecord };
