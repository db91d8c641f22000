// `npm test`: typecheck, build, Node tests, browser tests (Chromium, and
// Firefox ESR when installed), Storybook build and story smoke test. Ends
// with one plain line "N passed, N failed" that any log reader can find.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

const results = [];
const out = '.test-results';
rmSync(out, { recursive: true, force: true });
mkdirSync(out);

function run(name, command, args, env = {}) {
  console.log(`\n▶ ${name}: ${command} ${args.join(' ')}`);
  const started = Date.now();
  const { status } = spawnSync(command, args, { stdio: 'inherit', env: { ...process.env, ...env } });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(`${status === 0 ? '✔' : '✘'} ${name} (${seconds} s)`);
  return status === 0;
}

function find(dir, suffix) {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? find(path, suffix) : path.endsWith(suffix) ? [path] : [];
  });
}

const only = process.argv.slice(2); // e.g. `npm test -- browser` runs one step
const want = (step) => only.length === 0 || only.includes(step);

if (want('typecheck')) results.push({ name: 'typecheck (per package, and no node:* in browser code)', ok: run('typecheck', 'node', ['scripts/typecheck.mjs']) });
if (want('build')) results.push({ name: 'build', ok: run('build', 'node', ['scripts/build.mjs']) });

if (want('node')) {
  const files = ['test', ...readdirSync('packages').map((p) => join('packages', p, 'test'))].filter((dir) => existsSync(dir)).flatMap((dir) => find(dir, '.node.test.ts'));
  const tap = join(out, 'node.tap');
  const ok = run('node tests', 'node', [
    '--import', 'tsx', '--test', '--test-concurrency=1',
    '--test-reporter=spec', '--test-reporter-destination=stdout',
    '--test-reporter=tap', `--test-reporter-destination=${tap}`,
    ...files,
  ]);
  const text = existsSync(tap) ? readFileSync(tap, 'utf8') : '';
  const count = (key) => Number(text.match(new RegExp(`^# ${key} (\\d+)`, 'm'))?.[1] ?? 0);
  results.push({ name: 'node tests', ok, passed: count('pass'), failed: count('fail') || (ok ? 0 : 1) });
}

if (want('package')) results.push({ name: 'packages (tarballs, publint, attw, installs)', ok: run('package', 'node', ['scripts/check-package.mjs']) });

if (want('browser')) {
  const summary = join(out, 'browser.json');
  const ok = run('browser tests', 'npx', ['wtr', '--config', 'web-test-runner.config.mjs'], { WTR_SUMMARY: summary });
  const counts = existsSync(summary) ? JSON.parse(readFileSync(summary, 'utf8')) : {};
  const browsers = Object.keys(counts);
  if (!browsers.length) results.push({ name: 'browser tests', ok: false, passed: 0, failed: 1 });
  for (const browser of browsers) {
    const { passed, failed } = counts[browser];
    results.push({ name: `browser tests (${browser})`, ok: ok && failed === 0, passed, failed });
  }
}

if (want('storybook')) {
  const built = run('storybook build', 'npx', ['storybook', 'build', '--quiet', '-o', 'storybook-static']);
  results.push({ name: 'storybook build', ok: built });
  if (built) results.push({ name: 'stories render', ok: run('stories render', 'node', ['scripts/check-stories.mjs']) });
}

let passed = 0;
let failed = 0;
console.log('\nSummary');
for (const r of results) {
  const p = r.passed ?? (r.ok ? 1 : 0);
  const f = r.failed ?? (r.ok ? 0 : 1);
  passed += p;
  failed += f;
  console.log(`  ${r.ok ? '✔' : '✘'} ${r.name}${r.passed !== undefined ? `: ${p} passed, ${f} failed` : ''}`);
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(results.every((r) => r.ok) ? 0 : 1);
