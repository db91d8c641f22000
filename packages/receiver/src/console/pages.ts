/**
 * The pages a sign-in passes through outside the console's own page: the
 * mailed link's page (a GET shows one button and changes nothing, as mail
 * scanners fetch links; its POST signs in) and what a failed sign-in says.
 * No script, no inline style: the link pages' own strict policy.
 */
import { escapeHtml, interpolate, type MailLocale } from '../mail/layout.js';
import { PAGE_HEADERS, pageDocument } from '../mail/pages.js';
import { CONSOLE_STRINGS } from './mail.js';

export type SignInPage = 'link' | 'used' | 'expired' | 'invalid' | 'refused' | 'failed' | 'unavailable';

const STATUS: Record<SignInPage, number> = { link: 200, used: 410, expired: 410, invalid: 404, refused: 403, failed: 400, unavailable: 503 };

export function renderSignInPage(page: SignInPage, locale: MailLocale, values: { email?: string } = {}): { status: number; headers: Record<string, string>; body: string } {
  const s = CONSOLE_STRINGS[locale].pages;
  const main: string[] = [];
  if (page === 'link') {
    main.push(`<h1>${escapeHtml(s.link.title)}</h1>`, `<p>${escapeHtml(interpolate(s.link.intro, { email: values.email ?? '' }))}</p>`);
    // No action attribute: the form posts to the URL it was opened at, token included.
    main.push(`<form method="post"><button type="submit">${escapeHtml(s.link.button)}</button></form>`);
  } else {
    const text = s[page];
    main.push(`<h1>${escapeHtml(text.title)}</h1>`, `<p>${escapeHtml(text.text)}</p>`, `<p><a href="/console">${escapeHtml(s.back)}</a></p>`);
  }
  const title = page === 'link' ? s.link.title : s[page].title;
  const body = pageDocument({ locale, title: `${title} – ${s.siteName}`, siteName: s.siteName, mainClass: `console-${page}`, main });
  return { status: STATUS[page], headers: { ...PAGE_HEADERS, 'content-language': locale }, body };
}
