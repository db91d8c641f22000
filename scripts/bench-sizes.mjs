// `node scripts/bench-sizes.mjs [--no-build]`: only the bytes part of the bench
// (bytes on load per entry beside the targets, and where they go), without the timings.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { breakdown } from './bench/breakdown.mjs';
import { measureSizes } from './bench/sizes.mjs';
import { buildBundlerApps } from './bench/bundler.mjs';

if (!process.argv.includes('--no-build')) {
  const build = spawnSync('node', ['scripts/build.mjs'], { stdio: 'inherit' });
  if (build.status !== 0) process.exit(1);
}
const only = process.argv.find((a) => a.startsWith('--only='))?.slice(7).split(',');
console.log('\n## Bytes per entry, one language (fi): scripts a page fetched, CDN bundles and an app bundled by esbuild (bundler/*)\n');
const sizes = await measureSizes(only, await buildBundlerApps());
console.log(sizes.text);
const cdn = JSON.parse(readFileSync('dist/cdn/manifest.json', 'utf8'));
const localeFiles = new Set(Object.values(cdn).flatMap((e) => Object.values(e.locales).flat().map((f) => `dist/cdn/${f}`)));
if (sizes.fetched.define) {
  console.log('\n## Where the bytes go: all elements on load (define.js and what it loaded), by source\n');
  console.log(breakdown(sizes.fetched.define.initial, localeFiles).text);
  console.log('\n## The same once the load settles (i18next only if a string needed it: none of the package\'s do)\n');
  console.log(breakdown(sizes.fetched.define.settled, localeFiles).text);
  console.log('\n## The same in use (a visitor started on the forms and opened an info popover)\n');
  console.log(breakdown(sizes.fetched.define.inUse, localeFiles).text);
}
