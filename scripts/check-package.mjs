// What a consumer gets from each published package: packs it, checks the tarball holds no stray
// files, runs publint and Are The Types Wrong on it; then installs the tarballs into empty projects
// as a front-end team and a site's backend would, and uses them there: the widgets (with the
// records core) counted against the install budget, bundled by esbuild and run from their CDN build
// in Chromium; the receiver started from its command line. Needs `npm run build` first.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, resolve } from 'node:path';
import { brotliCompressSync } from 'node:zlib';
import { launchChromium } from './chromium.mjs';

/** The front-end install's budget (issue: a team installs three tags in seconds). */
const BUDGET = { packages: 15, bytes: 20 * 2 ** 20 };

const problems = [];
const run = (cmd, args, options = {}) => execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...options });
const dir = mkdtempSync(join(tmpdir(), 'pw-pack-'));

const PACKAGES = [
  {
    name: '@optimesys/privacy-widgets',
    dir: '.',
    needed: ['dist/index.js', 'dist/define.js', 'dist/ssr/index.js', 'dist/hydrate.js', 'dist/cdn/define.js', 'dist/cdn/hydrate/define.js', 'dist/cdn/styles/privacy-notice.css', 'custom-elements.json', 'README.md'],
    // No server code in the widgets: the receiver is its own package.
    stray: /^(test|stories|demo|data|scripts|packages|\.storybook|\.ci|storybook-static|\.bench|docs)\/|^dist\/server\/|^locales\/\w+\/mail\.json$/,
  },
  {
    name: '@optimesys/privacy-records',
    dir: 'packages/records',
    needed: ['dist/index.js', 'dist/schemas.js', 'dist/schema/privacy-record.json', 'README.md'],
    stray: /^(test|src)\//,
  },
  {
    name: '@optimesys/privacy-receiver',
    dir: 'packages/receiver',
    needed: ['dist/src/index.js', 'dist/src/cli/bin.js', 'dist/openapi.json', 'dist/schema/webhook-event.json', 'dist/locales/fi/mail.json', 'README.md'],
    stray: /^(test|src)\//,
  },
];

/** Every installed package under node_modules (nested too): its folder and package.json. */
function installed(modules) {
  const out = [];
  const walk = (folder) => {
    if (!existsSync(folder)) return;
    for (const entry of readdirSync(folder)) {
      if (entry.startsWith('.')) continue;
      const path = join(folder, entry);
      if (entry.startsWith('@')) {
        walk(path);
        continue;
      }
      const manifest = join(path, 'package.json');
      if (!existsSync(manifest)) continue;
      out.push({ path, pkg: JSON.parse(readFileSync(manifest, 'utf8')) });
      walk(join(path, 'node_modules'));
    }
  };
  walk(modules);
  return out;
}

const bytesOf = (path) => {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.size;
  return readdirSync(path).reduce((sum, entry) => sum + bytesOf(join(path, entry)), 0);
};

