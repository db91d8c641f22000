// The CSS of the elements' `css` tagged templates, minified the same way
// everywhere it ships: in the library modules (which server rendering imports),
// in the CDN bundles, and in dist/cdn/styles/<tag>.css (build-static.ts), so a
// server-rendered shadow root and the hydrated element use the same CSS text.
import { transformSync } from 'esbuild';

/** Minified CSS (esbuild: whitespace, comments, shorter values; no lowering). */
export function minifyCss(text) {
  return transformSync(text, { loader: 'css', minify: true, logLevel: 'error' }).code.trim();
}

/** Rollup plugin, after TypeScript: minifies the text of every css`…` template without interpolations in our sources. */
export function cssTemplates() {
  return {
    name: 'css-templates',
    transform(code, id) {
      if (!/\/src\/.*\.ts$/.test(id) || !/\bcss\s*`/.test(code)) return null;
      const out = code.replace(/\bcss\s*`([^`$\\]*)`/g, (_, text) => `css\`${minifyCss(text)}\``);
      return out === code ? null : { code: out, map: null };
    },
  };
}
