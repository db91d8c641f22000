// Writes dist/notice/<lang>.html (fi, sv, en: LOCALES) with renderElements(), the same renderer a
// site's server uses (Declarative Shadow DOM of <privacy-notice>), each element's
// stylesheet as dist/cdn/styles/<tag>.css (what a shadow root links under a strict
// CSP), and the notice references the forms bundle, after checking the notice data.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { LOCALES } from '../src/i18n.js';
import { noticeDigest } from '@optimesys/privacy-records/digest';
import { parseNotice } from '../src/notice/notice-schema.js';
import { renderElements } from '../src/ssr/index.js';
import { minifyCss } from './css-minify.mjs';

const read = (path: string): any => JSON.parse(readFileSync(path, 'utf8'));
mkdirSync('dist/notice', { recursive: true });
mkdirSync('dist/cdn/styles', { recursive: true });

// Version and digest of each built-in notice, so the forms can name the notice
// in their records without downloading it (test/notice/notice-refs.node.test.ts
// fails when this file is out of date).
const refs: Record<string, { version: string; digest: string }> = {};

// The styles lit SSR would inline (minified as the built modules' are, scripts/css-minify.mjs), as files: `style-src 'self'` allows a linked sheet, not an inline one.
for (const tag of ['privacy-notice', 'consent-form', 'consent-toggle', 'data-request-form']) {
  const element = customElements.get(tag) as unknown as { elementStyles: { cssText: string }[] };
  writeFileSync(`dist/cdn/styles/${tag}.css`, element.elementStyles.map((s) => minifyCss(s.cssText)).join('\n'));
}

const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');

for (const lang of LOCALES) {
  const parsed = parseNotice(read(`locales/${lang}/notice.json`));
  if (!parsed.ok) throw new Error(`locales/${lang}/notice.json is invalid:\n${parsed.problems.join('\n')}`);
  refs[lang] = { version: parsed.notice.version, digest: await noticeDigest(read(`locales/${lang}/notice.json`)) };
  const ui = read(`locales/${lang}/ui.json`);
  // The page around the element: without JavaScript the element's own language
  // buttons stay hidden, so the other languages are plain links here.
  const alternates = LOCALES.filter((other) => other !== lang)
    .map((other) => `<a href="${other}.html" hreflang="${other}" lang="${other}">${escape(read(`locales/${other}/ui.json`).common.languageName[other])}</a>`)
    .join(' ');
  const page = `<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(parsed.notice.title)}</title>
<link rel="stylesheet" href="page.css">
</head>
<body>
<nav class="language-links" aria-label="${escape(ui.common.language)}">${alternates}</nav>
<main>
<privacy-notice heading-level="1" request-href="/#data-request"></privacy-notice>
</main>
</body>
</html>
`;
  const html = await renderElements(page, { lang, stylesheet: (tag) => `../cdn/styles/${tag}.css` });
  writeFileSync(`dist/notice/${lang}.html`, html);
}

writeFileSync('src/notice/notice-refs.json', `${JSON.stringify(refs, null, 2)}\n`);
writeFileSync(
  'dist/notice/page.css',
  `body { margin: 0 auto; padding: 1rem; max-width: 50rem; background: light-dark(#fff, #16191d); color: light-dark(#1a1d21, #e8eaed); color-scheme: light dark; font-family: system-ui, sans-serif; }
.language-links { display: flex; justify-content: flex-end; gap: 1rem; }
.language-links a { color: light-dark(#0b57d0, #8ab4f8); }
`,
);
console.log(`build: dist/notice/{${LOCALES.join(',')}}.html (renderElements), dist/cdn/styles/*.css`);
