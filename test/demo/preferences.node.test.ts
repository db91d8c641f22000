// Choices from any device (issue #13), end to end: Chromium with two browser
// profiles that share nothing, the real receiver and a real SMTP server.
// Needs `npm run build` first (npm test does it).
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'puppeteer-core';
import { launchChromium } from '../../scripts/chromium.mjs';
import { demoSite } from '../../scripts/demo-site.mjs';
import { currentConsents } from '../../packages/receiver/src/derive.js';
import { startReceiver, type RunningReceiver } from '../../packages/receiver/src/receiver.js';
import { startTestSmtp, type TestSmtp } from '../../packages/receiver/test/helpers/smtp.js';
import { config } from '../../packages/receiver/test/receiver/helpers.js';
import { unsubscribeHeaders } from '../../packages/receiver/src/preferences/unsubscribe-headers.js';

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

async function axe(page: Page): Promise<string[]> {
  // Evaluated over the DevTools protocol: no script tag, so the page's CSP stays as it is.
  await page.evaluate(axeSource);
  const result = await page.evaluate(async () => {
    const run = (window as unknown as { axe: { run: (c: unknown, o: unknown) => Promise<{ violations: { id: string; nodes: unknown[] }[] }> } }).axe.run;
    return run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] } });
  });
  return result.violations.map((v) => `${v.id} (${v.nodes.length})`);
}

