// Opens every story of the built Storybook in Chromium: a story that throws,
// whose elements never render, or in which axe finds a WCAG 2.2 A/AA problem,
// fails the run.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { launchChromium } from './chromium.mjs';
import { startStaticServer } from './static-server.mjs';

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
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
          return (
            elements.length > 0 &&
            elements.every((el) => customElements.get(el.localName) && (el.shadowRoot?.childElementCount ?? 0) > 0)
          );
        },
        { timeout: 10000, polling: 50 },
      )
      .then(() => 'ok', () => 'elements did not render');
    if (state !== 'ok') errors.push(state);
    else {
      await new Promise((r) => setTimeout(r, 400)); // let the story's play function finish
      await page.evaluate(axeSource);
      // Storybook's a11y panel runs axe in the preview too: on a busy machine it may still be running, and axe
      // runs one at a time; wait for it and try again.
      const violations = await page.evaluate(async () => {
        for (let attempt = 0; ; attempt++) {
          try {
            const result = await window.axe.run('#storybook-root', {
              runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] },
            });
            return result.violations.map((v) => `${v.id} (${v.nodes.length})`);
          } catch (error) {
            if (attempt >= 20 || !String(error).includes('already running')) throw error;
            await new Promise((r) => setTimeout(r, 250));
          }
        }
      });
      if (violations.length) errors.push(`axe: ${violations.join(', ')}`);
    }
    if (errors.length) failures.push(`${story.id}: ${errors.join('; ')}`);
    await page.close();
  }
} finally {
  await browser.close();
  await server.close();
}
console.log(`stories: ${stories.length - failures.length} of ${stories.length} render with no error and nothing axe objects to`);
for (const failure of failures) console.error(`  ✘ ${failure}`);
process.exit(failures.length ? 1 : 0);
