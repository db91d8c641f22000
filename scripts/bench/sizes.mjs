// Bytes a page pays for each CDN entry with one language (Finnish, the larger notice).
import { readFileSync } from 'node:fs';
import { sizes, table } from './util.mjs';

export const BUDGETS = { 'privacy-notice': 30000, 'consent-form': 30000, 'data-request-form': 30000, define: 35000 };

export function measureSizes(lang = 'fi') {
  const manifest = JSON.parse(readFileSync('dist/cdn/manifest.json', 'utf8'));
  const rows = Object.entries(manifest).map(([name, entry]) => {
    const files = [...entry.initial, ...(entry.locales[lang] ?? [])].map((f) => `dist/cdn/${f}`);
    const s = sizes(files);
    const onDemand = sizes(entry.onDemand.map((f) => `dist/cdn/${f}`));
    const budget = BUDGETS[name];
    return {
      entry: name === 'define' ? 'all elements (define)' : name,
      minified: s.min,
      gzip: s.gzip,
      brotli: s.brotli,
      budget: budget ?? '',
      within: budget ? (s.brotli <= budget ? 'yes' : 'NO') : '',
      'on demand (brotli)': onDemand.brotli,
    };
  });
  return { rows, text: table(rows, Object.keys(rows[0])) };
}