describe('preferences from another device, in Chromium', { skip: !existsSync('dist/cdn/consent-preferences.js') && 'run npm run build first' }, () => {
  let receiver: RunningReceiver;
  let browser: Browser;
  let smtp: TestSmtp;
  let dataDir: string;
  before(async () => {
    smtp = await startTestSmtp();
    const base = config({ rateLimit: false });
    dataDir = base.dataDir;
    receiver = await startReceiver(
      { ...base, mail: { ...base.mail, transport: { ...base.mail.transport, smtpUrl: smtp.url, from: 'OptimeSys <tietosuoja@optimesys.fi>' } } },
      demoSite(process.cwd()),
    );
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await receiver?.close();
    await smtp?.stop();
  });

  /** A fresh profile: its own IndexedDB (device key, remembered choices), no cookies, no cache. */
  async function profile(path: string, lang: 'fi' | 'en' | 'sv'): Promise<Page> {
    const context = await browser.createBrowserContext();
    const page = await context.newPage();
    await page.goto(new URL(path, receiver.url).href, { waitUntil: 'load' });
    await page.evaluate((l) => document.querySelector('consent-form, consent-preferences')?.setAttribute('lang', l), lang);
    return page;
  }
  async function shown(page: Page, selector: string, text?: string) {
    for (let i = 0; i < 150; i++) {
      const el = await page.$(selector);
      if (el && (!text || ((await el.evaluate((e) => e.textContent)) ?? '').includes(text))) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.fail(`${selector} never appeared${text ? ` with ${text}` : ''}`);
  }
  const link = (text: string, pattern: RegExp) => text.match(pattern)?.[0] ?? assert.fail(`no link in ${text}`);

  for (const lang of ['fi', 'en', 'sv'] as const) {
    it(`${lang}: subscribe and confirm in one profile; in another ask for a link, see the state, turn one off and another on; consents show both at once`, async () => {
      const email = `kaksi.laitetta.${lang}@example.fi`;
      // Profile 1: the landing page, then the confirmation link.
      const laptop = await profile('/landing.html', lang);
      await shown(laptop, 'consent-form >>> consent-toggle[purpose="newsletter"] >>> .label');
      await laptop.click('consent-form >>> consent-toggle[purpose="newsletter"] >>> .label');
      await laptop.type('consent-form >>> #email', email);
      await laptop.click('consent-form >>> [part="submit"]');
      const confirmMail = await smtp.waitFor((m) => m.envelope.to.includes(email) && /\/confirm\//.test(m.parsed.text ?? ''), 10_000);
      assert.match(confirmMail.parsed.text!, /\/preferences\.html/, 'the mail links to the preference page');
      await laptop.goto(link(confirmMail.parsed.text!, /http:\/\/[^\s]+\/confirm\/[A-Za-z0-9_-]+/), { waitUntil: 'load' });
      await Promise.all([laptop.waitForNavigation(), laptop.click('form button[type="submit"]')]);
      const rows = async () => currentConsents(await receiver.store.byEmail(email), await receiver.store.events(email));
      assert.deepEqual(Object.fromEntries((await rows()).map((s) => [s.purpose, s.granted])), { newsletter: true, blog: false, events: false });

      // Profile 2 shares nothing with profile 1: it asks for a link.
      const phone = await profile('/preferences.html', lang);
      await shown(phone, 'consent-preferences >>> #email');
      assert.deepEqual(await axe(phone), [], 'ask');
      await phone.type('consent-preferences >>> #email', email);
      await phone.click('consent-preferences >>> [part="submit"]');
      await shown(phone, 'consent-preferences >>> .status.sent', { fi: 'rekisterissämme', en: 'in our records', sv: 'vårt register' }[lang]);
      assert.deepEqual(await axe(phone), [], 'asked');
      const prefsMail = await smtp.waitFor((m) => m.envelope.to.includes(email) && /#token=/.test(m.parsed.text ?? ''), 10_000);
      const prefsLink = link(prefsMail.parsed.text!, /http:\/\/[^\s]+\/preferences\.html#token=[A-Za-z0-9_-]+/);

      // Opened from the mail: a new tab of the same profile.
      const tab = await phone.browserContext().newPage();
      await tab.goto(prefsLink, { waitUntil: 'load' });
      await phone.close();
      const phoneTab = tab;
      await phoneTab.evaluate((l) => document.querySelector('consent-preferences')?.setAttribute('lang', l), lang);
      await shown(phoneTab, 'consent-preferences >>> consent-toggle[purpose="blog"] >>> .label');
      assert.equal(await phoneTab.evaluate(() => location.hash), '', 'the token left the address bar');
      const checked = () =>
        phoneTab.evaluate(() =>
          Object.fromEntries(
            [...document.querySelector('consent-preferences')!.shadowRoot!.querySelectorAll('consent-toggle')].map((t) => [
              t.getAttribute('purpose'),
              (t as unknown as { checked: boolean }).checked,
            ]),
          ),
        );
      assert.deepEqual(await checked(), { newsletter: true, blog: false, events: false }, 'the current state from the receiver');
      assert.deepEqual(await axe(phoneTab), [], 'choices');
      await phoneTab.click('consent-preferences >>> consent-toggle[purpose="newsletter"] >>> .label');
      await phoneTab.click('consent-preferences >>> consent-toggle[purpose="blog"] >>> .label');
      await phoneTab.click('consent-preferences >>> [part="submit"]');
      await shown(phoneTab, 'consent-preferences >>> .status.sent', { fi: 'Viite', en: 'Reference', sv: 'Referens' }[lang]);

      assert.deepEqual(
        Object.fromEntries((await rows()).map((s) => [s.purpose, s.granted])),
        { newsletter: false, blog: true, events: false },
        'both changes at once, no second confirmation',
      );
      assert.equal(await phoneTab.evaluate(() => document.cookie), '');
      assert.deepEqual(await axe(phoneTab), [], 'saved');

      // The newsletter's one-click URL, opened in a browser: one button, by keyboard; axe on both pages.
      const headers = await unsubscribeHeaders({ email, purpose: 'blog', locale: lang }, { dataDir, publicUrl: receiver.url });
      await phoneTab.goto(headers['List-Unsubscribe'].slice(1, -1), { waitUntil: 'load' });
      assert.deepEqual(await axe(phoneTab), [], 'unsubscribe');
      assert.equal((await rows()).find((r) => r.purpose === 'blog')!.granted, true, 'GET changed nothing');
      await phoneTab.keyboard.press('Tab'); // the button
      await Promise.all([phoneTab.waitForNavigation(), phoneTab.keyboard.press('Enter')]);
      assert.equal(await phoneTab.evaluate(() => document.documentElement.lang), lang);
      assert.deepEqual(await axe(phoneTab), [], 'unsubscribed');
      assert.deepEqual(Object.fromEntries((await rows()).map((s) => [s.purpose, s.granted])), { newsletter: false, blog: false, events: false });
    });

    it(`${lang}: a returning visitor on a new device types the known address into the landing form: the page says what it says to anyone, the mail leads to all the choices`, async () => {
      const email = `uusi.laite.${lang}@example.fi`;
      const stranger = `ei.tuttu.${lang}@example.fi`;
      const rows = async (address: string) =>
        Object.fromEntries(currentConsents(await receiver.store.byEmail(address), await receiver.store.events(address)).map((s) => [s.purpose, s.granted]));
      const subscribe = async (page: Page, address: string, purpose: string) => {
        await shown(page, `consent-form >>> consent-toggle[purpose="${purpose}"] >>> .label`);
        await page.click(`consent-form >>> consent-toggle[purpose="${purpose}"] >>> .label`);
        await page.type('consent-form >>> #email', address);
        await page.click('consent-form >>> [part="submit"]');
      };
      // Profile 1: subscribes to the newsletter and confirms.
      const laptop = await profile('/landing.html', lang);
      await subscribe(laptop, email, 'newsletter');
      const first = await smtp.waitFor((m) => m.envelope.to.includes(email) && /\/confirm\//.test(m.parsed.text ?? ''), 10_000);
      await laptop.goto(link(first.parsed.text!, /http:\/\/[^\s]+\/confirm\/[A-Za-z0-9_-]+/), { waitUntil: 'load' });
      await Promise.all([laptop.waitForNavigation(), laptop.click('form button[type="submit"]')]);
      await laptop.close();
      assert.deepEqual(await rows(email), { newsletter: true, blog: false, events: false });

      // Profile 2 (a new device) and profile 3 (someone else): the same landing page, the blog on.
      const status = async (page: Page) => {
        await shown(page, 'consent-form >>> .status.confirm');
        return page.evaluate(() => document.querySelector('consent-form')!.shadowRoot!.querySelector('.status.confirm[role="status"]')!.textContent!.replace(/[0-9a-f-]{36}/, '<id>').trim());
      };
      const phone = await profile('/landing.html', lang);
      await subscribe(phone, email, 'blog');
      const other = await profile('/landing.html', lang);
      await subscribe(other, stranger, 'blog');
      const said = [await status(phone), await status(other)];
      assert.equal(said[0], said[1], 'the page says the same for a known and an unknown address');
      assert.match(said[0]!, { fi: /toisella laitteella/, en: /on another device/, sv: /på en annan enhet/ }[lang]);
      assert.equal(await phone.$('consent-form >>> [part="prefs-link"]'), null);
      assert.deepEqual(await axe(phone), [], 'new device, after sending');
      await other.close();

      // Only the owner's mailbox shows the difference.
      const plain = await smtp.waitFor((m) => m.envelope.to.includes(stranger), 10_000);
      assert.doesNotMatch(plain.parsed.text!, /#token=/);
      const known = await smtp.waitFor((m) => m.envelope.to.includes(email) && /#token=/.test(m.parsed.text ?? ''), 10_000);
      assert.match(known.parsed.text!, /\/confirm\//, 'confirming this form stays possible');
      // The form sent every toggle: the untouched newsletter as a refusal, which (a withdrawal) counts at once
      // from any device; the mail says so. The blog waits for a link.
      assert.deepEqual(await rows(email), { newsletter: false, blog: false, events: false }, 'the blog waits');
      const strings = JSON.parse(readFileSync(`packages/receiver/locales/${lang}/mail.json`, 'utf8')) as { known: { turnedOff: string } };
      assert.ok(known.parsed.text!.includes(strings.known.turnedOff), 'the mail tells what the form turned off');

      // The preference link from that mail, in the new device's profile: the current state; both changes at once.
      const tab = await phone.browserContext().newPage();
      await tab.goto(link(known.parsed.text!, /http:\/\/[^\s]+\/preferences\.html#token=[A-Za-z0-9_-]+/), { waitUntil: 'load' });
      await phone.close();
      await tab.evaluate((l) => document.querySelector('consent-preferences')?.setAttribute('lang', l), lang);
      await shown(tab, 'consent-preferences >>> consent-toggle[purpose="blog"] >>> .label');
      const checked = () =>
        tab.evaluate(() =>
          Object.fromEntries(
            [...document.querySelector('consent-preferences')!.shadowRoot!.querySelectorAll('consent-toggle')].map((t) => [
              t.getAttribute('purpose'),
              (t as unknown as { checked: boolean }).checked,
            ]),
          ),
        );
      assert.deepEqual(await checked(), { newsletter: false, blog: false, events: false }, 'the current state from the receiver');
      await tab.click('consent-preferences >>> consent-toggle[purpose="newsletter"] >>> .label');
      await tab.click('consent-preferences >>> consent-toggle[purpose="blog"] >>> .label');
      await tab.click('consent-preferences >>> [part="submit"]');
      await shown(tab, 'consent-preferences >>> .status.sent', { fi: 'Viite', en: 'Reference', sv: 'Referens' }[lang]);
      assert.deepEqual(await rows(email), { newsletter: true, blog: true, events: false }, 'saved from the link: at once');
      assert.deepEqual(await axe(tab), [], 'saved');
      await tab.close();
    });
  }
});
