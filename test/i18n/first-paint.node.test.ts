// The first render's strings come from the fetched JSON before i18next has
// loaded (src/i18n.ts firstPaint); after that from i18next. Both must answer
// the same for every string in locales/, or an element would change its text
// (and a server-rendered one would hydrate with other text) when i18next arrives.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { firstPaint, LOCALES, loadNamespaces, translate, whenI18next, type Namespace } from '../../src/i18n.js';

const NAMESPACES: Namespace[] = ['ui', 'notice', 'consent', 'request'];

function keys(value: unknown, prefix = ''): string[] {
  if (typeof value === 'string') return [prefix];
  if (!value || typeof value !== 'object' || Array.isArray(value)) return [];
  return Object.entries(value).flatMap(([k, v]) => keys(v, prefix ? `${prefix}.${k}` : k));
}

test('firstPaint answers what i18next answers, for every string, with and without its values', async () => {
  await Promise.all(LOCALES.map((locale) => loadNamespaces(locale, NAMESPACES)));
  await whenI18next();
  let checked = 0;
  for (const locale of LOCALES) {
    for (const ns of NAMESPACES) {
      const json = JSON.parse(readFileSync(`locales/${locale}/${ns}.json`, 'utf8'));
      for (const path of keys(json)) {
        const key = ns === 'ui' ? path : `${ns}:${path}`;
        const names = [...new Set([...String(path.split('.').reduce((o: any, p) => o[p], json)).matchAll(/{{\s*([\w.]+)\s*}}/g)].map((m) => m[1]!))];
        const values = Object.fromEntries(names.map((n, i) => [n, i % 2 ? `v<${n}>&"` : 42 + i]));
        for (const options of [undefined, values, { count: 3, max: 10 }]) {
          assert.equal(firstPaint(locale, key, options), translate(locale, key, options), `${locale} ${key} ${JSON.stringify(options)}`);
          checked++;
        }
      }
    }
    // (a key naming an object is a programming error; i18next words it, firstPaint does not)
    for (const missing of ['nope', 'consent:nope.deeper']) {
      assert.equal(firstPaint(locale, missing), translate(locale, missing), `${locale} ${missing}`);
    }
  }
  assert.ok(checked > 300, `${checked} strings checked`);
});
