/**
 * The pages the mailed links open, in Finnish, English or Swedish. A GET shows a page
 * with one button and changes nothing: mail scanners and link previewers fetch
 * every link, and a confirmation they could trigger would prove nothing. The
 * button POSTs the form back to the same URL, and that confirms.
 *
 * No script at all, and no inline style: the pages work under the receiver's
 * strict CSP, and ship their own stricter one (`PAGE_HEADERS`). The styles are
 * `PAGES_CSS`, for the receiver to serve at `PAGES_CSS_PATH`.
 */
import enMail from '../../locales/en/mail.json' with { type: 'json' };
import fiMail from '../../locales/fi/mail.json' with { type: 'json' };
import svMail from '../../locales/sv/mail.json' with { type: 'json' };
import { escapeHtml, type MailLocale } from './layout.js';

export type LinkPage =
  /** GET of a valid confirm link: one button. */
  | 'confirm'
  /** After the POST that confirmed it. */
  | 'confirmed'
  /** A valid link whose record was confirmed already (a second click, or a scanner's POST): nothing changed. */
  | 'already'
  | 'expired'
  /** Tampered, malformed, of another kind, or for a record the store does not know. */
  | 'invalid'
  /** GET of a one-click unsubscribe URL (RFC 8058): one button. */
  | 'unsubscribe'
  /** After its POST. */
  | 'unsubscribed'
  /** GET of the link in a withdrawal notice: one button that turns the purposes back on. */
  | 'restore'
  /** After its POST. */
  | 'restored';

export interface LinkPageInput {
  page: LinkPage;
  locale: MailLocale;
  /** What the link confirms: a consent (default) or a data request; changes the wording. */
  subject?: 'consent' | 'request';
  /** Shown on the confirm page as a list, e.g. the labels the visitor chose (escaped). */
  items?: string[];
  /** Stylesheet URL; default `PAGES_CSS_PATH`. */
  stylesheet?: string;
  /** Where the "home page" link goes. */
  homeHref?: string;
}

export interface RenderedPage {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export const PAGES_CSS_PATH = '/pages.css';

/**
 * Stricter than the demo's policy: nothing but the stylesheet and the form
 * post to this origin. `no-referrer`: the URL holds the token, and a click on
 * the home link must not hand it to another site in a Referer header.
 */
export const PAGE_HEADERS: Record<string, string> = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy':
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'cache-control': 'no-store',
  'x-robots-tag': 'noindex',
};

const STATUS: Record<LinkPage, number> = {
  confirm: 200,
  confirmed: 200,
  already: 200,
  expired: 410,
  invalid: 404,
  unsubscribe: 200,
  unsubscribed: 200,
  restore: 200,
  restored: 200,
};
/** Pages with one button that POSTs back to the link. */
const ACTION_PAGES: ReadonlySet<LinkPage> = new Set(['confirm', 'unsubscribe', 'restore']);
const STRINGS: Record<MailLocale, typeof fiMail> = { fi: fiMail, en: enMail, sv: svMail };

/**
 * The page language: the one the mail was written in when the token says so,
 * else the visitor's first supported `Accept-Language`, else Finnish.
 */
export function pageLocale(preferred?: string, acceptLanguage?: string | null): MailLocale {
  if (preferred === 'fi' || preferred === 'en' || preferred === 'sv') return preferred;
  const ranked = (acceptLanguage ?? '')
    .split(',')
    .map((part, index) => {
      const [tag = '', ...params] = part.trim().toLowerCase().split(';');
      const q = Number(params.find((p) => p.trim().startsWith('q='))?.trim().slice(2) ?? 1);
      return { lang: tag.split('-')[0], q: Number.isFinite(q) ? q : 0, index };
    })
    .filter((entry) => entry.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index);
  const match = ranked.find((entry) => entry.lang === 'fi' || entry.lang === 'en' || entry.lang === 'sv');
  return (match?.lang as MailLocale | undefined) ?? 'fi';
}

/**
 * The document every page of the receiver's own (link pages, console sign-in pages) is: the site's name
 * above `main` (markup the caller built, its values escaped), the pages' stylesheet, no script.
 */
export function pageDocument(page: { locale: MailLocale; title: string; siteName: string; stylesheet?: string | undefined; mainClass: string; main: string[]; footer?: string }): string {
  return `<!doctype html>
<html lang="${page.locale}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${escapeHtml(page.title)}</title>
<link rel="stylesheet" href="${escapeHtml(page.stylesheet ?? PAGES_CSS_PATH)}">
</head>
<body>
<header><p class="site">${escapeHtml(page.siteName)}</p></header>
<main class="${escapeHtml(page.mainClass)}">
${page.main.join('\n')}
</main>
${page.footer ? `<footer>${page.footer}</footer>\n` : ''}</body>
</html>
`;
}

