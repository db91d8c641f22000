// Builds dist/: the library (unbundled ES modules + .d.ts), the server half,
// the CDN bundles, the JSON Schemas and the static HTML notice.
import { execFileSync } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { rollup } from 'rollup';
import json from '@rollup/plugin-json';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import typescript from '@rollup/plugin-typescript';
import { cdnEntries, libraryEntries } from './entries.mjs';

const external = (id) => /^(lit|@lit|i18next|zod|jose|canonicalize|@floating-ui|tslib|better-sqlite3|pg)(\/|$)/.test(id) || id.startsWith('node:');

function onwarn(warning, warn) {
  // zod's annotations and cycles are harmless; anything from our code is not.
  if (['INVALID_ANNOTATION', 'CIRCULAR_DEPENDENCY'].includes(warning.code) && /node_modules/.test(warning.id ?? warning.ids?.[0] ?? warning.message)) return;
  if (warning.code === 'THIS_IS_UNDEFINED') return;
  throw new Error(`rollup: ${warning.message}`);
}

const ts = () =>
  typescript({ tsconfig: 'tsconfig.build.json', declaration: false, emitDeclarationOnly: false, noEmit: false, outDir: undefined, rootDir: undefined, noEmitOnError: true, include: ['src/**/*.ts'] });

async function build(input, output, plugins) {
  const bundle = await rollup({ input, plugins, external: output.bundled ? undefined : external, onwarn, preserveEntrySignatures: 'strict' });
  delete output.bundled;
  await bundle.write(output);
  await bundle.close();
}

const started = Date.now();
await rm('dist', { recursive: true, force: true });

// 1. Library: one file per source module, so consumers' bundlers tree-shake and split locales.
await build(libraryEntries, {
  dir: 'dist',
  format: 'es',
  preserveModules: true,
  preserveModulesRoot: 'src',
  sourcemap: true,
  entryFileNames: '[name].js',
}, [nodeResolve(), json({ preferConst: true }), ts()]);

// 2. CDN bundles: everything inlined and minified; each language is its own chunk.
for (const { name, input } of cdnEntries) {
  await build(input, {
    dir: 'dist/cdn',
    format: 'es',
    bundled: true,
    entryFileNames: `${name}.js`,
    chunkFileNames: 'chunks/[name]-[hash].js',
    sourcemap: true,
  }, [nodeResolve({ browser: true }), json({ preferConst: true, compact: true }), ts(), terser({ ecma: 2022, module: true, format: { comments: false } })]);
}

// 3. Type declarations next to the modules.
execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });

// 4. The static HTML notice (checks the notice data against the schema first).
execFileSync('npx', ['tsx', 'scripts/build-static.ts'], { stdio: 'inherit' });

console.log(`build: dist/ in ${((Date.now() - started) / 1000).toFixed(1)} s`);
