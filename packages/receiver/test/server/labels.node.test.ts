// The receiver names purposes and request types in mails and pages with its own copy of the labels
// (it depends on no widget code); a visitor must read in the mail what the form showed them.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';

const json = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as Record<string, Record<string, { label: string }>>;
const labelsOf = (entries: Record<string, { label: string }>) => Object.fromEntries(Object.entries(entries).map(([id, { label }]) => [id, label]));

test("the receiver's labels are the widgets' labels, in every language both have", () => {
  const languages = readdirSync('packages/receiver/locales');
  assert.deepEqual([...languages].sort(), [...readdirSync('locales')].sort(), 'the same languages');
  for (const lang of languages) {
    const receiver = json(`packages/receiver/locales/${lang}/labels.json`);
    assert.deepEqual(labelsOf(receiver.purposes!), labelsOf(json(`locales/${lang}/consent.json`).purposes!), `${lang}: purposes`);
    assert.deepEqual(labelsOf(receiver.types!), labelsOf(json(`locales/${lang}/request.json`).types!), `${lang}: request types`);
  }
});
