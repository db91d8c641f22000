import type { NoticeBlock, NoticeDocument } from './notice-schema.js';
import { formatDate, tokenize, tokenizeValue, type TextToken } from './text.js';

/** Strings of the page around the notice, from `locales/<lang>/ui.json`. */
export interface StaticNoticeStrings {
  updated: string;
  contents: string;
  language: string;
  /** Links to the same notice in other languages: label, hreflang and href. */
  alternates: { label: string; lang: string; href: string }[];
  stylesheet: string;
  requestHref: string;
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escape = (text: string) => text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);

function tokens(list: TextToken[]): string {
  return list.map((t) => (t.href ? `<a href="${escape(t.href)}">${escape(t.text)}</a>` : escape(t.text))).join('');
}

function block(b: NoticeBlock, requestHref: string): string {
  switch (b.type) {
    case 'paragraph':
      return `<p>${tokens(tokenize(b.text))}</p>`;
    case 'subheading':
      return `<h3 class="subheading">${escape(b.text)}</h3>`;
    case 'list':
      return `<ul>${b.items.map((i) => `<li>${tokens(tokenize(i))}</li>`).join('')}</ul>`;
    case 'ordered-list':
      return `<ol class="bases">${b.items
        .map(
          (i) =>
            `<li>${tokens(tokenize(i.text))}${
              i.items?.length ? `<ol>${i.items.map((s) => `<li>${tokens(tokenize(s))}</li>`).join('')}</ol>` : ''
            }</li>`,
        )
        .join('')}</ol>`;
    case 'details':
      return `<dl>${b.items.map((i) => `<dt>${escape(i.term)}</dt><dd>${tokens(tokenizeValue(i.value))}</dd>`).join('')}</dl>`;
    case 'request-link':
      return `<p><a class="request-link" href="${escape(requestHref)}">${escape(b.text)}</a></p>`;
  }
}

/**
 * The notice as a standalone HTML page, from the same document the element
 * renders: for pages without JavaScript, and the render benchmark's baseline.
 * Every string is escaped; the page has no script.
 */
export function renderNoticeHtml(notice: NoticeDocument, strings: StaticNoticeStrings): string {
  const sections = notice.sections
    .map(
      (s) =>
        `<section id="${s.id}" aria-labelledby="${s.id}-heading"><h2 id="${s.id}-heading" class="section-heading">${escape(
          s.heading,
        )}</h2>${s.blocks.map((b) => block(b, strings.requestHref)).join('')}</section>`,
    )
    .join('\n');
  const toc = notice.sections.map((s) => `<li><a href="#${s.id}">${escape(s.heading)}</a></li>`).join('');
  const alternates = strings.alternates
    .map((a) => `<a href="${escape(a.href)}" hreflang="${a.lang}" lang="${a.lang}">${escape(a.label)}</a>`)
    .join(' ');
  return `<!doctype html>
<html lang="${escape(notice.lang)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(notice.title)}</title>
<link rel="stylesheet" href="${escape(strings.stylesheet)}">
</head>
<body>
<main class="privacy-notice">
<article aria-labelledby="title">
<header>
<h1 id="title" class="title">${escape(notice.title)}</h1>
<p class="updated">${escape(strings.updated)} <time datetime="${notice.updated}">${formatDate(notice.updated)}</time></p>
<nav class="language-links" aria-label="${escape(strings.language)}">${alternates}</nav>
</header>
<nav aria-labelledby="toc-title"><h2 id="toc-title" class="toc-title">${escape(strings.contents)}</h2><ol>${toc}</ol></nav>
${sections}
</article>
</main>
</body>
</html>
`;
}
