// Bytes a page pays for each CDN entry with one language (Finnish, or `lang`), measured
// by loading it in Chromium and adding up the scripts it actually fetched:
// the scripts requested before the elements first rendered ("first render"),
// then everything the page fetched once its network is idle with no visitor
// action ("load settled": whatever loads after the first render; i18next is
// fetched only on demand, by a string that needs it, which the package's own
// strings never do), then after a visitor starts on a form and opens an info
// popover ("in use": the lazily loaded signing, outbox, schemas and floating-ui).
// `three`: the three elements issue #15 first named, on one page with define.js.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { launchChromium } from '../chromium.mjs';
import { startStaticServer } from '../static-server.mjs';
import { sizes, table } from './util.mjs';

export const BUDGETS = { 'privacy-notice': 30000, 'consent-form': 30000, 'data-request-form': 30000, define: 35000, three: 35000 };

const MARKUP = {
  'privacy-notice': '<privacy-notice></privacy-notice>',
  'consent-toggle': '<consent-toggle purpose="newsletter"></consent-toggle>',
  'consent-form': '<consent-form endpoint="/nowhere"></consent-form>',
  'data-request-form': '<data-request-form endpoint="/nowhere"></data-request-form>',
  'consent-preferences': '<consent-preferences endpoint="/nowhere"></consent-preferences>',
};
MARKUP.define = Object.values(MARKUP).join('\n');
MARKUP.three = [MARKUP['privacy-notice'], MARKUP['consent-form'], MARKUP['data-request-form']].join('\n');

/** Pages that are not an entry of their own: name → the script they load. */
const PAGES = { three: '/dist/cdn/define.js' };
const LABELS = {
  define: 'all elements (define)',
  three: 'notice + consent + request forms (define)',
  'hydrate/define': 'all, server-rendered (hydrate/define)',
  'bundler/define': 'all, through esbuild (bundler/define)',
  'bundler/three': 'notice + forms, through esbuild (bundler/three)',
};

