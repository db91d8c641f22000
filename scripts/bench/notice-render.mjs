// Largest contentful paint of the Finnish notice three ways, interleaved in one
// Chromium, fresh page and no cache each load: server-rendered by renderElements
// and hydrated (dist/cdn/hydrate/privacy-notice.js), client-rendered
// (<privacy-notice> from dist/cdn/privacy-notice.js), and dist/notice/fi.html
// (static HTML, no script). Ratios against the static page.
import { mkdirSync, writeFileSync } from 'node:fs';
import { launchChromium } from '../chromium.mjs';
import { startStaticServer } from '../static-server.mjs';
import { median, percentile } from './util.mjs';

const HEAD = `<!doctype html><html lang="fi"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Tietosuojaseloste</title>`;

async function writePages() {
  mkdirSync('.bench', { recursive: true });
  const { renderElements } = await import('../../dist/ssr/index.js');
  const body = await renderElements('<privacy-notice heading-level="1"></privacy-notice>', {
    lang: 'fi',
    stylesheet: (tag) => `/dist/cdn/styles/${tag}.css`,
  });
  writeFileSync(
    '.bench/notice-ssr.html',
    `${HEAD}<script type="module" src="/dist/cdn/hydrate/privacy-notice.js"></script></head><body>${body}</body></html>`,
  );
  writeFileSync('.bench/notice-ssr-noscript.html', `${HEAD}</head><body>${body}</body></html>`);
  writeFileSync(
    '.bench/notice-element.html',
    `${HEAD}<script type="module" src="/dist/cdn/privacy-notice.js"></script></head><body><privacy-notice heading-level="1"></privacy-notice></body></html>`,
  );
}

/** The page's LCP once the notice is complete (and hydrated where there is a script): the last candidate's time. */
async function lcpOf(browser, url) {
  const page = await browser.newPage();
  await page.setCacheEnabled(false);
  await page.evaluateOnNewDocument(() => {
    window.__lcp = 0;
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.__lcp = e.renderTime || e.startTime;
    }).observe({ type: 'largest-contentful-paint', buffered: true });
  });
  await page.goto(url, { waitUntil: 'load' });
  await page.waitForFunction(
    () => {
      const el = document.querySelector('privacy-notice');
      const done = el?.shadowRoot && el.shadowRoot.querySelectorAll('section').length >= 13;
      return done && (!customElements.get('privacy-notice') || el.hasUpdated) && window.__lcp > 0;
    },
    { timeout: 10000 },
  );
  await new Promise((r) => setTimeout(r, 100));
  const lcp = await page.evaluate(() => window.__lcp);
  await page.close();
  return lcp;
}

export async function benchNoticeRender({ runs = 15 } = {}) {
  await writePages();
  const server = await startStaticServer('.');
  const browser = await launchChromium();
  const urls = {
    'server-rendered': `${server.origin}/.bench/notice-ssr.html`,
    'client-rendered': `${server.origin}/.bench/notice-element.html`,
    static: `${server.origin}/dist/notice/fi.html`,
    ...(process.env.NOSCRIPT ? { noscript: `${server.origin}/.bench/notice-ssr-noscript.html` } : {}),
  };
  const kinds = Object.keys(urls);
  const times = Object.fromEntries(kinds.map((k) => [k, []]));
  try {
    for (let i = 0; i < runs + 2; i++) {
      // rotate the order so no kind always goes first
      for (const kind of [...kinds.slice(i % kinds.length), ...kinds.slice(0, i % kinds.length)]) {
        const t = await lcpOf(browser, urls[kind]);
        if (i >= 2) times[kind].push(t); // the first two rounds warm up the browser and the server
      }
    }
  } finally {
    await browser.close();
    await server.close();
  }
  const m = Object.fromEntries(kinds.map((k) => [k, median(times[k])]));
  const ratio = (k) => m[k] / m.static;
  const lines = kinds.map(
    (k) => `  ${k.padEnd(16)} ${m[k].toFixed(1).padStart(7)} ms  p90 ${percentile(times[k], 90).toFixed(1).padStart(7)} ms  ${ratio(k).toFixed(2)}× static`,
  );
  return {
    runs,
    medians: m,
    ratios: { serverRendered: ratio('server-rendered'), clientRendered: ratio('client-rendered') },
    text: `notice LCP (Chromium, median of ${runs} loads each, one run; target: server-rendered ≤ 1.1× static)\n${lines.join('\n')}`,
  };
}

if (process.argv[1]?.endsWith('notice-render.mjs')) console.log((await benchNoticeRender({ runs: Number(process.argv[2] ?? 15) })).text);
