// Builds the console the receiver serves at /console:
//   dist/console/app.js      one ES module, lit and uPlot bundled, minified
//   dist/console/index.html  the shell: no inline script or style (CSP `default-src 'self'`)
//   dist/console/console.css the page around the console
// `node packages/receiver/console/build.mjs` (from anywhere); prints the sizes.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants } from 'node:zlib';
import { build, transformSync } from 'esbuild';
import { minify } from 'terser';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, '../dist/console');

const minifyCss = (text) => transformSync(text, { loader: 'css', minify: true, logLevel: 'error' }).code.trim();

/** The text of every css`…` template without interpolations in the console's sources, minified (as the widgets' build does). */
const cssTemplates = {
  name: 'css-templates',
  setup(b) {
    b.onLoad({ filter: /console[\\/][^\\/]+\.ts$/ }, (args) => {
      const code = readFileSync(args.path, 'utf8');
      return { contents: code.replace(/\bcss\s*`([^`$\\]*)`/g, (_, text) => `css\`${minifyCss(text)}\``), loader: 'ts' };
    });
  },
};

const bundled = await build({
  entryPoints: [join(here, 'app.ts')],
  bundle: true,
  format: 'esm',
  target: 'es2022',
  platform: 'browser',
  // lit's production build (no dev-mode warnings); uPlot's ES module.
  conditions: ['production'],
  tsconfig: join(here, 'tsconfig.json'),
  plugins: [cssTemplates],
  legalComments: 'none',
  write: false,
  logLevel: 'warning',
});
const source = bundled.outputFiles[0].text;
const { code } = await minify(source, {
  module: true,
  ecma: 2022,
  compress: { passes: 2 },
  format: { comments: false },
});

mkdirSync(out, { recursive: true });
// uPlot's and lit's licences (both MIT) ask for their notices with copies: one line each, first in the bundle.
const notice = '/*! lit (c) Google LLC, BSD-3-Clause; uPlot (c) Leon Sorokin, MIT */\n';
writeFileSync(join(out, 'app.js'), notice + code);
copyFileSync(join(here, 'index.html'), join(out, 'index.html'));
writeFileSync(join(out, 'console.css'), `${minifyCss(readFileSync(join(here, 'console.css'), 'utf8'))}\n`);

for (const file of ['app.js', 'index.html', 'console.css']) {
  const bytes = readFileSync(join(out, file));
  const brotli = brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
  console.log(`${relative(process.cwd(), join(out, file))}: ${bytes.length} bytes, ${brotli} brotli`);
}
