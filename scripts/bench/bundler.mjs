// "Through a bundler": an app that imports the built package by its name
// (`@optimesys/privacy-widgets/define`, or one element's define module), bundled by
// esbuild with code splitting and minification as an app would, into
// .bench/bundler/<name>/. measureSizes() then loads each like a CDN entry.
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { build } from 'esbuild';

/** The bundled apps: bench entry name → the package modules the app imports. */
export const BUNDLER_APPS = {
  'bundler/define': ['@optimesys/privacy-widgets/define'],
  'bundler/three': ['privacy-notice', 'consent-form', 'data-request-form'].map((tag) => `@optimesys/privacy-widgets/${tag}/define`),
  'bundler/consent-form': ['@optimesys/privacy-widgets/consent-form/define'],
};

export async function buildBundlerApps() {
  const root = resolve('.bench/bundler');
  rmSync(root, { recursive: true, force: true });
  // The package as an app's node_modules would hold it (its own dependencies resolve from here too).
  mkdirSync(`${root}/node_modules/@optimesys`, { recursive: true });
  symlinkSync(resolve('.'), `${root}/node_modules/@optimesys/privacy-widgets`, 'dir');
  const scripts = {};
  for (const [name, modules] of Object.entries(BUNDLER_APPS)) {
    const dir = `${root}/${name.split('/')[1]}`;
    mkdirSync(dir, { recursive: true });
    writeFileSync(`${dir}/app.js`, modules.map((module) => `import '${module}';\n`).join(''));
    await build({
      entryPoints: [`${dir}/app.js`],
      outdir: `${dir}/out`,
      bundle: true,
      splitting: true,
      format: 'esm',
      minify: true,
      target: 'es2022',
      platform: 'browser',
      logLevel: 'error',
    });
    scripts[name] = `/.bench/bundler/${name.split('/')[1]}/out/app.js`;
  }
  return scripts;
}
