// What a consumer gets: packs the package, checks the tarball holds no stray
// files, runs publint and Are The Types Wrong on it, installs it into an empty
// folder and imports its entry points there. Needs `npm run build` first.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const problems = [];
const run = (cmd, args, options = {}) => execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...options });
const dir = mkdtempSync(join(tmpdir(), 'pw-pack-'));
try {
  // 1. The tarball: only what a consumer needs.
  const [packed] = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', dir]));
  const files = packed.files.map((f) => f.path);
  const stray = files.filter(
    (f) => /^(test|stories|demo|data|scripts|\.storybook|\.ci|storybook-static|\.bench)\//.test(f) || /\.map$/.test(f) || (/\.ts$/.test(f) && !/\.d\.ts$/.test(f)),
  );
  if (stray.length) problems.push(`stray files in the tarball: ${stray.slice(0, 10).join(', ')}`);
  for (const needed of ['dist/index.js', 'dist/define.js', 'dist/server/index.js', 'dist/ssr/index.js', 'dist/hydrate.js', 'dist/cdn/define.js', 'dist/cdn/hydrate/define.js', 'dist/cdn/styles/privacy-notice.css', 'custom-elements.json', 'dist/schema/privacy-record.json', 'README.md']) {
    if (!files.includes(needed)) problems.push(`missing from the tarball: ${needed}`);
  }
  const tarball = join(dir, packed.filename);
  console.log(`package: ${packed.filename}, ${files.length} files, ${(packed.size / 1024).toFixed(0)} KiB packed`);

  // 2. Linters for package.json and the published types.
  try {
    console.log(run('npx', ['publint', '--strict', '--pack', 'npm']).trim());
  } catch (error) {
    problems.push(`publint:\n${error.stdout}${error.stderr}`);
  }
  try {
    console.log(run('npx', ['attw', tarball, '--profile', 'esm-only', '--format', 'table-flipped']).trim());
  } catch (error) {
    problems.push(`attw:\n${error.stdout}${error.stderr}`);
  }

  // 3. Installed into an empty folder, its entry points import.
  const app = join(dir, 'app');
  run('mkdir', ['-p', app]);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  run('npm', ['install', resolve(tarball), '--omit=optional', '--no-audit', '--no-fund', '--ignore-scripts'], { cwd: app });
  const probe = `
    const root = await import('@optimesys/privacy-widgets');
    const server = await import('@optimesys/privacy-widgets/server');
    const ssr = await import('@optimesys/privacy-widgets/ssr');
    const rendered = await ssr.renderElements('<privacy-notice lang="en"></privacy-notice>');
    if (!rendered.includes('shadowrootmode="open"') || !rendered.includes('Privacy notice')) throw new Error('renderElements rendered nothing');
    await import('@optimesys/privacy-widgets/define');
    if (typeof root.checkNotice !== 'function' || typeof server.verifyRecord !== 'function') throw new Error('exports missing');
    if (!customElements.get('consent-form') || !customElements.get('privacy-notice') || !customElements.get('data-request-form')) throw new Error('define did not define');
    console.log('entry points import: ., ./server, ./ssr (renders), ./define');`;
  try {
    console.log(run('node', ['--input-type=module', '-e', probe], { cwd: app }).trim());
  } catch (error) {
    problems.push(`importing the installed package failed:\n${error.stderr}`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
for (const problem of problems) console.error(`✘ ${problem}`);
process.exit(problems.length ? 1 : 0);
