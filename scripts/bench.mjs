// `npm run bench`: sizes and timings, each beside its baseline from the same run.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { benchInteractive } from './bench/interactive.mjs';
import { breakdown } from './bench/breakdown.mjs';
import { benchNoticeRender } from './bench/notice-render.mjs';
import { benchCls, DEMO_PAGES } from './bench/cls.mjs';
import { benchReceiver } from './bench/receiver.mjs';
import { benchRecords } from './bench/records.mjs';
import { benchQueues } from './bench/queues.mjs';
import { benchLimits } from './bench/limits.mjs';
import { benchConsole } from './bench/console.mjs';
import { benchScale } from './bench/scale.mjs';
import { benchSendFloor } from './bench/send-floor.mjs';
import { measureCompared, measureSizes } from './bench/sizes.mjs';
import { buildBundlerApps } from './bench/bundler.mjs';

if (!process.argv.includes('--no-build')) {
  const build = spawnSync('node', ['scripts/build.mjs'], { stdio: 'inherit' });
  if (build.status !== 0) process.exit(1);
}
// The compared consent tools live in bench/, never in the package's dependencies.
if (!existsSync('bench/node_modules/klaro')) execFileSync('npm', ['ci', '--prefix', 'bench', '--no-audit', '--no-fund'], { stdio: 'inherit' });

console.log('\n## Bytes per entry, one language (fi): scripts a page fetched, CDN bundles and an app bundled by esbuild (bundler/*)\n');
const sizes = await measureSizes(undefined, await buildBundlerApps());
console.log(sizes.text);
const all = sizes.rows.find((r) => r.entry.startsWith('all elements'));

console.log('\n## Where the bytes go: all elements in use (define.js and what it loaded), by source\n');
const cdn = JSON.parse(readFileSync('dist/cdn/manifest.json', 'utf8'));
const localeFiles = new Set(Object.values(cdn).flatMap((e) => Object.values(e.locales).flat().map((f) => `dist/cdn/${f}`)));
console.log(breakdown(sizes.fetched.define.inUse, localeFiles).text);

console.log('\n## Beside the consent tools people know (one language, their npm packages)\n');
console.log(measureCompared({ initial: all.brotli, inUse: all['in use (brotli)'] }).text);

console.log('\n## Time\n');
console.log((await benchNoticeRender()).text);
console.log();
// and the server-rendered notice page the LCP bench wrote, hydrating, under the same policy
console.log((await benchCls({ pages: [...DEMO_PAGES, '/notice-ssr.html'], extra: { '/notice-ssr.html': '.bench/notice-ssr.html' } })).text);
console.log((await benchInteractive()).text);

console.log('\n## Records core\n');
console.log((await benchRecords()).text);

console.log('\n## Receiver\n');
console.log((await benchReceiver()).text);

console.log('\n## Limits and mail caps: what they cost per record, and what the link route tells by its timing\n');
console.log((await benchLimits()).text);

console.log('\n## Confirmation mail and webhooks: queued with the record, sent when the receiver is idle (#12, #14)\n');
console.log((await benchQueues()).text);

console.log("\n## The console's requests view: 10,000 requests among 200,000 records (#23)\n");
console.log((await benchConsole()).text);

console.log('\n## Receiver on every core, beside a bare-crypto ceiling (#17)\n');
console.log((await benchScale()).text);
console.log((await benchSendFloor()).text);
