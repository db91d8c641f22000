// Where the bytes go: the CDN chunks a page fetched, split by the source each
// byte came from (through the chunks' source maps), grouped by library.
// Minified bytes are exact; brotli is each group's code compressed on its own,
// so the groups add up to a little more than the files compressed whole.
import { readFileSync } from 'node:fs';
import { decode } from '@jridgewell/sourcemap-codec';
import { brotliCompressSync, constants } from 'node:zlib';
import { table } from './util.mjs';

const STRINGS = 'notice and strings (one language)';

const GROUPS = [
  ['i18next', /node_modules\/i18next\//],
  ['lit', /node_modules\/(lit|lit-html|lit-element|@lit)\//],
  ['zod/mini', /node_modules\/zod\//],
  ['@floating-ui', /node_modules\/@floating-ui\//],
  ['canonicalize', /node_modules\/canonicalize\//],
  ['tslib (decorators)', /node_modules\/tslib\//],
  [STRINGS, /\/locales\//],
  ['our code: records, adapters', /\/src\/(records|adapters)\//],
  ['our styles (CSS in JS)', /\/src\/.*(styles|tokens)\.ts$/],
  ['our code: elements, i18n, ui', /\/src\//],
];

const groupOf = (source) => GROUPS.find(([, pattern]) => pattern.test(source))?.[0] ?? 'other';

/** Splits one minified file into per-group code by its source map. */
function split(path, into, unmapped) {
  const code = readFileSync(path, 'utf8');
  const map = JSON.parse(readFileSync(`${path}.map`, 'utf8'));
  // The JSON plugin leaves locale chunks without a source map.
  if (map.sources.length === 0) return void into.set(unmapped, (into.get(unmapped) ?? '') + code);
  const lines = code.split('\n');
  // A segment's code runs until the next segment, across line breaks: a long
  // template literal (CSS) spans lines that have no mappings of their own.
  let group = 'other';
  decode(map.mappings).forEach((segments, lineIndex) => {
    const line = `${lines[lineIndex] ?? ''}\n`;
    let from = 0;
    for (const segment of segments) {
      into.set(group, (into.get(group) ?? '') + line.slice(from, segment[0]));
      group = segment.length > 1 ? groupOf(map.sources[segment[1]]) : 'other';
      from = segment[0];
    }
    into.set(group, (into.get(group) ?? '') + line.slice(from));
  });
}

/**
 * A table of minified and brotli bytes per group for the files a page fetched
 * (paths relative to the repo); `localeFiles` are the locale chunks, by path.
 */
export function breakdown(paths, localeFiles = new Set()) {
  const groups = new Map();
  for (const path of paths) split(path, groups, localeFiles.has(path) ? STRINGS : 'other');
  const brotli = (text) => brotliCompressSync(Buffer.from(text), { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
  const rows = [...groups]
    .map(([group, text]) => ({ source: group, minified: Buffer.byteLength(text), 'brotli (alone)': brotli(text) }))
    .sort((a, b) => b.minified - a.minified);
  const total = rows.reduce((sum, r) => sum + r.minified, 0);
  for (const row of rows) row.share = `${((100 * row.minified) / total).toFixed(1)} %`;
  return { rows, text: table(rows, ['source', 'minified', 'brotli (alone)', 'share']) };
}
