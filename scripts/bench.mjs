// `npm run bench`: sizes and timings, each beside its baseline from the same run.
import { spawnSync } from 'node:child_process';
import { measureSizes } from './bench/sizes.mjs';
import { benchNoticeRender } from './bench/notice-render.mjs';
import { benchRecords } from './bench/records.mjs';

if (!process.argv.includes('--no-build')) {
  const build = spawnSync('node', ['scripts/build.mjs'], { stdio: 'inherit' });
  if (build.status !== 0) process.exit(1);
}

console.log('\n## Bytes per entry, one language (fi): scripts a page fetched, CDN bundles\n');
console.log((await measureSizes()).text);

console.log('\n## Time\n');
console.log((await benchNoticeRender()).text);

console.log('\n## Records core\n');
console.log((await benchRecords()).text);
