import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { simpleParser } from 'mailparser';
import nodemailer from 'nodemailer';
import type { Browser } from 'puppeteer-core';
import { launchChromium } from '../../../../scripts/chromium.mjs';
import { composeConfirmation } from '../../src/mail/compose.js';
import { siteText } from '../../src/mail/site.js';
import { decodeWords, linkify, readEml, renderMailbox } from '../../src/mail/mailbox.js';
import { PAGES_CSS, PAGES_CSS_PATH } from '../../src/mail/pages.js';
import { createMailTransport } from '../../src/mail/transport.js';
import { consentRecord, requestRecord, webinarRecord, tempDir } from '../helpers/mail-records.js';

const FROM = 'OptimeSys Tietosuoja <tietosuoja@optimesys.fi>';
const expiresAt = new Date('2026-12-10T05:02:00Z');
const url = (n: number) => `https://privacy.optimesys.fi/confirm/tok${n}_-x`;
const STRICT_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

describe('demo mailbox', () => {
  const dataDir = tempDir('pw-mailbox-');
  const subjects: string[] = [];
  before(async () => {
    const transport = createMailTransport({ from: FROM, dataDir });
    // Mails repeat only the site's own labels: a site's catalogue with markup and long non-Latin text.
    const hostile = siteText({ purposes: { newsletter: { en: '<img src=x onerror=alert(1)> Ünïcödé 🎉 and a very long label '.repeat(6).trim() } } });
    const nonLatin = siteText({ purposes: { newsletter: { fi: '新闻通讯 📬 ニュースレター '.repeat(20).trim() } } });
    const mails = [
      composeConfirmation({ record: consentRecord('fi'), confirmUrl: url(1), expiresAt }),
      composeConfirmation({ record: webinarRecord('en'), confirmUrl: url(2), expiresAt }),
      composeConfirmation({ record: webinarRecord('fi'), confirmUrl: url(3), expiresAt }),
      composeConfirmation({ record: requestRecord('fi'), confirmUrl: url(4), expiresAt }),
      composeConfirmation({ record: consentRecord('en'), confirmUrl: url(5), expiresAt, site: hostile }),
      composeConfirmation({ record: consentRecord('fi'), confirmUrl: url(6), expiresAt, site: nonLatin }),
    ];
    for (const mail of mails) {
      await transport.send(mail);
      subjects.push(mail.subject);
      await sleep(3); // distinct file times
    }
    transport.close();
  });

  it('reads every file the transport wrote as mailparser does', async () => {
    const dir = join(dataDir, 'mail');
    const files = readdirSync(dir).sort();
    assert.equal(files.length, 6);
    const encodings = new Set<string>();
    for (const file of files) {
      const raw = readFileSync(join(dir, file));
      for (const m of raw.toString('latin1').matchAll(/Content-Transfer-Encoding: ([\w-]+)/gi)) encodings.add(m[1]!.toLowerCase());
      const ours = readEml(raw);
      const theirs = await simpleParser(raw);
      assert.equal(ours.subject, theirs.subject, file);
      assert.equal(ours.text.trim(), theirs.text!.replace(/\r\n/g, '\n').trim(), file);
      assert.equal(ours.messageId, theirs.messageId);
      assert.equal(ours.to, (theirs.to as { text: string }).text);
      assert.equal(ours.from, `${(theirs.from as { value: { name: string; address: string }[] }).value[0]!.name} <tietosuoja@optimesys.fi>`);
      assert.equal(new Date(ours.date).getTime(), theirs.date!.getTime());
    }
    assert.deepEqual(readdirSync(dir).map((f) => readEml(readFileSync(join(dir, f))).subject), subjects, 'names sort in sending order');
    assert.ok(encodings.has('quoted-printable'), [...encodings].join());
    // the en dash subject was an RFC 2047 word
    assert.ok(files.some((f) => /Subject: =\?UTF-8\?/i.test(readFileSync(join(dir, f), 'latin1'))));
  });

  it('reads base64 parts and folded headers too', async () => {
    const composer = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows' });
    const info = await composer.sendMail({
      from: FROM,
      to: 'matti@example.fi',
      subject: 'Pitkä otsikko, joka taitetaan usealle riville – ääkköset ja 🎉 '.repeat(3),
      text: 'Rivi 1\nÄäkköset: åäö ÅÄÖ\nhttps://privacy.optimesys.fi/confirm/b64\n',
      html: '<p>x</p>',
      textEncoding: 'base64',
    });
    const raw = info.message as Buffer;
    assert.match(raw.toString('latin1'), /Content-Transfer-Encoding: base64/i);
    const theirs = await simpleParser(raw);
    const ours = readEml(raw);
    assert.equal(ours.subject, theirs.subject);
    assert.equal(ours.text.trim(), theirs.text!.replace(/\r\n/g, '\n').trim());
    assert.ok(ours.text.includes('Ääkköset: åäö ÅÄÖ'));
  });

  it('renders newest first, text escaped, links clickable', async () => {
    const page = await renderMailbox({ dataDir, locale: 'fi' });
    assert.equal(page.status, 200);
    const html = page.body;
    assert.ok(!/<img|<script|\sstyle=|<style/i.test(html), 'the hostile label stays text');
    assert.ok(html.includes('&lt;img src=x onerror=alert(1)&gt; Ünïcödé 🎉'));
    // every URL of the text part is clickable, as a mail client shows it; the confirm links newest first
    const hrefs = [...html.matchAll(/<a href="([^"]+)">/g)].map((m) => m[1]!);
    assert.deepEqual(hrefs.filter((h) => h.includes('/confirm/')), [6, 5, 4, 3, 2, 1].map(url), 'newest first, exact URL');
    const titles = [...html.matchAll(/<h2>([^<]*)<\/h2>/g)].map((m) => m[1]);
    assert.equal(titles.length, 6);
    assert.equal(titles[5], 'Vahvista tilauksesi');
    assert.match(html, /<article class="mail" lang="en">/);
    assert.match(page.headers['content-security-policy']!, /default-src 'none'/);
    assert.equal((await renderMailbox({ dataDir, locale: 'en', limit: 2 })).body.match(/<article/g)?.length, 2);
  });

  it('an empty or missing mailbox says so', async () => {
    const empty = await renderMailbox({ dataDir: tempDir('pw-empty-'), locale: 'en' });
    assert.ok(empty.body.includes('No messages yet.'));
  });

  it('linkify keeps URLs exact and escapes the rest', () => {
    assert.equal(
      linkify('Go: https://a.example/x?a=1&b=2. <b>'),
      'Go: <a href="https://a.example/x?a=1&amp;b=2">https://a.example/x?a=1&amp;b=2</a>. &lt;b&gt;',
    );
    assert.equal(linkify('javascript:alert(1)'), 'javascript:alert(1)');
  });

  it('decodes RFC 2047 words', () => {
    assert.equal(decodeWords('=?UTF-8?Q?Ilmoittautumisesi_on_vastaanotettu_=E2=80=93?= =?UTF-8?B?IHZhaHZpc3Rh?='), 'Ilmoittautumisesi on vastaanotettu – vahvista');
  });

  describe('in Chromium', () => {
    let browser: Browser;
    let base: string;
    const server = createServer(async (req, res) => {
      if (req.url === PAGES_CSS_PATH) return void res.writeHead(200, { 'content-type': 'text/css' }).end(PAGES_CSS);
      const page = await renderMailbox({ dataDir, locale: (new URL(req.url!, 'http://x').search.slice(1) || 'fi') as 'fi' | 'en' | 'sv' });
      res.writeHead(page.status, { ...page.headers, 'content-security-policy': STRICT_CSP }).end(page.body);
    });
    before(async () => {
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      browser = await launchChromium();
    });
    after(async () => {
      await browser?.close();
      server.close();
    });

    for (const lang of ['fi', 'en', 'sv']) {
      it(`${lang}: passes axe under the strict CSP`, async () => {
        const page = await browser.newPage();
        const violations: string[] = [];
        page.on('console', (m) => void (/Content Security Policy/i.test(m.text()) && violations.push(m.text())));
        await page.goto(`${base}/mailbox.html?${lang}`, { waitUntil: 'load' });
        assert.equal(await page.$eval('html', (h) => h.lang), lang);
        assert.equal(await page.$$eval('a[href^="https://privacy.optimesys.fi/confirm/"]', (a) => a.length), 6);
        await page.evaluate(readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8'));
        const found = await page.evaluate(async () =>
          (await (window as unknown as { axe: { run: () => Promise<{ violations: { id: string }[] }> } }).axe.run()).violations.map((v) => v.id),
        );
        assert.deepEqual(found, []);
        assert.deepEqual(violations, []);
        await page.close();
      });
    }
  });
});
