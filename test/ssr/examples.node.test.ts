// The server-rendering guide's examples (docs/server-rendering.md), run as written: the Express handler
// and the static-site build, each page then loaded in Chromium under its policy.
// Needs `npm run build` first (npm test does it).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import express from 'express';
import type { Browser } from 'puppeteer-core';
import { launchChromium } from '../../scripts/chromium.mjs';

const built = existsSync('dist/ssr/index.js') && existsSync('dist/cdn/hydrate/define.js');

function listen(app: express.Express): Promise<{ server: Server; origin: string }> {
  return new Promise((resolve) => {
    const server = app.listen(0, '127.0.0.1', () => resolve({ server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }));
  });
}

interface Loaded {
  errors: string[];
  cls: number;
  text: string;
}

/** Loads a page; records page errors, console errors, CSP violations and the layout shift until the elements hydrated. */
async function load(browser: Browser, url: string, tags: string[], act?: string): Promise<Loaded> {
  const context = await browser.createBrowserContext();
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${(e as Error).message}`));
  // a failed load is reported by URL below (the browser's own /favicon.ico request aside)
  page.on('console', (m) => m.type() === 'error' && !m.text().startsWith('Failed to load resource') && errors.push(`console: ${m.text()}`));
  page.on('response', (r) => r.status() >= 400 && !r.url().endsWith('/favicon.ico') && errors.push(`${r.status()} ${r.url()}`));
  await page.evaluateOnNewDocument(() => {
    const w = window as unknown as { cls: number };
    w.cls = 0;
    new PerformanceObserver((list) => {
      for (const e of list.getEntries() as (PerformanceEntry & { value: number })[]) w.cls += e.value;
    }).observe({ type: 'layout-shift', buffered: true });
    document.addEventListener('securitypolicyviolation', (e) => console.error(`CSP: ${e.violatedDirective} ${e.blockedURI}`));
  });
  await page.goto(url, { waitUntil: 'load' });
  await page.waitForFunction(
    (names: string[]) => names.every((n) => [...document.querySelectorAll(n)].every((el) => (el as unknown as { hasUpdated: boolean }).hasUpdated)),
    { timeout: 10000 },
    tags,
  );
  if (act) {
    await page.evaluate(act);
    await new Promise((r) => setTimeout(r, 500));
  }
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 100))));
  const cls = await page.evaluate(() => (window as unknown as { cls: number }).cls);
  const text = await page.evaluate(() => document.querySelector('privacy-notice')!.shadowRoot!.querySelector('.title')!.textContent!.trim());
  await context.close();
  return { errors, cls, text };
}

describe('docs/server-rendering.md: its examples', { skip: !built && 'run npm run build first' }, () => {
  let browser: Browser;
  before(async () => {
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
  });

  const readme = readFileSync('docs/server-rendering.md', 'utf8');
  for (const file of ['examples/ssr/express.mjs', 'examples/ssr/static-build.mjs']) {
    it(`the guide shows ${file} as it is`, () => {
      assert.ok(readme.includes(readFileSync(file, 'utf8').trim()), `${file} differs from its copy in the guide`);
    });
  }

  it('Express: the handler serves the notice and the request form server-rendered; they hydrate under its strict policy', async () => {
    const example = '../../examples/ssr/express.mjs'; // plain JS, as in the README
    const { default: app } = (await import(example)) as { default: express.Express };
    const { server, origin } = await listen(app);
    try {
      const response = await fetch(`${origin}/privacy`, { headers: { 'accept-language': 'en' } });
      const html = await response.text();
      assert.match(response.headers.get('content-security-policy') ?? '', /style-src 'self'/);
      assert.equal(html.match(/<template shadowroot="open" shadowrootmode="open">/g)?.length, 2);
      assert.ok(html.includes('Privacy notice') && html.includes('Data request'), 'English text in the HTML itself');
      assert.ok(!html.includes('<style>'), 'no inline style for the policy to refuse');
      const swedish = await (await fetch(`${origin}/privacy`, { headers: { 'accept-language': 'sv-FI, fi;q=0.5' } })).text();
      assert.ok(swedish.includes('<html lang="sv">') && swedish.includes('Dataskyddsbeskrivning') && swedish.includes('Dataskyddsbegäran'), 'Swedish for a Swedish browser');
      const loaded = await load(browser, `${origin}/privacy`, ['privacy-notice', 'data-request-form']);
      assert.deepEqual(loaded.errors, []);
      assert.equal(loaded.cls, 0, 'no layout shift while loading and hydrating');
      // After hydration the language switch works
      const switched = await load(
        browser,
        `${origin}/privacy`,
        ['privacy-notice'],
        `document.querySelector('privacy-notice').shadowRoot.querySelector('button[lang="en"]').click()`,
      );
      assert.deepEqual(switched.errors, []);
    } finally {
      server.close();
    }
  });

  it('static build: writes every language server-rendered; served as files, they hydrate without errors', async () => {
    const out = mkdtempSync(join(tmpdir(), 'pw-static-'));
    try {
      execFileSync('node', ['examples/ssr/static-build.mjs', out]);
      const fi = readFileSync(join(out, 'fi/privacy.html'), 'utf8');
      const en = readFileSync(join(out, 'en/privacy.html'), 'utf8');
      assert.ok(fi.includes('shadowrootmode="open"') && fi.includes('Tietosuojaseloste'));
      assert.ok(en.includes('Privacy notice') && !en.includes('Tietosuojaseloste'));
      const sv = readFileSync(join(out, 'sv/privacy.html'), 'utf8');
      assert.ok(sv.includes('<html lang="sv">') && sv.includes('Dataskyddsbeskrivning') && !sv.includes('Tietosuojaseloste'));
      const app = express();
      app.use((_req, res, next) => {
        res.set('content-security-policy', "default-src 'self'; script-src 'self'; style-src 'self'");
        next();
      });
      app.use('/privacy-widgets', express.static('dist/cdn'));
      app.use(express.static(out));
      const { server, origin } = await listen(app);
      try {
        const loaded = await load(browser, `${origin}/fi/privacy.html`, ['privacy-notice']);
        assert.deepEqual(loaded.errors, []);
        assert.equal(loaded.text, 'Tietosuojaseloste');
        assert.equal(loaded.cls, 0);
      } finally {
        server.close();
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
