// <consent-form> from the CDN bundle: time from navigation to the first moment
// its toggles can be used (rendered, labelled, enabled), and the share of that
// spent before the module script ran. Median of many fresh loads in Chromium.
import { mkdirSync, writeFileSync } from 'node:fs';
import { launchChromium } from '../chromium.mjs';
import { startStaticServer } from '../static-server.mjs';
import { median, percentile } from './util.mjs';

const PROBE = `
const start = performance.now();
const ready = () => {
  const form = document.querySelector('consent-form');
  const toggles = [...(form?.shadowRoot?.querySelectorAll('consent-toggle') ?? [])];
  return toggles.length === 3 && toggles.every((t) => t.shadowRoot?.querySelector('input:not([disabled])') && t.label);
};
const check = () => (ready() ? requestAnimationFrame(() => setTimeout(() => (window.__interactive = { at: performance.now(), moduleAt: start }))) : setTimeout(check, 1));
check();
`;

export async function benchInteractive({ runs = 25 } = {}) {
  mkdirSync('.bench', { recursive: true });
  writeFileSync('.bench/interactive-probe.js', PROBE);
  writeFileSync(
    '.bench/interactive.html',
    `<!doctype html><html lang="fi"><head><meta charset="utf-8"><title>consent-form</title>
<script type="module" src="/dist/cdn/consent-form.js"></script>
<script type="module" src="/.bench/interactive-probe.js"></script></head>
<body><consent-form endpoint="/nowhere"></consent-form></body></html>`,
  );
  const server = await startStaticServer('.');
  const browser = await launchChromium();
  const total = [];
  const afterModule = [];
  try {
    for (let i = 0; i < runs + 2; i++) {
      const page = await browser.newPage();
      await page.setCacheEnabled(false);
      await page.goto(`${server.origin}/.bench/interactive.html`, { waitUntil: 'load' });
      const { at, moduleAt } = await page.waitForFunction(() => window.__interactive, { timeout: 15000 }).then((h) => h.jsonValue());
      if (i >= 2) {
        total.push(at);
        afterModule.push(at - moduleAt);
      }
      await page.close();
    }
  } finally {
    await browser.close();
    await server.close();
  }
  return {
    total: median(total),
    afterModule: median(afterModule),
    text: `consent-form interactive (Chromium, fresh load, median of ${runs}): ${median(total).toFixed(1)} ms after navigation start (p90 ${percentile(total, 90).toFixed(1)} ms), ${median(afterModule).toFixed(1)} ms of it after the module ran (strings loaded, toggles rendered)`,
  };
}