async function page(entry, script = `/dist/cdn/${entry}.js`, lang = 'fi') {
  const base = entry.replace(/^(hydrate|bundler)\//, '');
  let body = MARKUP[base];
  if (entry.startsWith('hydrate/')) {
    // dist/cdn/hydrate/<entry>.js loads on a page whose elements the server rendered
    const { renderElements } = await import('../../dist/ssr/index.js');
    body = await renderElements(body, { lang, stylesheet: (tag) => `/dist/cdn/styles/${tag}.css` });
  }
  // The page notes the first frame in which every element has rendered (before that frame paints).
  return `<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><title>${entry}</title>
<script>requestAnimationFrame(function check() { if ((${rendered})()) window.renderedAt = performance.now(); else requestAnimationFrame(check); });</script>
<script type="module" src="${script}"></script></head><body>${body}</body></html>`;
}

async function fetchedScripts(pageHandle, before = Infinity) {
  return pageHandle.evaluate((before) =>
    performance
      .getEntriesByType('resource')
      .filter((e) => e.startTime < before)
      .map((e) => new URL(e.name).pathname)
      .filter((p) => (p.startsWith('/dist/cdn/') || p.startsWith('/.bench/bundler/')) && p.endsWith('.js')),
  before);
}

/** True when every element on the page has rendered its shadow content. */
const rendered = () =>
  [...document.querySelectorAll('*')]
    .filter((el) => el.localName.includes('-'))
    .every((el) => el.hasUpdated && el.shadowRoot && el.shadowRoot.childElementCount > 0 && !el.shadowRoot.querySelector('[aria-busy="true"]'));

/**
 * `bundled`: more pages, bench entry name → the app script (scripts/bench/bundler.mjs);
 * `lang`: the page's `<html lang>`, the one language its elements show and load.
 */
export async function measureSizes(only, bundled = {}, lang = 'fi') {
  bundled = { ...PAGES, ...bundled };
  const manifest = { ...JSON.parse(readFileSync('dist/cdn/manifest.json', 'utf8')), ...bundled };
  mkdirSync('.bench', { recursive: true });
  const server = await startStaticServer('.');
  const browser = await launchChromium();
  const rows = [];
  const fetched = {};
  try {
    for (const entry of Object.keys(manifest).filter((e) => !only || only.includes(e))) {
      const file = `.bench/size-${entry.replace('/', '-')}.html`;
      writeFileSync(file, await page(entry, bundled[entry], lang));
      const tab = await browser.newPage();
      await tab.setCacheEnabled(false);
      await tab.goto(`${server.origin}/${file}`, { waitUntil: 'load' });
      const renderedAt = await (await tab.waitForFunction(() => window.renderedAt, { timeout: 15000 })).jsonValue();
      const initial = await fetchedScripts(tab, renderedAt);
      await new Promise((r) => setTimeout(r, 1000));
      await tab.waitForNetworkIdle({ idleTime: 200 });
      const settled = await fetchedScripts(tab);
      // A visitor starts on each form and opens an info popover.
      await tab.evaluate(() => {
        for (const el of document.querySelectorAll('consent-form, data-request-form')) {
          el.dispatchEvent(new FocusEvent('focusin', { bubbles: true, composed: true }));
        }
        const toggle = document.querySelector('consent-form')?.shadowRoot?.querySelector('consent-toggle') ?? document.querySelector('consent-toggle');
        toggle?.shadowRoot?.querySelector('.info')?.click();
      });
      await new Promise((r) => setTimeout(r, 500));
      await tab.waitForNetworkIdle({ idleTime: 200 });
      const inUse = await fetchedScripts(tab);
      await tab.close();
      const first = sizes(initial.map((p) => p.slice(1)));
      const all = sizes(inUse.map((p) => p.slice(1)));
      const afterLoad = sizes(settled.map((p) => p.slice(1)));
      const budget = BUDGETS[entry.replace(/^(hydrate|bundler)\//, '')];
      rows.push({
        entry: LABELS[entry] ?? entry,
        minified: first.min,
        gzip: first.gzip,
        brotli: first.brotli,
        budget: budget ?? '',
        'first render': budget ? (first.brotli <= budget ? 'met' : 'NOT met') : '',
        'load settled (brotli)': afterLoad.brotli,
        'settled': budget ? (afterLoad.brotli <= budget ? 'met' : 'NOT met') : '',
        'in use (brotli)': all.brotli,
        files: `${initial.length}/${settled.length}/${inUse.length}`,
      });
      fetched[entry] = { initial: initial.map((p) => p.slice(1)), settled: settled.map((p) => p.slice(1)), inUse: inUse.map((p) => p.slice(1)) };
    }
  } finally {
    await browser.close();
    await server.close();
  }
  return { rows, fetched, text: table(rows, Object.keys(rows[0])) };
}

/**
 * The consent tools people compare with, from their npm packages (installed in
 * bench/, never dependencies of the package): the files a page loads for each
 * with one language, measured the same way.
 */
export const COMPARED = {
  'vanilla-cookieconsent 3.1': ['vanilla-cookieconsent/dist/cookieconsent.umd.js', 'vanilla-cookieconsent/dist/cookieconsent.css'],
  'orejime 3.2': ['orejime/dist/orejime-standard-en.js', 'orejime/dist/orejime-standard.css'],
  // klaro ships its CSS and every translation inside klaro.js, the file its docs embed
  'klaro 0.7': ['klaro/dist/klaro.js'],
  // tarteaucitron.js loads its language file, the services list and its CSS itself
  'tarteaucitron 1.34': [
    'tarteaucitronjs/tarteaucitron.min.js',
    'tarteaucitronjs/lang/tarteaucitron.en.min.js',
    'tarteaucitronjs/tarteaucitron.services.min.js',
    'tarteaucitronjs/css/tarteaucitron.min.css',
  ],
};

export function measureCompared(ours) {
  const rows = [];
  for (const [name, files] of Object.entries(COMPARED)) {
    const s = sizes(files.map((f) => `bench/node_modules/${f}`));
    rows.push({
      tool: name,
      minified: s.min,
      gzip: s.gzip,
      brotli: s.brotli,
      'all our elements, initial / theirs': `${(ours.initial / s.brotli).toFixed(2)}×`,
      'in use / theirs': `${(ours.inUse / s.brotli).toFixed(2)}×`,
    });
  }
  return { rows, text: table(rows, Object.keys(rows[0])) };
}
