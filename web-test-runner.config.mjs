import { existsSync } from 'node:fs';
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { chromeLauncher } from '@web/test-runner-chrome';
import puppeteer from 'puppeteer-core';
import { defaultReporter } from '@web/test-runner';
import { testEndpoints } from './test/helpers/test-endpoints.mjs';
import { summaryReporter } from './scripts/wtr-summary-reporter.mjs';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './scripts/chromium.mjs';

// Debian's browsers; nothing is downloaded. BROWSERS=chromium,firefox picks them.
const wanted = (process.env.BROWSERS ?? 'chromium,firefox').split(',');
const firefoxPath = process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr';

/**
 * puppeteer-core 24's `setViewport` over WebDriver BiDi also sends `emulation.setScreenOrientationOverride`,
 * which Firefox ESR 140 does not know: the size is set, the orientation command fails, and the runner gave up
 * on every file. The orientation is nothing these tests use, so that one refusal is let pass.
 */
function toleratingFirefoxViewport(page) {
  const setViewport = page.setViewport.bind(page);
  page.setViewport = (viewport) =>
    setViewport(viewport).catch((error) => {
      if (!String(error?.message).includes('emulation.setScreenOrientationOverride')) throw error;
    });
  return page;
}

const browsers = [];
if (wanted.includes('chromium')) {
  browsers.push(
    chromeLauncher({
      launchOptions: { executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS },
    }),
  );
}
if (wanted.includes('firefox') && existsSync(firefoxPath)) {
  browsers.push(
    chromeLauncher({
      puppeteer,
      launchOptions: { browser: 'firefox', executablePath: firefoxPath, headless: true },
      createPage: ({ context }) => context.newPage().then(toleratingFirefoxViewport),
    }),
  );
}

export default {
  files: ['test/**/*.test.ts', 'packages/*/test/**/*.test.ts', '!test/**/*.node.test.ts', '!packages/*/test/**/*.node.test.ts'],
  nodeResolve: true,
  rootDir: '.',
  // One page at a time: focus and keyboard tests need the page to be the focused one.
  concurrency: 1,
  concurrentBrowsers: 1,
  browsers,
  reporters: [defaultReporter(), ...(process.env.WTR_SUMMARY ? [summaryReporter(process.env.WTR_SUMMARY)] : [])],
  middleware: testEndpoints,
  filterBrowserLogs: ({ args }) => !String(args[0]).startsWith('Lit is in dev mode'),
  plugins: [esbuildPlugin({ ts: true, json: true, target: 'es2022', tsconfig: 'tsconfig.json' })],
  testFramework: { config: { timeout: 15000 } },
};
