// Cumulative layout shift of each demo page (client-rendered, strict CSP) and of
// the server-rendered notice, from navigation until every element has rendered
// and half a second more. Chromium, fresh profile per load, no cache; the median of `runs` loads.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tsImport } from 'tsx/esm/api';
import { launchChromium } from '../chromium.mjs';
import { median, table } from './util.mjs';

const { staticFiles, STRICT_CSP } = await tsImport('../../packages/receiver/src/http/static.ts', import.meta.url);
const { Hono } = await import('hono');
const { getRequestListener } = await import('@hono/node-server');

export const DEMO_PAGES = ['/', '/landing.html', '/webinar.html', '/request.html', '/preferences.html', '/cdn.html'];

/** The demo site as `npm start` serves it (demo/ at /, dist/ at /dist/), strict CSP; `extra` maps more paths to files. */
export function startDemoServer(extra = {}) {
  const app = new Hono();
  app.use(async (c, next) => {
    const file = extra[c.req.path];
    if (!file) return next();
    const type = file.endsWith('.html') ? 'text/html; charset=utf-8' : 'application/octet-stream';
    return c.body(readFileSync(file), 200, { 'content-type': type, 'content-security-policy': STRICT_CSP });
  });
  app.use(staticFiles({ prefix: '/dist/', dir: 'dist' }));
  app.use(staticFiles({ prefix: '/', dir: 'demo' }));
  const server = createServer(getRequestListener(app.fetch));
  return new Promise((done) =>
    server.listen(0, '127.0.0.1', () =>
      done({ origin: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((r) => server.close(r)) }),
    ),
  );
}

const settled = () =>
  [...document.querySelectorAll('privacy-notice, consent-form, data-request-form, consent-toggle, consent-preferences')].every(
    (el) => el.hasUpdated && el.shadowRoot?.querySelector('[lang]') && !el.shadowRoot.querySelector('[aria-busy="true"]'),
  );

/** CLS of one load of `url`. */
export async function layoutShiftOf(browser, url) {
  const context = await browser.createBrowserContext();
  const page = await context.newPage();
  await page.setCacheEnabled(false);
  await page.evaluateOnNewDocument(() => {
    window.__cls = 0;
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) if (!e.hadRecentInput) window.__cls += e.value;
    }).observe({ type: 'layout-shift', buffered: true });
  });
  await page.goto(url, { waitUntil: 'load' });
  await page.waitForFunction(settled, { timeout: 15000 });
  await new Promise((r) => setTimeout(r, 500));
  const cls = await page.evaluate(() => window.__cls);
  await context.close();
  return cls;
}

export async function benchCls({ runs = 5, pages = DEMO_PAGES, extra = {} } = {}) {
  const server = await startDemoServer(extra);
  const browser = await launchChromium();
  const rows = [];
  try {
    for (const path of pages) {
      const values = [];
      for (let i = 0; i < runs; i++) values.push(await layoutShiftOf(browser, `${server.origin}${path}`));
      rows.push({ page: path, 'CLS (median)': median(values).toFixed(4), max: Math.max(...values).toFixed(4), 'target ≤ 0.01': median(values) <= 0.01 ? 'yes' : 'NO' });
    }
  } finally {
    await browser.close();
    await server.close();
  }
  return { rows, text: `CLS (Chromium, median of ${runs} loads, strict CSP)\n${table(rows, Object.keys(rows[0]))}` };
}

if (process.argv[1]?.endsWith('cls.mjs')) console.log((await benchCls({ runs: Number(process.argv[2] ?? 3) })).text);