export function renderLinkPage(input: LinkPageInput): RenderedPage {
  const locale = input.locale;
  const s = STRINGS[locale].pages;
  const request = input.subject === 'request';
  const text: { title: string; intro?: string; text?: string; button?: string } =
    input.page === 'confirm'
      ? request
        ? s.confirmRequest
        : s.confirm
      : input.page === 'confirmed'
        ? request
          ? s.requestConfirmed
          : s.confirmed
        : s[input.page];

  const main: string[] = [`<h1>${escapeHtml(text.title)}</h1>`];
  if (ACTION_PAGES.has(input.page)) {
    main.push(`<p>${escapeHtml(text.intro!)}</p>`);
    if (input.items?.length) main.push(`<ul class="items">${input.items.map((i) => `<li>${escapeHtml(i)}</li>`).join('')}</ul>`);
    // The button sends what a mailbox provider's one-click POST sends (RFC 8058), so both take one path.
    const oneClick = input.page === 'unsubscribe' ? '<input type="hidden" name="List-Unsubscribe" value="One-Click">' : '';
    // No action attribute: the form posts to the URL it was opened at, token included.
    main.push(`<form method="post">${oneClick}<button type="submit">${escapeHtml(text.button!)}</button></form>`);
  } else {
    main.push(`<p>${escapeHtml(text.text!)}</p>`);
  }
  const home = input.homeHref ?? 'https://www.optimesys.fi/';
  const body = pageDocument({
    locale,
    title: `${text.title} – ${s.siteName}`,
    siteName: s.siteName,
    stylesheet: input.stylesheet,
    mainClass: input.page,
    main,
    footer: `<p><a href="${escapeHtml(home)}" rel="noreferrer">${escapeHtml(s.home)}</a></p>`,
  });
  return { status: STATUS[input.page], headers: { ...PAGE_HEADERS, 'content-language': locale }, body };
}

/**
 * Styles of the link pages (and the demo mailbox). Colours meet WCAG 2.2 AA
 * (text 16:1, button 6.9:1, links 7:1), focus is a visible 3 px ring, and
 * the pages follow the visitor's colour scheme.
 */
export const PAGES_CSS = `:root { color-scheme: light dark; --text: #1a1a1a; --bg: #ffffff; --muted: #4a4a4a; --accent: #0b5cad; --on-accent: #ffffff; --border: #c8c8c8; --ok: #1b6b36; --warn: #8a3b00; }
@media (prefers-color-scheme: dark) { :root { --text: #f2f2f2; --bg: #161616; --muted: #c4c4c4; --accent: #8cc4ff; --on-accent: #0b1a2a; --border: #555555; --ok: #7fdc9b; --warn: #ffb37a; } }
* { box-sizing: border-box; }
html { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; font-size: 100%; line-height: 1.5; color: var(--text); background: var(--bg); }
body { margin: 0 auto; max-width: 40rem; padding: 1.5rem 1rem 3rem; }
header .site { margin: 0 0 2rem; font-weight: 700; color: var(--muted); }
h1 { font-size: 1.75rem; line-height: 1.25; margin: 0 0 1rem; }
main.confirmed h1, main.already h1, main.unsubscribed h1, main.restored h1 { color: var(--ok); }
main.expired h1, main.invalid h1 { color: var(--warn); }
a { color: var(--accent); text-underline-offset: 0.15em; }
button { font: inherit; font-weight: 700; padding: 0.75rem 1.5rem; min-height: 44px; border: 2px solid var(--accent); border-radius: 6px; background: var(--accent); color: var(--on-accent); cursor: pointer; }
button:hover { filter: brightness(1.1); }
a:focus-visible, button:focus-visible { outline: 3px solid var(--text); outline-offset: 3px; }
footer { margin-top: 3rem; border-top: 1px solid var(--border); padding-top: 1rem; }
.mail { border: 1px solid var(--border); border-radius: 6px; padding: 1rem; margin: 0 0 1.5rem; }
.mail h2 { font-size: 1.25rem; margin: 0 0 0.5rem; }
.mail dl { display: grid; grid-template-columns: max-content 1fr; gap: 0.25rem 1rem; margin: 0 0 1rem; color: var(--muted); }
.mail dd { margin: 0; overflow-wrap: anywhere; }
.mail pre { white-space: pre-wrap; overflow-wrap: anywhere; font: inherit; margin: 0; }
`;
