/**
 * How every mail the receiver sends is laid out: greeting, blocks (paragraphs,
 * exact labels, facts, links), signature and the automated-mail footer, as a
 * text part and an HTML part in which every value is escaped; and the dates
 * and placeholders the mails' strings use. The mails themselves are
 * compose.ts (visitors') and console/mail.ts (the privacy office's).
 */
import enMail from '../../locales/en/mail.json' with { type: 'json' };
import fiMail from '../../locales/fi/mail.json' with { type: 'json' };
import svMail from '../../locales/sv/mail.json' with { type: 'json' };
import { FINNISH_TIME_ZONE } from '../records/calendar.js';

export type MailLocale = 'fi' | 'en' | 'sv';
type MailStrings = typeof fiMail;

/** The mails' strings per language (`locales/<lang>/mail.json`). */
export const MAIL_STRINGS: Record<MailLocale, MailStrings> = { fi: fiMail, en: enMail, sv: svMail };
const INTL: Record<MailLocale, string> = { fi: 'fi-FI', en: 'en-GB', sv: 'sv-FI' };
/** OptimeSys is in Finland: times in mails are Finnish local times, as its staff and visitors read them. */
export const MAIL_TIME_ZONE = FINNISH_TIME_ZONE;

/** A message ready for the transport. `headers` are extra headers (Auto-Submitted, Content-Language). */
export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
  headers: Record<string, string>;
  locale: MailLocale;
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
/** HTML-escapes text for element content and double- or single-quoted attributes. */
export const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);

/** Replaces `{{name}}` placeholders; a missing value is a programming error, so it throws. */
export function interpolate(template: string, values: Record<string, string>): string {
  return template.replace(/\{\{(\w+)\}\}/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`Missing value for {{${name}}}`);
    return value;
  });
}

// Building an Intl.DateTimeFormat costs far more than formatting with one: one per locale and style.
const formatters = new Map<string, Intl.DateTimeFormat>();
const formatter = (locale: MailLocale, format: Record<string, string>, timeZone = MAIL_TIME_ZONE) => {
  const key = `${locale} ${timeZone} ${JSON.stringify(format)}`;
  let made = formatters.get(key);
  if (!made) formatters.set(key, (made = new Intl.DateTimeFormat(INTL[locale], { timeZone, ...format } as Intl.DateTimeFormatOptions)));
  return made;
};

/** `3.12.2026 klo 7.02` / `3 December 2026 at 07:02` / `3.12.2026 kl. 7.02`, Finnish local time. */
export function formatDateTime(instant: Date, locale: MailLocale): string {
  const format = locale === 'en' ? { dateStyle: 'long', timeStyle: 'short' } : { dateStyle: 'short', timeStyle: 'short' };
  // fi-FI's short style is what Finns write (`3.12.2026 klo 7.02`); en-GB's long style avoids 03/12 vs 12/03.
  // sv-FI's short style leaves out the `kl.` Finland-Swedish writes before the time (`3.12.2026 7.02`): date and time apart.
  const text = locale === 'sv' ? `${formatter(locale, { dateStyle: 'short' }).format(instant)} kl. ${formatter(locale, { timeStyle: 'short' }).format(instant)}` : formatter(locale, format).format(instant);
  return interpolate(MAIL_STRINGS[locale].common.localTime, { date: text });
}

/** A calendar date (`YYYY-MM-DD`): `4.1.2027` (fi, sv) / `4 January 2027`. */
export function formatDay(date: string, locale: MailLocale): string {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  if (locale !== 'en') return `${day}.${month}.${year}`;
  return formatter('en', { dateStyle: 'long' }, 'UTC').format(new Date(Date.UTC(year, month - 1, day)));
}

/** A block of a mail: a paragraph, a list of exact labels, a table of facts, or the confirm link. */
export type Block =
  | { p: string }
  | { list: string[] }
  | { facts: [string, string][] }
  | { link: string; label: string }
  | { secondary: string; intro: string }
  | { manage: string };

/** A mail of `blocks` in `locale`, text and HTML, every value escaped in the HTML part. */
export function render(locale: MailLocale, to: string, subject: string, blocks: Block[]): MailMessage {
  const s = MAIL_STRINGS[locale].common;
  const text: string[] = [s.greeting];
  const html: string[] = [`<p>${escapeHtml(s.greeting)}</p>`];
  for (const block of blocks) {
    if ('p' in block) {
      text.push(block.p);
      html.push(`<p>${escapeHtml(block.p)}</p>`);
    } else if ('list' in block) {
      text.push(block.list.map((item) => `- ${item}`).join('\n'));
      html.push(`<ul>${block.list.map((item) => `<li>${escapeHtml(item)}</li>`).join('')}</ul>`);
    } else if ('facts' in block) {
      text.push(block.facts.map(([k, v]) => `${k}: ${v}`).join('\n'));
      html.push(`<table>${block.facts.map(([k, v]) => `<tr><th align="left">${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join('')}</table>`);
    } else if ('secondary' in block) {
      // A second link, plain (no button): the mail's main action is the other one.
      text.push(`${block.intro}\n${block.secondary}`);
      html.push(`<p>${escapeHtml(block.intro)}<br><a href="${escapeHtml(block.secondary)}">${escapeHtml(block.secondary)}</a></p>`);
    } else if ('manage' in block) {
      text.push(`${s.manage}\n${block.manage}`);
      html.push(`<p>${escapeHtml(s.manage)}<br><a href="${escapeHtml(block.manage)}">${escapeHtml(block.manage)}</a></p>`);
    } else {
      // Text part: the bare URL on its own line, which every client makes clickable.
      text.push(`${s.linkIntro}\n${block.link}`);
      html.push(
        `<p><a href="${escapeHtml(block.link)}" style="display:inline-block;padding:12px 20px;background:#0b5cad;color:#ffffff;text-decoration:none;border-radius:4px;font-weight:bold">${escapeHtml(block.label)}</a></p>`,
        `<p>${escapeHtml(s.linkIntro)}<br><a href="${escapeHtml(block.link)}">${escapeHtml(block.link)}</a></p>`,
      );
    }
  }
  text.push(s.signature, `--\n${s.automated}`);
  html.push(`<p>${escapeHtml(s.signature).replace('\n', '<br>')}</p>`, `<hr><p><small>${escapeHtml(s.automated)}</small></p>`);
  return {
    to,
    subject,
    text: `${text.join('\n\n')}\n`,
    html: `<!doctype html><html lang="${locale}"><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head><body>${html.join('\n')}</body></html>`,
    // RFC 3834: auto-responders must not answer it; Content-Language for screen readers and filters.
    headers: { 'Auto-Submitted': 'auto-generated', 'Content-Language': locale },
    locale,
  };
}
