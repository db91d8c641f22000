// Opens every story of the built Storybook in Chromium: a story that throws,
// or whose elements never upgrade or render, fails the run.
import { readFileSync } from 'node:fs';
import { launchChromium } from './chromium.mjs';
import { startStaticServer } from './static-server.mjs';

const index = JSON.parse(readFileSync('storybook-static/index.json', 'utf8'));
const stories = Object.values(index.entries).filter((entry) => entry.type === 'story');
const server = await startStaticServer('storybook-static');
const browser = await launchChromium();
const failures = [];
try {
  for (const story of stories) {
    const page = await browser.newPage();
    const errors = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${server.origin}/iframe.html?id=${story.id}&viewMode=story`, { waitUntil: 'load' });
    const state = await page
      .waitForFunction(
        () => {
          const root = document.querySelector('#storybook-root');
          const elements = [...(root?.querySelectorAll('*') ?? [])].filter((el) => el.localName.includes('-'));
          if (!elements.length) return false;
          if (elements.some((el) => !customElements.get(el.localName))) return false;
          return elements.every((el) => (el.shadowRoot?.childElementCount ?? 0) > 0 && !el.shadowRoot.querySelector('[aria-busy="true"]')) && 'ok';
        },
        { timeout: 10000 },
      )
      .then(() => 'ok', () => 'elements did not render');
    if (state !== 'ok') errors.push(state);
    if (errors.length) failures.push(`${story.id}: ${errors.join('; ')}`);
    await page.close();
  }
} finally {
  await browser.close();
  await server.close();
}
console.log(`stories: ${stories.length - failures.length} of ${stories.length} render`);
for (const failure of failures) console.error(`  ✘ ${failure}`);
process.exit(failures.length ? 1 : 0);
