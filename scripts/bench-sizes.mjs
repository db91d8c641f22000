// `node scripts/bench-sizes.mjs [--no-build] [--only=entry,…] [--lang=sv]`: only the bytes part of the bench
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
// Pages in another language than Finnish: the same budgets hold, and a page loads only that language's strings.
const lang = process.argv.find((a) => a.startsWith('--lang='))?.slice(7) ?? 'fi';
console.log(`\n## Bytes per entry, one language (${lang}): scripts a page fetched, CDN bundles and an app bundled by esbuild (bundler/*)\n`);
const sizes = await measureSizes(only, await buildBundlerApps(), lang);
console.log(sizes.text);
const cdn = JSON.parse(readFileSync('dist/cdn/manifest.json', 'utf8'));
const localeFiles = new Set(Object.values(cdn).flatMap((e) => Object.values(e.locales).flat().map((f) => `dist/cdn/${f}`)));
// No page pays for a language it does not show: every strings chunk a CDN page fetched is its language's.
const ownLocale = new Set(Object.values(cdn).flatMap((e) => (e.locales[lang] ?? []).map((f) => `dist/cdn/${f}`)));
const foreign = Object.entries(sizes.fetched).flatMap(([entry, f]) => f.inUse.filter((p) => localeFiles.has(p) && !ownLocale.has(p)).map((p) => `${entry}: ${p}`));
console.log(foreign.length ? `\nStrings of another language fetched:\n${foreign.join('\n')}` : `\nEvery page fetched strings of ${lang} only.`);
if (foreign.length || !ownLocale.size) process.exitCode = 1;
if (sizes.fetched.define) {
  console.log('\n## Where the bytes go: all elements on load (define.js and what it loaded), by source\n');
  console.log(breakdown(sizes.fetched.define.initial, localeFiles).text);
  console.log('\n## The same once the load settles (i18next only if a string needed it: none of the package\'s do)\n');
  console.log(breakdown(sizes.fetched.define.settled, localeFiles).text);
  console.log('\n## The same in use (a visitor started on the forms and opened an info popover)\n');
  console.log(breakdown(sizes.fetched.define.inUse, localeFiles).text);
}
