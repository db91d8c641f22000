// i18next is fetched only when a string needs what the fetched JSON alone
// cannot answer (src/i18n.ts): one case per kind of need, each with a fresh
// copy of the module (i18next not loaded yet). Until i18next arrives the fast
// path's answer is shown; after, i18next's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TOptions } from 'i18next';

type I18nModule = typeof import('../../src/i18n.js');

// Test-only strings, added to the (shared) fetched `en/ui` bundle.
const TEST_STRINGS = {
  apples: 'apples',
  apples_one: 'one apple',
  apples_other: '{{count}} apples',
  pears_one: 'one pear',
  pears_other: '{{count}} pears',
  friend: 'a friend',
  friend_male: 'a boyfriend',
  nested: 'Take $t(friend)',
  formatted: 'Total {{n, number}}',
  raw: 'Raw {{- html}}',
  deep: 'Hi {{user.name}}',
  plain: 'Hello {{name}}',
};

let copy = 0;
async function fresh(): Promise<{ i18n: I18nModule; loaded: () => boolean }> {
  const i18n = (await import(`../../src/i18n.ts?case=${copy++}`)) as I18nModule;
  await i18n.loadNamespaces('en', ['ui', 'consent']);
  Object.assign(i18n.resourceBundle('en', 'ui') as object, TEST_STRINGS);
  let loaded = false;
  i18n.onI18next(() => (loaded = true));
  return { i18n, loaded: () => loaded };
}

/** Resolves once i18next has been asked for and loaded; rejects if it was not asked for. */
async function settled(loaded: () => boolean): Promise<boolean> {
  await import('i18next');
  for (let i = 0; i < 5 && !loaded(); i++) await new Promise((resolve) => setImmediate(resolve));
  return loaded();
}

const CASES: [feature: string, key: string, options: TOptions | undefined, before: string, after: string][] = [
  ['count on a key with plural forms', 'apples', { count: 1 }, 'apples', 'one apple'],
  ['plural-suffixed keys only', 'pears', { count: 3 }, 'pears', '3 pears'],
  ['context on a key with context forms', 'friend', { context: 'male' }, 'a friend', 'a boyfriend'],
  ['$t( nesting', 'nested', undefined, 'Take $t(friend)', 'Take a friend'],
  ['a {{x, format}} formatter', 'formatted', { n: 1234.5 }, 'Total {{n, number}}', 'Total 1,234.5'],
  ['{{- unescaped}}', 'raw', { html: '<b>' }, 'Raw {{- html}}', 'Raw <b>'],
  ['a {{path.to}} value', 'deep', { user: { name: 'Ann' } }, 'Hi {{user.name}}', 'Hi Ann'],
  ['defaultValue', 'consent:absent', { defaultValue: 'Fallback' }, 'absent', 'Fallback'],
  ['returnObjects', 'plain', { returnObjects: true, name: 'x' }, 'Hello x', 'Hello x'],
  ['a key missing from the bundle', 'consent:form.nothing-here', undefined, 'form.nothing-here', 'form.nothing-here'],
];

for (const [feature, key, options, before, after] of CASES) {
  test(`${feature}: fetches i18next, shows the JSON's answer until then and i18next's after`, async () => {
    const { i18n, loaded } = await fresh();
    assert.equal(i18n.translate('en', key, options), before);
    assert.ok(await settled(loaded), 'i18next was not fetched');
    assert.equal(i18n.translate('en', key, options), after);
  });
}

test('plain strings, count without plural forms and context without context forms do not fetch i18next', async () => {
  const { i18n, loaded } = await fresh();
  assert.equal(i18n.translate('en', 'plain', { name: 'Ann' }), 'Hello Ann');
  assert.equal(i18n.translate('en', 'plain', { name: 'Ann', count: 2, context: 'x' }), 'Hello Ann');
  // a namespace not loaded yet: i18next would not know it either
  assert.equal(i18n.translate('en', 'request:fields.email'), 'fields.email');
  assert.equal(await settled(loaded), false, 'i18next was fetched');
});

test('whenI18next() loads it on request, once; from then on every string comes from it', async () => {
  const { i18n, loaded } = await fresh();
  const instance = await i18n.whenI18next();
  assert.ok(loaded());
  assert.equal(await i18n.whenI18next(), instance, 'loaded once');
  assert.equal(i18n.translate('en', 'apples', { count: 5 }), '5 apples');
});
