// Writes dist/notice/{fi,en}.html and notice.css from the same notice data
// and styles as <privacy-notice>, after checking the data against the schema.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { LOCALES } from '../src/i18n.js';
import { noticeDigest } from '../src/records/digest.js';
import { renderNoticeHtml } from '../src/notice/notice-html.js';
import { parseNotice } from '../src/notice/notice-schema.js';
import { styles } from '../src/notice/privacy-notice.styles.js';
import { tokens } from '../src/ui/tokens.js';

const read = (path: string): any => JSON.parse(readFileSync(path, 'utf8'));
mkdirSync('dist/notice', { recursive: true });

// Version and digest of each built-in notice, so the forms can name the notice
// in their records without downloading it (test/notice/notice-refs.node.test.ts
// fails when this file is out of date).
const refs: Record<string, { version: string; digest: string }> = {};

for (const lang of LOCALES) {
  const parsed = parseNotice(read(`locales/${lang}/notice.json`));
  if (!parsed.ok) throw new Error(`locales/${lang}/notice.json is invalid:\n${parsed.problems.join('\n')}`);
  refs[lang] = { version: parsed.notice.version, digest: await noticeDigest(read(`locales/${lang}/notice.json`)) };
  const ui = read(`locales/${lang}/ui.json`);
  const html = renderNoticeHtml(parsed.notice, {
    updated: ui.notice.updated,
    contents: ui.notice.contents,
    language: ui.common.language,
    alternates: LOCALES.filter((other) => other !== lang).map((other) => ({
      lang: other,
      label: read(`locales/${other}/ui.json`).common.languageName[other],
      href: `${other}.html`,
    })),
    stylesheet: 'notice.css',
    requestHref: '/#data-request',
  });
  writeFileSync(`dist/notice/${lang}.html`, html);
}

writeFileSync('src/notice/notice-refs.json', `${JSON.stringify(refs, null, 2)}\n`);

// The element's own styles, with the host selector pointed at the page's wrapper.
const css = [tokens.cssText, styles.cssText]
  .join('\n')
  .replaceAll(':host([hidden])', '.privacy-notice[hidden]')
  .replaceAll(':host', '.privacy-notice');
writeFileSync(
  'dist/notice/notice.css',
  `${css}\nbody { margin: 0 auto; padding: 1rem; max-width: 50rem; background: light-dark(#fff, #16191d); color-scheme: light dark; }\n.language-links { display: flex; gap: 1rem; }\n`,
);
console.log('build: dist/notice/{fi,en}.html');
