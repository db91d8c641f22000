// `npm run build`: the records core and the receiver (packages/*, each its own build.mjs), then the
// widgets' dist/: the library (unbundled ES modules + .d.ts), the CDN bundles and the static HTML notice.
import { execFileSync } from 'node:child_process';
import { rm, writeFile } from 'node:fs/promises';
import { rollup } from 'rollup';
import json from '@rollup/plugin-json';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import typescript from '@rollup/plugin-typescript';
import { resolve } from 'node:path';
import { cdnEntries, hydrateEntries, libraryEntries } from './entries.mjs';
import { cssTemplates } from './css-minify.mjs';

const external = (id) => /^(lit|@lit|@lit-labs|i18next|zod|@floating-ui|tslib|@optimesys)(\/|$)/.test(id) || id.startsWith('node:');

function onwarn(warning, warn) {
  // zod's annotations and cycles are harmless; anything from our code is not.
  if (['INVALID_ANNOTATION', 'CIRCULAR_DEPENDENCY'].includes(warning.code) && /node_modules/.test(warning.id ?? warning.ids?.[0] ?? warning.message)) return;
  if (warning.code === 'THIS_IS_UNDEFINED') return;
  // define.ts is only side-effect imports: an "empty" module by design.
  if (warning.code === 'EMPTY_BUNDLE') return;
  throw new Error(`rollup: ${warning.message}`);
}

const ts = () =>
  typescript({ tsconfig: 'tsconfig.build.json', declaration: false, emitDeclarationOnly: false, noEmit: false, outDir: undefined, rootDir: undefined, noEmitOnError: true, include: ['src/**/*.ts'] });

async function build(input, output, plugins) {
  // CDN bundles: the entry chunk may also export what its lazy chunks import, so a page
  // fetches the entry itself rather than a facade that then imports the real chunk (one round trip less).
  const bundle = await rollup({ input, plugins, external: output.bundled ? undefined : external, onwarn, preserveEntrySignatures: output.bundled ? 'allow-extension' : 'strict' });
  delete output.bundled;
  const { output: files } = await bundle.write(output);
  await bundle.close();
  return files;
}

/**
 * What a page loads for a CDN entry: the entry and its static imports, then
 * per language the locale chunks, and the chunks loaded only on demand.
 */
function describeEntry(files) {
  const chunks = new Map(files.filter((f) => f.type === 'chunk').map((f) => [f.fileName, f]));
  const entry = files.find((f) => f.type === 'chunk' && f.isEntry);
  const closure = (names, seen = new Set()) => {
    for (const name of names) if (!seen.has(name)) { seen.add(name); closure(chunks.get(name).imports, seen); }
    return seen;
  };
  const initial = closure([entry.fileName]);
  const locales = {};
  const onDemand = [];
  for (const name of new Set([...initial].flatMap((n) => chunks.get(n).dynamicImports))) {
    const locale = chunks.get(name).facadeModuleId?.match(/\/locales\/(\w+)\//)?.[1];
    if (locale) (locales[locale] ??= []).push(name);
    else onDemand.push(name);
  }
  return { file: entry.fileName, initial: [...initial], locales, onDemand };
}

const started = Date.now();
for (const pkg of ['records', 'receiver']) execFileSync('node', [`packages/${pkg}/build.mjs`], { stdio: 'inherit' });
await rm('dist', { recursive: true, force: true });

// 0. The static HTML notice and the notice references the forms bundle
//    (checks the notice data against the schema first).
execFileSync('npx', ['tsx', 'scripts/build-static.ts'], { stdio: 'inherit' });

// 1. Library: one file per source module, so consumers' bundlers tree-shake and split locales.
await build(libraryEntries, {
  dir: 'dist',
  format: 'es',
  preserveModules: true,
  preserveModulesRoot: 'src',
  sourcemap: true,
  entryFileNames: '[name].js',
}, [nodeResolve(), json({ preferConst: true }), ts(), cssTemplates()]);

// 2. CDN bundles: everything inlined and minified; each language is its own chunk.
// A hydrating bundle starts with lit's hydration support, which must run before lit itself.
const HYDRATE = '\0hydrate:';
const hydrateFirst = {
  name: 'hydrate-first',
  resolveId: (id) => (id.startsWith(HYDRATE) ? id : null),
  load: (id) =>
    id.startsWith(HYDRATE)
      ? `import ${JSON.stringify(resolve('src/hydrate.ts'))};\nimport ${JSON.stringify(resolve(id.slice(HYDRATE.length)))};\n`
      : null,
};
const manifest = {};
for (const { name, input, hydrate } of [...cdnEntries, ...hydrateEntries]) {
  const files = await build(hydrate ? `${HYDRATE}${input}` : input, {
    dir: 'dist/cdn',
    format: 'es',
    bundled: true,
    entryFileNames: `${name}.js`,
    chunkFileNames: 'chunks/[name]-[hash].js',
    sourcemap: true,
  }, [hydrateFirst, nodeResolve({ browser: true }), json({ preferConst: true, compact: true }), ts(), cssTemplates(), terser({ ecma: 2022, module: true, compress: { passes: 2 }, format: { comments: false } })]);
  manifest[name] = describeEntry(files);
}
await writeFile('dist/cdn/manifest.json', JSON.stringify(manifest, null, 2));

// 3. Type declarations next to the modules.
execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });

// 4. The Custom Elements Manifest from the elements' JSDoc.
execFileSync('npx', ['cem', 'analyze', '--config', 'custom-elements-manifest.config.mjs'], { stdio: 'inherit' });

console.log(`build: dist/ in ${((Date.now() - started) / 1000).toFixed(1)} s`);
