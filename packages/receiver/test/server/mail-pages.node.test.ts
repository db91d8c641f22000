// The link pages served by a minimal confirm route (what the receiver will
// do: tokens + pages + "confirmed" state), checked over HTTP and in Chromium
// with axe, under the strict CSP.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'puppeteer-core';
import { launchChromium } from '../../../../scripts/chromium.mjs';
import { pageLocale, PAGE_HEADERS, PAGES_CSS, PAGES_CSS_PATH, renderLinkPage, type LinkPage } from '../../src/mail/pages.js';
import { createLinkTokens } from '../../src/mail/link-tokens.js';
import { createMemoryConfirmStore, handleConfirmLink } from '../../src/confirmation/link-page.js';
import { consentRecord, label, requestRecord } from '../helpers/mail-records.js';

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
// The receiver's demo policy (STRICT_CSP in src/http/static.ts): the pages must work under it too.
const STRICT_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
const RECORD = '0b6f3c1e-8a41-4c52-9d3e-2f7a6b1c9e04';
const REQUEST = '7c0e9a52-3d1f-4b8e-a6c2-5e4d3b2a1f09';
const REQUEST_SV = '8c0e9a52-3d1f-4b8e-a6c2-5e4d3b2a1f09';
const ADDRESS = 'maija.meikalainen@example.fi';
const strings = (lang: string) => JSON.parse(readFileSync(`packages/receiver/locales/${lang}/mail.json`, 'utf8')).pages;
const LANGS = ['fi', 'en', 'sv'] as const;

