// The strings come from the fetched JSON (src/i18n.ts firstPaint) until
// something needs i18next, then from i18next. Both must answer the same for
// every string in locales/, or an element would change its text (and a
// server-rendered one would hydrate with other text) when i18next arrives;
// and none of the package's own strings may need it (it would be fetched).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { firstPaint, LOCALES, loadNamespaces, onI18next, translate, whenI18next, type Namespace } from '../../src/i18n.js';

const NAMESPACES: Namespace[] = ['ui', 'notice', 'consent', 'request', 'preferences'];
const OPTIONS = (names: string[]) => [undefined, Object.fromEntries(names.map((n, i) => [n, i % 2 ? `v<${n}>&"` : 42 + i])), { count: 3, max: 10 }];

function keys(value: unknown, prefix = ''): string[] {
  if (typeof value === 'string') return [prefix];
  if (!value || typeof value !== 'object' || Array.isArray(value)) return [];
  return Object.entries(value).flatMap(([k, v]) => keys(v, prefix ? `${prefix}.${k}` : k));
}

function strings(): { locale: (typeof LOCALES)[number]; key: string; names: string[] }[] {
  return LOCALES.flatMap((locale) =>
    NAMESPACES.flatMap((ns) => {
      const json = JSON.parse(readFileSync(`locales/${locale}/${ns}.json`, 'utf8'));
      return keys(json).map((path) => {
        const value = String(path.split('.').reduce((o: any, p) => o[p], json));
        return { locale, key: ns === 'ui' ? path : `${ns}:${path}`, names: [...new Set([...value.matchAll(/{{\s*([\w.]+)\s*}}/g)].map((m) => m[1]!))] };
      });
    }),
  );
}

test('none of the package\'s strings needs i18next: translating them all does not fetch it', async () => {
  await Promise.all(LOCALES.map((locale) => loadNamespaces(locale, NAMESPACES)));
  let fetched = false;
  onI18next(() => (fetched = true));
  let checked = 0;
  for (const { locale, key, names } of strings()) {
    for (const options of OPTIONS(names)) {
      assert.equal(translate(locale, key, options), firstPaint(locale, key, options));
      checked++;
    }
  }
  // had a string asked for i18next, its import would have settled by the time this one does
  await import('i18next');
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(fetched, false, 'i18next was fetched');
  assert.ok(checked > 300, `${checked} strings checked`);
});

test('firstPaint answers what i18next answers, for every string, with and without its values', async () => {
  await Promise.all(LOCALES.map((locale) => loadNamespaces(locale, NAMESPACES)));
  await whenI18next();
  let checked = 0;
  for (const { locale, key, names } of strings()) {
    for (const options of OPTIONS(names)) {
      assert.equal(firstPaint(locale, key, options), translate(locale, key, options), `${locale} ${key} ${JSON.stringify(options)}`);
      checked++;
    }
  }
  for (const locale of LOCALES) {
    // (a key naming an object is a programming error; i18next words it, firstPaint does not)
    for (const missing of ['nope', 'consent:nope.deeper']) {
      assert.equal(firstPaint(locale, missing), translate(locale, missing), `${locale} ${missing}`);
    }
  }
  assert.ok(checked > 300, `${checked} strings checked`);
});
