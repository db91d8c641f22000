import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { LOCALES } from '../../src/i18n.js';
import { noticeDigest } from '@optimesys/privacy-records/digest';

it('the notice references the forms record match the notices they name', async () => {
  const refs = JSON.parse(readFileSync('src/notice/notice-refs.json', 'utf8')) as Record<string, { version: string; digest: string }>;
  assert.deepEqual(Object.keys(refs).sort(), [...LOCALES].sort());
  for (const lang of LOCALES) {
    const doc = JSON.parse(readFileSync(`locales/${lang}/notice.json`, 'utf8')) as { version: string };
    assert.deepEqual(refs[lang], { version: doc.version, digest: await noticeDigest(doc) }, `${lang}: run npm run build`);
  }
});
