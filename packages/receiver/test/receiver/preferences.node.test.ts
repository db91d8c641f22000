// Choices from any device and RFC 8058 one-click unsubscribe (issue #13), through the
// whole receiver: link requests, the state behind a prefs token, records vouched by it,
// the unsubscribe URL in both encodings, and what `consents`/`export` then show.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { createConsentRecord } from '@optimesys/privacy-records/create';
import { createReceiver, type Receiver } from '../../src/receiver.js';
import { currentConsents } from '../../src/derive.js';
import { parseConfig } from '../../src/cli/options.js';
import { unsubscribeHeaders } from '../../src/preferences/unsubscribe-headers.js';
import type { OutgoingMail } from '../../src/mail/transport.js';
import { createLinkTokens } from '../../src/mail/link-tokens.js';
import { escapeHtml } from '../../src/mail/layout.js';
import { captureTransport, signed, tempDir } from './helpers.js';
import { label } from '../helpers/mail-records.js';

const ORIGIN = 'https://privacy.optimesys.fi';
const NOTICE = { version: '2018-05-24', digest: 'a'.repeat(64) };

type Lang = 'fi' | 'en' | 'sv';
const pages = (lang: Lang) => (JSON.parse(readFileSync(`packages/receiver/locales/${lang}/mail.json`, 'utf8')) as { prefs: { subject: string }; pages: Record<string, { title: string }> });

function record(lang: Lang, email: string, choices: Record<string, boolean>) {
  return createConsentRecord({
    subject: { email },
    locale: lang,
    notice: NOTICE,
    source: { url: 'https://www.optimesys.fi/uutiskirje', element: 'consent-form' },
    decisions: Object.entries(choices).map(([purpose, granted]) => ({
      purpose,
      dpv: 'dpv:DirectMarketing',
      basis: 'consent' as const,
      granted,
      text: label(lang, purpose),
    })),
    processing: [],
  });
}

