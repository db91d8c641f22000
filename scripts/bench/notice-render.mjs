// Time until the full Finnish notice has rendered: <privacy-notice> from the
// CDN bundle against dist/notice/fi.html as static HTML, interleaved in one
// Chromium, fresh page and no cache each run.
import { mkdirSync, writeFileSync } from 'node:fs';
import { launchChromium } from '../chromium.mjs';
import { startStaticServer } from '../static-server.mjs';
import { median, percentile } from './util.mjs';

// Both pages record the same moment: the first frame after all notice content is in the DOM.
const RECORD = `function record(){requestAnimationFrame(()=>setTimeout(()=>{window.__rendered=performance.now()}))}`;

function writePages() {
  mkdirSync('.bench', { recursive: true });
  writeFileSync(
    '.bench/element-probe.js',
    `${RECORD}
const el = document.querySelector('privacy-notice');
const done = () => el.shadowRoot && el.shadowRoot.querySelectorAll('section').length >= 13;
customElements.whenDefined('privacy-notice').then(() => {
  if (done()) return record();
  const observer = new MutationObserver(() => { if (done()) { observer.disconnect(); record(); } });
  observer.observe(el.shadowRoot, { childList: true, subtree: true });
});
`,
  );
  writeFileSync(
    '.bench/notice-element.html',
    `<!doctype html><html lang="fi"><head><meta charset="utf-8"><title>Tietosuojaseloste</title>
<script type="module" src="/dist/cdn/privacy-notice.js"></script>
<script type="module" src="/.bench/element-probe.js"></script></head>
<body><privacy-notice></privacy-notice></body></html>`,
  );
}

export async function benchNoticeRender({ runs = 25 } = {}) {
  writePages();
  const server = await startStaticServer('.');
  const browser = await launchChromium();
  const urls = {
    element: `${server.origin}/.bench/notice-element.html`,
    static: `${server.origin}/dist/notice/fi.html`,
  };
  const times = { element: [], static: [] };
  try {
    for (let i = 0; i < runs + 2; i++) {
      for (const kind of i % 2 ? ['element', 'static'] : ['static', 'element']) {
        const page = await browser.newPage();
        await page.setCacheEnabled(false);
        if (kind === 'static') {
          // inject the probe as the static page's only script
          await page.evaluateOnNewDocument(
            `${RECORD}; document.addEventListener('DOMContentLoaded', record);`,
          );
        }
        await page.goto(urls[kind], { waitUntil: 'load' });
        const t = await page.waitForFunction(() => window.__rendered, { timeout: 10000 }).then((h) => h.jsonValue());
        if (i >= 2) times[kind].push(t); // the first two rounds warm up the browser and the server
        await page.close();
      }
    }
  } finally {
    await browser.close();
    await server.close();
  }
  const element = median(times.element);
  const stat = median(times.static);
  return {
    runs,
    element,
    static: stat,
    ratio: element / stat,
    p90: { element: percentile(times.element, 90), static: percentile(times.static, 90) },
    text: `notice render (Chromium, median of ${runs}): <privacy-notice> ${element.toFixed(1)} ms, static HTML ${stat.toFixed(
      1,
    )} ms, ratio ${(element / stat).toFixed(2)}× (target ≤ 1.5×); p90 ${percentile(times.element, 90).toFixed(1)} / ${percentile(
      times.static,
      90,
    ).toFixed(1)} ms`,
  };
}
