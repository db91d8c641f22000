// dist/notice/<lang>.html (scripts/build-static.ts): the notice for pages without JavaScript, server-rendered,
// one page per language, each linking to the others.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { LOCALES } from '../../src/i18n.js';

const built = existsSync('dist/notice/fi.html');

describe('static notice export', { skip: !built && 'run npm run build first' }, () => {
  for (const lang of LOCALES) {
    it(`dist/notice/${lang}.html: the whole notice in ${lang}, server-rendered, linking to the other languages`, () => {
      const html = readFileSync(`dist/notice/${lang}.html`, 'utf8');
      const notice = JSON.parse(readFileSync(`locales/${lang}/notice.json`, 'utf8')) as { title: string; sections: { id: string }[] };
      assert.match(html, new RegExp(`<html lang="${lang}">`));
      assert.ok(html.includes(`<title>${notice.title}</title>`));
      assert.ok(html.includes('shadowrootmode="open"'), 'Declarative Shadow DOM');
      assert.match(html, new RegExp(`<article part="base" lang="${lang}"`), 'the notice itself in that language');
      for (const { id } of notice.sections) assert.ok(html.includes(`id="${id}"`), id);
      for (const other of LOCALES.filter((l) => l !== lang)) assert.ok(html.includes(`<a href="${other}.html" hreflang="${other}" lang="${other}">`), other);
    });
  }
});