const until = async <T>(get: () => Promise<T | undefined> | T | undefined, what: string, ms = 5000): Promise<T> => {
  const end = Date.now() + ms;
  for (;;) {
    const value = await get();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

for (const lang of (process.env.LANGS?.split(',') ?? ['fi', 'en', 'sv']) as Lang[]) {
  describe(`${lang}: preferences from any device and one-click unsubscribe`, () => {
    let receiver: Receiver;
    let sent: OutgoingMail[];
    let dataDir: string;
    const call = (path: string, init: RequestInit = {}) => receiver.fetch(new Request(new URL(path, ORIGIN), init));
    const json = (body: unknown, headers: Record<string, string> = {}) => ({
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
    const postRecord = async (jws: string, token?: string) =>
      call('/api/records', { method: 'POST', headers: { 'content-type': 'application/jose', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: jws });

    /** Subscribes and confirms from the mailed link, as a visitor on the first device. */
    async function subscribe(email: string, choices: Record<string, boolean>) {
      const { jws } = await signed(record(lang, email, choices));
      assert.equal((await postRecord(jws)).status, 201);
      const mail = await until(() => sent.find((m) => m.to === email && /\/confirm\//.test(m.text)), 'confirmation mail');
      const link = mail.text.match(/https:\/\/privacy\.optimesys\.fi\/confirm\/[A-Za-z0-9_-]+/)![0];
      assert.equal((await call(link, { method: 'POST' })).status, 200);
      return mail;
    }
    const consents = async (email: string) => currentConsents(await receiver.store.byEmail(email), await receiver.store.events(email));
    const granted = async (email: string) =>
      Object.fromEntries((await consents(email)).map((s) => [s.purpose, s.granted]));

    before(async () => {
      dataDir = tempDir();
      const capture = captureTransport();
      sent = capture.sent;
      receiver = await createReceiver({
        dataDir,
        rateLimit: false,
        mail: { transport: capture.transport, publicUrl: ORIGIN, cap: { max: 3, windowMs: 86_400_000, keyMax: 1000 }, sender: { intervalMs: 20 } }, // one signing key posts every record here
        webhooks: { endpoints: ['http://127.0.0.1:9/hook'], secret: `whsec_${Buffer.alloc(24, 7).toString('base64')}` },
        unsubscribeMailto: 'unsubscribe@optimesys.fi',
      });
    });
    after(() => receiver.close());

    it('confirmation mails link to the preference page ("manage your choices")', async () => {
      const mail = await subscribe(`manage-${lang}@example.fi`, { newsletter: true });
      assert.ok(mail.text.includes(`${ORIGIN}/preferences.html`), 'text part');
      assert.ok(mail.html.includes(`href="${ORIGIN}/preferences.html"`), 'html part');
    });

    it('"send me a link": the same 202 and body for a known and an unknown address; only the known one gets mail', async () => {
      const known = `known-${lang}@example.fi`;
      await subscribe(known, { newsletter: true, blog: false });
      const before = sent.length;
      const answers = await Promise.all([
        call('/api/preferences/link', json({ email: known, locale: lang })),
        call('/api/preferences/link', json({ email: `nobody-${lang}@example.fi`, locale: lang })),
      ]);
      const bodies = await Promise.all(answers.map(async (r) => ({ status: r.status, body: await r.text(), type: r.headers.get('content-type') })));
      assert.equal(bodies[0]!.status, 202);
      assert.deepEqual(bodies[0], bodies[1]);
      const mail = await until(() => sent.slice(before).find((m) => m.to === known), 'link mail');
      assert.equal(mail.headers['Content-Language'], lang);
      assert.equal(mail.subject, pages(lang).prefs.subject);
      assert.match(mail.text, new RegExp(`${ORIGIN}/preferences\\.html#token=[A-Za-z0-9_-]+`));
      await new Promise((r) => setTimeout(r, 200));
      assert.ok(!sent.some((m) => m.to === `nobody-${lang}@example.fi`), 'nothing mailed to an unknown address');
    });

    it('a malformed address or body is a typed 4xx; link mails are capped per address', async () => {
      const bad = await call('/api/preferences/link', json({ email: 'not an address' }));
      assert.equal(bad.status, 400);
      assert.equal(((await bad.json()) as { error: { code: string } }).error.code, 'invalid-email');
      assert.equal((await call('/api/preferences/link', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x' })).status, 415);
      assert.equal((await call('/api/preferences/link', { method: 'GET' })).status, 405);
      const email = `capped-${lang}@example.fi`;
      await subscribe(email, { newsletter: true });
      for (let i = 0; i < 5; i++) assert.equal((await call('/api/preferences/link', json({ email }))).status, 202);
      await until(async () => (await receiver.store.jobs({ kind: 'mail', email })).filter((j) => j.payload.kind === 'prefs').length === 3, 'three link mails');
      await new Promise((r) => setTimeout(r, 200));
      assert.equal((await receiver.store.jobs({ kind: 'mail', email })).filter((j) => j.payload.kind === 'prefs').length, 3);
    });

    it('the mailed link reads the current state; a record sent with it counts at once (both changes)', async () => {
      const email = `device-${lang}@example.fi`;
      await subscribe(email, { newsletter: true, blog: false, events: false });
      assert.equal((await call('/api/preferences')).status, 401, 'nothing without a token');
      const refused = await call('/api/preferences', { headers: { authorization: 'Bearer AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' } });
      assert.equal(refused.status, 401);
      assert.equal(((await refused.json()) as { error: { code: string } }).error.code, 'link-invalid');

      const before = sent.length;
      await call('/api/preferences/link', json({ email, locale: lang }));
      const mail = await until(() => sent.slice(before).find((m) => m.to === email), 'link mail');
      const token = mail.text.match(/#token=([A-Za-z0-9_-]+)/)![1]!;
      const state = (await (await call('/api/preferences', { headers: { authorization: `Bearer ${token}` } })).json()) as {
        email: string;
        purposes: { purpose: string; granted: boolean }[];
      };
      assert.equal(state.email, email);
      assert.deepEqual(Object.fromEntries(state.purposes.map((p) => [p.purpose, p.granted])), { newsletter: true, blog: false, events: false });

      // Another device (another key): newsletter off, blog on, with the link's token.
      const change = record(lang, email, { newsletter: false, blog: true, events: false });
      const { jws } = await signed(change);
      const mailsBefore = (await receiver.store.jobs({ kind: 'mail', email })).length;
      const stored = await postRecord(jws, token);
      assert.equal(stored.status, 201);
      assert.equal(((await stored.json()) as { confirmation?: string }).confirmation, undefined, 'no second confirmation round');
      assert.deepEqual(await granted(email), { newsletter: false, blog: true, events: false });
      assert.equal((await receiver.store.jobs({ kind: 'mail', email })).length, mailsBefore, 'no confirmation mail');
      const confirmation = (await receiver.store.events(email)).find((e) => e.recordId === change.id);
      assert.equal(confirmation?.data.via, 'preferences');
      // A retry of the same record is a duplicate and changes nothing more.
      assert.equal((await postRecord(jws, token)).status, 200);

      // Without the token the same kind of change waits for a confirmation.
      const plain = await signed(record(lang, email, { events: true }));
      const answer = (await (await postRecord(plain.jws)).json()) as { confirmation?: string };
      assert.equal(answer.confirmation, 'pending');
      assert.equal((await granted(email)).events, false);
      // A bearer that is no link token of ours (a site's API key) is no link: the usual confirmation round.
      const keyed = await signed(record(lang, email, { blog: false }));
      const keyedAnswer = await postRecord(keyed.jws, 'site-api-key');
      assert.equal(keyedAnswer.status, 201);
    });

    it('a record with a token for another address, an expired or a forged token is refused (typed 4xx)', async () => {
      const tokens = createLinkTokens((await import('../../src/store/open.js').then((m) => m.openServerKey(dataDir))).secret);
      const other = tokens.issue({ kind: 'prefs', address: `someone-else-${lang}@example.fi`, locale: lang });
      const expired = tokens.issue({ kind: 'prefs', address: `x-${lang}@example.fi`, locale: lang }, { now: new Date(Date.now() - 2 * 3600_000) });
      const unsub = tokens.issue({ kind: 'unsubscribe', address: `x-${lang}@example.fi`, purpose: 'newsletter', locale: lang });
      for (const [token, status, code] of [
        [other, 403, 'link-other-address'],
        [expired, 401, 'link-expired'],
        [unsub, 401, 'link-invalid'],
        [`${other.slice(0, -2)}AA`, 401, 'link-invalid'],
      ] as const) {
        const { jws } = await signed(record(lang, `x-${lang}@example.fi`, { newsletter: true }));
        const response = await postRecord(jws, token);
        assert.equal(response.status, status, code);
        assert.equal(((await response.json()) as { error: { code: string } }).error.code, code);
      }
    });

    it('RFC 8058: headers; GET shows one button and changes nothing; the exact POST in both encodings withdraws only its purpose', async () => {
      const email = `oneclick-${lang}@example.fi`;
      await subscribe(email, { newsletter: true, blog: true });
      const headers = receiver.unsubscribeHeaders({ email, purpose: 'newsletter', locale: lang });
      assert.equal(headers['List-Unsubscribe-Post'], 'List-Unsubscribe=One-Click');
      const [https, mailto] = headers['List-Unsubscribe'].split(', ');
      assert.match(https!, /^<https:\/\/privacy\.optimesys\.fi\/unsubscribe\/[A-Za-z0-9_-]+>$/);
      assert.match(mailto!, /^<mailto:unsubscribe@optimesys\.fi\?subject=unsubscribe%20[A-Za-z0-9_-]+>$/);
      assert.ok(!https!.toLowerCase().includes('oneclick'), 'no address in the URL');
      const url = https!.slice(1, -1);

      const page = await call(url, { headers: { 'accept-language': 'de' } });
      assert.equal(page.status, 200);
      const html = await page.text();
      assert.match(html, /<form method="post"><input type="hidden" name="List-Unsubscribe" value="One-Click"><button type="submit">/);
      assert.ok(html.includes(escapeHtml(label(lang, 'newsletter'))));
      assert.ok(html.includes(`lang="${lang}"`));
      assert.ok(html.includes(escapeHtml(pages(lang).pages.unsubscribe!.title)), 'the page in the language of the link, not of the browser');
      assert.equal((await call(url, { method: 'HEAD' })).status, 200);
      assert.deepEqual(await granted(email), { newsletter: true, blog: true }, 'GET changed nothing');

      // urlencoded, exactly as Gmail sends it: no cookies, no redirect.
      const post = await call(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click', redirect: 'manual' });
      assert.equal(post.status, 200);
      assert.equal(post.headers.get('location'), null);
      assert.equal(post.headers.get('set-cookie'), null);
      assert.ok((await post.text()).includes(escapeHtml(pages(lang).pages.unsubscribed!.title)));
      assert.deepEqual(await granted(email), { newsletter: false, blog: true }, 'only its purpose');
      const withdrawal = (await receiver.store.events(email)).filter((e) => e.kind === 'withdrawal');
      assert.equal(withdrawal.length, 1);
      assert.equal(withdrawal[0]!.data.channel, 'one-click');
      assert.equal((await consents(email)).find((s) => s.purpose === 'newsletter')!.channel, 'one-click');
      // A repeat changes nothing more.
      await call(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
      assert.equal((await receiver.store.events(email)).filter((e) => e.kind === 'withdrawal').length, 1);

      // multipart/form-data, for the blog.
      const blog = receiver.unsubscribeHeaders({ email, purpose: 'blog', locale: lang })['List-Unsubscribe'].split(', ')[0]!.slice(1, -1);
      const form = new FormData();
      form.set('List-Unsubscribe', 'One-Click');
      const multipart = await call(blog, { method: 'POST', body: form, redirect: 'manual' });
      assert.equal(multipart.status, 200);
      assert.deepEqual(await granted(email), { newsletter: false, blog: false });

      // The webhook: consent.withdrawn, channel one-click, that purpose only.
      const hooks = (await receiver.store.jobs({ kind: 'webhook', email })).map((j) => JSON.parse(String(j.payload.body)) as { type: string; data: { channel?: string; purposes: { purpose: string }[] } });
      const oneClick = hooks.filter((h) => h.type === 'consent.withdrawn' && h.data.channel === 'one-click');
      assert.deepEqual(oneClick.map((h) => h.data.purposes.map((p) => p.purpose)), [['newsletter'], ['blog']]);

      // The command line a DPO uses: `consents` and `export` show the receiver-signed withdrawals.
      const cli = (...args: string[]) => spawnSync('node', ['--import', 'tsx', 'packages/receiver/src/cli/bin.ts', ...args, '--data-dir', dataDir], { encoding: 'utf8', timeout: 60_000 });
      const consentsOut = JSON.parse(cli('consents', '--email', email).stdout) as { purpose: string; granted: boolean; channel?: string }[];
      assert.deepEqual(consentsOut.map((c) => [c.purpose, c.granted, c.channel]), [['blog', false, 'one-click'], ['newsletter', false, 'one-click']]);
      const exported = JSON.parse(cli('export', '--email', email).stdout) as { events: { kind: string; jws: string; data: { purposes?: string[] } }[] };
      const withdrawals = exported.events.filter((e) => e.kind === 'withdrawal');
      assert.deepEqual(withdrawals.map((e) => e.data.purposes), [['newsletter'], ['blog']]);
      assert.match(withdrawals[0]!.jws, /^[\w-]+\.[\w-]+\.[\w-]+$/, 'signed by the receiver');
    });

    it('RFC 8058: a POST without the one-click body, a tampered or another kind of URL is refused and changes nothing', async () => {
      const email = `tamper-${lang}@example.fi`;
      await subscribe(email, { newsletter: true });
      const url = receiver.unsubscribeHeaders({ email, purpose: 'newsletter', locale: lang })['List-Unsubscribe'].split(', ')[0]!.slice(1, -1);
      const token = url.split('/').at(-1)!;
      const flipped = `${token.slice(0, 10)}${token[10] === 'A' ? 'B' : 'A'}${token.slice(11)}`;
      const body = { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' };
      assert.equal((await call(`${ORIGIN}/unsubscribe/${flipped}`, body)).status, 404);
      assert.equal((await call(`${ORIGIN}/unsubscribe/${flipped}`)).status, 404);
      assert.equal((await call(url, { ...body, body: 'List-Unsubscribe=Yes' })).status, 400);
      assert.equal((await call(url, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'List-Unsubscribe=One-Click' })).status, 400);
      assert.deepEqual(await granted(email), { newsletter: true });
    });
  });
}

describe('unsubscribeHeaders() and `privacy-receiver unsubscribe-headers`', () => {
  it('uses the receiver key in the data folder; the URL works in the receiver that has that key', async () => {
    const dataDir = tempDir();
    const headers = await unsubscribeHeaders({ email: 'Maija@Example.fi', purpose: 'newsletter' }, { dataDir, publicUrl: ORIGIN, mailto: 'u@optimesys.fi' });
    assert.equal(headers['List-Unsubscribe-Post'], 'List-Unsubscribe=One-Click');
    const receiver = await createReceiver({ dataDir, rateLimit: false, mail: false });
    try {
      const url = headers['List-Unsubscribe'].split(', ')[0]!.slice(1, -1);
      assert.equal((await receiver.fetch(new Request(url))).status, 200);
    } finally {
      await receiver.close();
    }
    await assert.rejects(unsubscribeHeaders({ email: 'a@b.fi', purpose: 'newsletter' }, { dataDir, publicUrl: 'http://privacy.optimesys.fi' }), /https/);
  });

  it('`privacy-receiver unsubscribe-headers` prints both headers', () => {
    const dataDir = tempDir();
    const run = spawnSync('node', ['--import', 'tsx', 'packages/receiver/src/cli/bin.ts', 'unsubscribe-headers', '--email', 'a@b.fi', '--purpose', 'newsletter', '--data-dir', dataDir], {
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, PUBLIC_URL: ORIGIN, MAIL_UNSUBSCRIBE_TO: 'u@optimesys.fi' },
    });
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /^List-Unsubscribe: <https:\/\/privacy\.optimesys\.fi\/unsubscribe\/[\w-]+>, <mailto:u@optimesys\.fi\?subject=unsubscribe%20[\w-]+>\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\n$/);
  });

  it('the CLI command needs --email and --purpose', () => {
    assert.throws(() => parseConfig(['unsubscribe-headers', '--email', 'a@b.fi'], {}), /--purpose/);
    const config = parseConfig(['unsubscribe-headers', '--email', 'a@b.fi', '--purpose', 'newsletter'], { MAIL_UNSUBSCRIBE_TO: 'u@x.fi' });
    assert.equal(config.purpose, 'newsletter');
    assert.equal(config.unsubscribeTo, 'u@x.fi');
  });
});

describe('currentConsents with one-click withdrawals', () => {
  const row = (id: string, at: string, granted: boolean) => ({
    id,
    type: 'consent' as const,
    email: 'maija@example.fi',
    kid: 'device-1',
    jws: 'h.p.s',
    record: { decisions: [{ purpose: 'newsletter', granted, text: 'Uutiskirje' }, { purpose: 'blog', granted, text: 'Blogi' }] },
    receipt: {},
    receivedAt: at,
    dueBy: null,
  });
  const confirmation = (recordId: string, at: string) => ({
    id: `c-${recordId}`, kind: 'confirmation' as const, key: `confirm:device-1:${recordId}`, email: 'maija@example.fi', recordId, recordKid: 'device-1', at, data: {}, jws: 'x',
  });
  const withdrawal = (at: string, purpose = 'newsletter') => ({
    id: `w-${at}`, kind: 'withdrawal' as const, key: `withdraw:${at}`, email: 'maija@example.fi', recordId: null, recordKid: null, at, data: { purposes: [purpose], receiverKid: 'r' }, jws: 'x',
  });
  const state = (...args: Parameters<typeof currentConsents>) =>
    Object.fromEntries(currentConsents(...args).map((s) => [s.purpose, [s.granted, s.channel ?? null, s.text]]));

  it('counts from its arrival, only for its purpose; a grant confirmed later counts again', () => {
    const now = new Date('2026-12-03T12:00:00Z');
    const rows = [row('00000000-0000-4000-8000-000000000001', '2026-12-01T10:00:00Z', true)];
    const confirmed = [confirmation(rows[0]!.id, '2026-12-01T10:05:00Z')];
    assert.deepEqual(state(rows, [...confirmed, withdrawal('2026-12-02T08:00:00Z')], now), {
      newsletter: [false, 'one-click', 'Uutiskirje'],
      blog: [true, null, 'Blogi'],
    });
    const again = row('00000000-0000-4000-8000-000000000002', '2026-12-02T09:00:00Z', true);
    assert.deepEqual(
      state([...rows, again], [...confirmed, withdrawal('2026-12-02T08:00:00Z'), confirmation(again.id, '2026-12-02T09:10:00Z')], now).newsletter,
      [true, null, 'Uutiskirje'],
    );
    // An unconfirmed grant after the withdrawal changes nothing.
    const waiting = currentConsents([...rows, again], [...confirmed, withdrawal('2026-12-02T08:00:00Z')], now).find((s) => s.purpose === 'newsletter')!;
    assert.equal(waiting.granted, false);
    assert.equal(waiting.pending, true);
  });
});