try {
  const tarballs = {};
  for (const spec of PACKAGES) {
    // 1. The tarball: only what a consumer needs.
    const [packed] = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', dir], { cwd: spec.dir }));
    const files = packed.files.map((f) => f.path);
    const stray = files.filter((f) => spec.stray.test(f) || /\.map$/.test(f) || (/\.ts$/.test(f) && !/\.d\.ts$/.test(f)));
    if (stray.length) problems.push(`${spec.name}: stray files in the tarball: ${stray.slice(0, 10).join(', ')}`);
    for (const needed of spec.needed) if (!files.includes(needed)) problems.push(`${spec.name}: missing from the tarball: ${needed}`);
    tarballs[spec.name] = join(dir, packed.filename);
    console.log(`package: ${packed.filename}, ${files.length} files, ${(packed.size / 1024).toFixed(0)} KiB packed`);

    // 2. Linters for package.json and the published types.
    try {
      console.log(run('npx', ['publint', '--strict', '--pack', 'npm'], { cwd: spec.dir }).trim());
    } catch (error) {
      problems.push(`${spec.name}: publint:\n${error.stdout}${error.stderr}`);
    }
    try {
      console.log(run('npx', ['attw', tarballs[spec.name], '--profile', 'esm-only', '--format', 'table-flipped']).trim());
    } catch (error) {
      problems.push(`${spec.name}: attw:\n${error.stdout}${error.stderr}`);
    }
  }

  // 3. A front-end team's install: the widgets and the records core they depend on, production
  //    dependencies as npm installs them, no install script allowed to run (none may exist).
  const app = join(dir, 'app');
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  run('npm', ['install', tarballs['@optimesys/privacy-records'], tarballs['@optimesys/privacy-widgets'], '--omit=dev', '--no-audit', '--no-fund', '--ignore-scripts'], { cwd: app });
  const packages = installed(join(app, 'node_modules'));
  const bytes = bytesOf(join(app, 'node_modules'));
  console.log(`front-end install: ${packages.length} packages, ${(bytes / 2 ** 20).toFixed(1)} MB (budget ${BUDGET.packages} packages, ${BUDGET.bytes / 2 ** 20} MB)`);
  console.log(`  ${packages.map(({ pkg }) => `${pkg.name}@${pkg.version}`).sort().join(', ')}`);
  if (packages.length > BUDGET.packages) problems.push(`the front-end install brings ${packages.length} packages (budget ${BUDGET.packages})`);
  if (bytes > BUDGET.bytes) problems.push(`the front-end install takes ${bytes} bytes (budget ${BUDGET.bytes})`);
  for (const { pkg, path } of packages) {
    if (['preinstall', 'install', 'postinstall'].some((s) => pkg.scripts?.[s]) || existsSync(join(path, 'binding.gyp'))) problems.push(`${pkg.name} has an install script or builds natively`);
  }
  const serverSide = packages.filter(({ pkg }) => /^(hono|@hono\/.*|nodemailer|better-sqlite3|pg|kysely|@optimesys\/privacy-receiver)$/.test(pkg.name));
  if (serverSide.length) problems.push(`server packages in the front-end install: ${serverSide.map(({ pkg }) => pkg.name).join(', ')}`);

  const probe = `
    const root = await import('@optimesys/privacy-widgets');
    const records = await import('@optimesys/privacy-records');
    await import('@optimesys/privacy-widgets/define');
    if (typeof root.checkNotice !== 'function' || typeof records.canonicalJson !== 'function' || typeof root.deviceSigner !== 'function') throw new Error('exports missing');
    if (!customElements.get('consent-form') || !customElements.get('privacy-notice') || !customElements.get('data-request-form')) throw new Error('define did not define');
    console.log('entry points import: ., ./define, @optimesys/privacy-records');`;
  try {
    console.log(run('node', ['--input-type=module', '-e', probe], { cwd: app }).trim());
  } catch (error) {
    problems.push(`importing the installed widgets failed:\n${error.stderr}`);
  }

  // 4. Bundled by an app's bundler, from the installed package alone.
  const { build } = await import('esbuild');
  writeFileSync(join(app, 'app.js'), "import '@optimesys/privacy-widgets/consent-form/define';\nimport '@optimesys/privacy-widgets/privacy-notice/define';\n");
  try {
    const result = await build({ absWorkingDir: app, entryPoints: ['app.js'], outdir: 'out', bundle: true, splitting: true, format: 'esm', minify: true, target: 'es2022', write: true, logLevel: 'silent', metafile: true });
    const entry = Object.keys(result.metafile.outputs).find((f) => f.endsWith('app.js'));
    const leaked = Object.keys(result.metafile.inputs).filter((f) => !f.startsWith('node_modules/') && f !== 'app.js');
    if (leaked.length) problems.push(`the app bundle reached outside the install: ${leaked.slice(0, 5).join(', ')}`);
    console.log(`esbuild app from the install: ${brotliCompressSync(readFileSync(join(app, entry))).length} bytes brotli for its entry chunk`);
  } catch (error) {
    problems.push(`bundling an app from the installed widgets failed: ${error.message}`);
  }

  // 5. The CDN build from the installed package, in Chromium under a strict policy.
  const cdn = join(app, 'node_modules/@optimesys/privacy-widgets/dist/cdn');
  const page = '<!doctype html><html lang="en"><head><script type="module" src="/cdn/define.js"></script></head><body><consent-form endpoint="/api/records"></consent-form></body></html>';
  const types = { '.js': 'text/javascript', '.css': 'text/css', '.json': 'application/json' };
  const server = createServer((req, res) => {
    const csp = "default-src 'self'; script-src 'self'; style-src 'self'";
    if (req.url === '/') return void res.writeHead(200, { 'content-type': 'text/html', 'content-security-policy': csp }).end(page);
    if (req.url === '/favicon.ico') return void res.writeHead(204).end();
    const file = join(cdn, resolve('/', req.url.replace(/^\/cdn\//, '/').split('?')[0]));
    if (!req.url.startsWith('/cdn/') || !existsSync(file)) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
  });
  await new Promise((done) => server.listen(0, '127.0.0.1', done));
  const browser = await launchChromium();
  try {
    const tab = await browser.newPage();
    const errors = [];
    tab.on('pageerror', (error) => errors.push(String(error)));
    tab.on('console', (message) => message.type() === 'error' && errors.push(message.text()));
    await tab.goto(`http://127.0.0.1:${server.address().port}/`);
    const rendered = await tab.waitForFunction(() => document.querySelector('consent-form')?.shadowRoot?.querySelector('[role="switch"], input'), { timeout: 10_000 }).then(
      () => true,
      () => false,
    );
    if (!rendered || errors.length) problems.push(`the installed CDN build did not render <consent-form> under a strict CSP: ${errors.join('; ')}`);
    else console.log('CDN build from the install: <consent-form> renders under a strict CSP');
  } finally {
    await browser.close();
    server.close();
  }

  // 6. Server rendering needs the optional peer @lit-labs/ssr; with it, ./ssr renders.
  run('npm', ['install', '@lit-labs/ssr@^4.1.0', '--no-audit', '--no-fund', '--ignore-scripts'], { cwd: app });
  try {
    console.log(
      run('node', ['--input-type=module', '-e', `
        const ssr = await import('@optimesys/privacy-widgets/ssr');
        const html = await ssr.renderElements('<privacy-notice lang="en"></privacy-notice>');
        if (!html.includes('shadowrootmode="open"') || !html.includes('Privacy notice')) throw new Error('renderElements rendered nothing');
        console.log('./ssr renders with the optional peer @lit-labs/ssr');`], { cwd: app }).trim(),
    );
  } catch (error) {
    problems.push(`./ssr failed: ${error.stderr}`);
  }

  // 7. A site's backend: the receiver and its records core, its command line and its API.
  const backend = join(dir, 'backend');
  mkdirSync(backend);
  writeFileSync(join(backend, 'package.json'), JSON.stringify({ name: 'backend', private: true, type: 'module' }));
  run('npm', ['install', tarballs['@optimesys/privacy-records'], tarballs['@optimesys/privacy-receiver'], '--omit=optional', '--no-audit', '--no-fund', '--ignore-scripts'], { cwd: backend });
  try {
    const help = run(join(backend, 'node_modules/.bin/privacy-receiver'), ['--help'], { cwd: backend });
    if (!/Usage: privacy-receiver/.test(help)) throw Object.assign(new Error('no usage'), { stderr: help });
    console.log(
      run('node', ['--input-type=module', '-e', `
        const receiver = await import('@optimesys/privacy-receiver');
        if (typeof receiver.createReceiver !== 'function' || typeof receiver.verifyRecord !== 'function') throw new Error('exports missing');
        console.log('receiver: privacy-receiver --help, createReceiver and verifyRecord from the install');`], { cwd: backend }).trim(),
    );
  } catch (error) {
    problems.push(`the installed receiver failed: ${error.stderr ?? error.message}`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
for (const problem of problems) console.error(`✘ ${problem}`);
process.exit(problems.length ? 1 : 0);