/** The route as the receiver will mount it: handleConfirmLink over an in-memory store. */
function confirmServer(tokens: ReturnType<typeof createLinkTokens>, csp: string) {
  const store = createMemoryConfirmStore([
    { ...consentRecord('fi'), id: RECORD, subject: { email: ADDRESS } },
    requestRecord('en', { id: REQUEST, subject: { name: 'Maija Meikäläinen', email: ADDRESS } }),
    requestRecord('sv', { id: REQUEST_SV, subject: { name: 'Maija Meikäläinen', email: ADDRESS } }),
  ]);
  const confirmed = { has: (id: string) => store.confirmations.has(id), clear: () => store.confirmations.clear() };
  const server = createServer((req, res) => {
    const url = new URL(req.url!, 'http://x');
    if (url.pathname === PAGES_CSS_PATH) {
      res.writeHead(200, { 'content-type': 'text/css; charset=utf-8' }).end(PAGES_CSS);
      return;
    }
    const token = url.pathname.match(/^\/confirm\/([^/]+)$/)?.[1] ?? '';
    handleConfirmLink({ method: req.method!, token, acceptLanguage: req.headers['accept-language'], tokens, store }).then((rendered) => {
      res.writeHead(rendered.status, { ...rendered.headers, 'content-security-policy': csp }).end(rendered.body);
    });
  });
  return { server, confirmed, store };
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('link pages', () => {
  const tokens = createLinkTokens(new Uint8Array(32).fill(7));
  const issued = (locale: (typeof LANGS)[number], recordId = RECORD, now?: Date) =>
    tokens.issue({ kind: 'confirm', recordId, address: ADDRESS, locale }, now ? { now } : {});
  let base: string;
  let app: ReturnType<typeof confirmServer>;
  before(async () => {
    app = confirmServer(tokens, PAGE_HEADERS['content-security-policy']!);
    base = await listen(app.server);
  });
  after(() => app.server.close());

  for (const lang of LANGS) {
    it(`${lang}: GET shows one POST form without script and changes nothing; POST confirms once`, async () => {
      const recordId = { fi: RECORD, en: REQUEST, sv: REQUEST_SV }[lang];
      const url = `${base}/confirm/${issued(lang, recordId)}`;
      for (let i = 0; i < 3; i++) {
        const get = await fetch(url);
        assert.equal(get.status, 200);
        const html = await get.text();
        assert.match(html, new RegExp(`<html lang="${lang}">`));
        assert.equal(html.match(/<form/g)?.length, 1);
        assert.match(html, /<form method="post">/);
        assert.equal(html.match(/<button/g)?.length, 1);
        assert.ok(!/<script|<style|\sstyle=|\son\w+=/i.test(html), 'no script, no inline style, no handler');
        // what is being confirmed: the labels the visitor chose, or the request type
        const erasure = JSON.parse(readFileSync(`packages/receiver/locales/${lang}/labels.json`, "utf8")).types.erasure.label as string;
        assert.ok(html.includes(recordId === RECORD ? label('fi', 'newsletter') : erasure), 'names what it confirms');
        if (recordId === RECORD) assert.ok(!html.includes(label('fi', 'blog')), 'not the refused purpose');
        assert.equal(get.headers.get('referrer-policy'), 'no-referrer');
        assert.equal(get.headers.get('cache-control'), 'no-store');
      }
      assert.equal(app.confirmed.has(recordId), false, 'three GETs confirmed nothing');
      const s = strings(lang);
      const post = await fetch(url, { method: 'POST' });
      assert.equal(post.status, 200);
      assert.ok((await post.text()).includes(recordId === RECORD ? s.confirmed.title : s.requestConfirmed.title));
      assert.equal(app.confirmed.has(recordId), true);
      const again = await (await fetch(url, { method: 'POST' })).text();
      assert.ok(again.includes(s.already.title), 'a second POST is idempotent');
      assert.ok((await (await fetch(url)).text()).includes(s.already.title));
    });

    it(`${lang}: tampered, expired and unknown links get a readable page`, async () => {
      const s = strings(lang);
      const token = issued(lang);
      const bytes = Buffer.from(token, 'base64url');
      bytes[12]! ^= 1;
      const tampered = await fetch(`${base}/confirm/${bytes.toString('base64url')}`, { headers: { 'accept-language': `${lang};q=0.9, de;q=1` } });
      assert.equal(tampered.status, 404);
      const tamperedHtml = await tampered.text();
      assert.ok(tamperedHtml.includes(s.invalid.title));
      assert.match(tamperedHtml, new RegExp(`<html lang="${lang}">`), 'language from Accept-Language');
      const expired = await fetch(`${base}/confirm/${issued(lang, RECORD, new Date(Date.now() - 8 * 86_400_000))}`);
      assert.equal(expired.status, 410);
      const expiredHtml = await expired.text();
      assert.ok(expiredHtml.includes(s.expired.title), 'language from the token');
      assert.ok(!/<form/.test(expiredHtml));
      const unknown = await fetch(`${base}/confirm/${tokens.issue({ kind: 'confirm', recordId: '1b6f3c1e-8a41-4c52-9d3e-2f7a6b1c9e04', address: ADDRESS, locale: lang })}`);
      assert.equal(unknown.status, 404);
      assert.ok((await unknown.text()).includes(s.invalid.title));
      assert.equal((await fetch(`${base}/confirm/garbage`, { method: 'POST', headers: { 'accept-language': lang } })).status, 404);
    });
  }

  it('handleConfirmLink: HEAD changes nothing, other methods get 405, a token for another address is invalid', async () => {
    const store = createMemoryConfirmStore([{ ...consentRecord('en'), id: RECORD, subject: { email: 'someone.else@example.fi' } }]);
    const token = issued('en');
    const head = await handleConfirmLink({ method: 'HEAD', token, tokens, store });
    assert.equal(head.status, 404, 'the record belongs to another address');
    store.add({ ...consentRecord('en'), id: RECORD, subject: { email: ADDRESS } });
    assert.equal((await handleConfirmLink({ method: 'HEAD', token, tokens, store })).status, 200);
    assert.equal(store.confirmations.size, 0);
    const put = await handleConfirmLink({ method: 'PUT', token, tokens, store });
    assert.equal(put.status, 405);
    assert.equal(put.headers.allow, 'GET, HEAD, POST');
    assert.equal(store.confirmations.size, 0);
    const post = await handleConfirmLink({ method: 'POST', token, tokens, store, now: new Date() });
    assert.equal(post.status, 200);
    assert.equal(store.confirmations.get(RECORD)?.tokenId, (tokens.verify(token, { kind: 'confirm' }) as { tokenId: string }).tokenId);
  });

  it('items on the confirm page are escaped', () => {
    const html = renderLinkPage({ page: 'confirm', locale: 'fi', items: ['<img src=x onerror=alert(1)>'] }).body;
    assert.ok(!html.includes('<img'));
    assert.ok(html.includes('&lt;img src=x onerror=alert(1)&gt;'));
  });

  it('wording follows the subject: consent or data request', () => {
    for (const lang of LANGS) {
      const s = strings(lang);
      assert.ok(renderLinkPage({ page: 'confirm', locale: lang, subject: 'request' }).body.includes(s.confirmRequest.button));
      assert.ok(renderLinkPage({ page: 'confirmed', locale: lang, subject: 'request' }).body.includes(s.requestConfirmed.title));
      assert.ok(renderLinkPage({ page: 'confirmed', locale: lang }).body.includes(s.confirmed.title));
    }
  });

  it('pageLocale: token first, then Accept-Language by quality, then Finnish', () => {
    assert.equal(pageLocale('en', 'fi'), 'en');
    assert.equal(pageLocale(undefined, 'de-DE, en-GB;q=0.8, fi;q=0.5'), 'en');
    assert.equal(pageLocale(undefined, 'en;q=0.3, fi-FI;q=0.9'), 'fi');
    assert.equal(pageLocale('sv', 'fi'), 'sv');
    assert.equal(pageLocale(undefined, 'sv-FI, fi;q=0.8'), 'sv');
    assert.equal(pageLocale(undefined, 'de, sv;q=0.5, en;q=0.4'), 'sv');
    assert.equal(pageLocale(undefined, 'de, nb'), 'fi');
    assert.equal(pageLocale(undefined, 'en;q=0'), 'fi');
    assert.equal(pageLocale(undefined, undefined), 'fi');
  });
});

describe('link pages in Chromium: strict CSP, keyboard, axe', () => {
  const tokens = createLinkTokens(new Uint8Array(32).fill(9));
  let browser: Browser;
  let bases: string[] = [];
  const apps: ReturnType<typeof confirmServer>[] = [];
  before(async () => {
    for (const csp of [PAGE_HEADERS['content-security-policy']!, STRICT_CSP]) {
      const app = confirmServer(tokens, csp);
      apps.push(app);
      bases.push(await listen(app.server));
    }
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    for (const app of apps) app.server.close();
    bases = [];
  });

  async function open(url: string, scheme: 'light' | 'dark' = 'light', method: 'GET' | 'POST' = 'GET') {
    const page = await browser.newPage();
    await page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: scheme }]);
    const violations: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
    });
    if (method === 'GET') await page.goto(url, { waitUntil: 'load' });
    else {
      await page.goto(url, { waitUntil: 'load' });
      await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('button')]);
    }
    return { page, violations };
  }

  async function axe(page: Page): Promise<string[]> {
    // Evaluated over the DevTools protocol: no script tag, so the page's CSP stays as it is.
    await page.evaluate(axeSource);
    const result = await page.evaluate(async () => {
      const run = (window as unknown as { axe: { run: (c: unknown, o: unknown) => Promise<{ violations: { id: string; nodes: unknown[] }[] }> } }).axe.run;
      return run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] } });
    });
    return result.violations.map((v) => `${v.id} (${v.nodes.length})`);
  }

  for (const lang of LANGS) {
    it(`${lang}: confirm, confirmed, already, expired, invalid pass axe, light and dark, under both policies`, async () => {
      for (const app of apps) app.confirmed.clear();
      for (const [i, base] of bases.entries()) {
        const recordId = i === 0 ? RECORD : REQUEST;
        const url = `${base}/confirm/${tokens.issue({ kind: 'confirm', recordId, address: ADDRESS, locale: lang })}`;
        for (const scheme of ['dark', 'light'] as const) {
          const { page, violations } = await open(url, scheme);
          assert.equal(await page.$eval('html', (h) => h.lang), lang);
          assert.equal(await page.$$eval('h1', (h) => h.length), 1);
          assert.equal(await page.$$eval('main', (m) => m.length), 1);
          // the stylesheet loaded despite the policy
          assert.notEqual(await page.$eval('button', (b) => getComputedStyle(b).backgroundColor), 'rgba(0, 0, 0, 0)');
          assert.deepEqual(await axe(page), [], `${lang} confirm ${scheme}`);
          // keyboard: Tab reaches the button with a visible focus ring, Enter confirms
          let focused = '';
          for (let t = 0; t < 5 && focused !== 'BUTTON'; t++) {
            await page.keyboard.press('Tab');
            focused = await page.evaluate(() => document.activeElement?.tagName ?? '');
          }
          assert.equal(focused, 'BUTTON');
          assert.equal(await page.$eval('button', (b) => getComputedStyle(b).outlineWidth), '3px');
          if (scheme === 'light') {
            await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.keyboard.press('Enter')]);
            const s = strings(lang);
            assert.equal(await page.$eval('h1', (h) => h.textContent), i === 0 ? s.confirmed.title : s.requestConfirmed.title);
            assert.deepEqual(await axe(page), [], `${lang} confirmed`);
            await page.reload({ waitUntil: 'load' }); // the browser re-POSTs: idempotent
            assert.equal(await page.$eval('h1', (h) => h.textContent), s.already.title);
            assert.deepEqual(await axe(page), [], `${lang} already`);
          }
          assert.deepEqual(violations, []);
          await page.close();
        }
        for (const [path, title] of [
          [`/confirm/${tokens.issue({ kind: 'confirm', recordId, address: ADDRESS, locale: lang }, { now: new Date(Date.now() - 8 * 86_400_000) })}`, strings(lang).expired.title],
          ['/confirm/nonsense', strings(lang).invalid.title],
        ] as const) {
          const page = await browser.newPage();
          await page.setExtraHTTPHeaders({ 'accept-language': lang });
          await page.goto(`${base}${path}`, { waitUntil: 'load' });
          assert.equal(await page.$eval('h1', (h) => h.textContent), title);
          assert.deepEqual(await axe(page), [], `${lang} ${path.slice(0, 20)}`);
          await page.close();
        }
      }
    });
  }
});
