import type { RequestRow } from './api.js';
import type { Locale, Translate } from './i18n.js';

// Dates as the office reads them: Finnish order for every language's users in
// Finland (en-GB writes day before month, as Finnish does; sv-FI is Swedish as
// written in Finland).
const INTL: Record<Locale, string> = { fi: 'fi-FI', sv: 'sv-FI', en: 'en-GB' };
// sv-FI's medium style spells the month out (`10 mars 2025`) and puts no `kl.`
// before the time: Swedish gets the numeric date and the `kl.` the receiver's
// mails write (`10.3.2025 kl. 7.05`), so the console and the digest agree.
// Built from the parts, not from sv-FI's short pattern: engines disagree on it
// (Firefox 140 writes `2025-03-10`).

/** Swedish as written in Finland: `10.3.2025`, and with the time `10.3.2025 kl. 7.05`. */
function swedish(time: number, withTime: boolean, timeZone?: string): string {
  const parts = new Intl.DateTimeFormat(INTL.sv, {
    day: 'numeric', month: 'numeric', year: 'numeric',
    ...(withTime ? { hour: 'numeric', minute: '2-digit', hourCycle: 'h23' } : {}),
    ...(timeZone ? { timeZone } : {}),
  } as Intl.DateTimeFormatOptions).formatToParts(time);
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
  const date = `${Number(part('day'))}.${Number(part('month'))}.${part('year')}`;
  return withTime ? `${date} kl. ${Number(part('hour'))}.${part('minute')}` : date;
}

/** A `YYYY-MM-DD` day, as a date in the locale (no time zone shift: it is a calendar day). */
export function formatDay(locale: Locale, day: string): string {
  const time = Date.parse(`${day}T00:00:00Z`);
  if (Number.isNaN(time)) return day;
  if (locale === 'sv') return swedish(time, false, 'UTC');
  return new Intl.DateTimeFormat(INTL[locale], { dateStyle: 'medium', timeZone: 'UTC' }).format(time);
}

/** An ISO 8601 instant, as date and time in the browser's time zone. */
export function formatTime(locale: Locale, iso: string): string {
  const time = Date.parse(iso);
  if (Number.isNaN(time)) return iso;
  if (locale === 'sv') return swedish(time, true);
  return new Intl.DateTimeFormat(INTL[locale], { dateStyle: 'medium', timeStyle: 'short' }).format(time);
}

/** A number with the locale's digit grouping. */
export function formatNumber(locale: Locale, value: number): string {
  return new Intl.NumberFormat(INTL[locale]).format(value);
}

/** A language tag's name in the console's language (`sv` → "ruotsi"), or the tag itself. */
export function languageName(locale: Locale, tag: string): string {
  try {
    return new Intl.DisplayNames([INTL[locale]], { type: 'language', fallback: 'code' }).of(tag) ?? tag;
  } catch {
    return tag; // not a well-formed tag
  }
}

/** "12.3.2025 · 4 days left" / "… · 3 days overdue" / "… · due today"; a closed request shows only its date. */
export function dueText(t: Translate, locale: Locale, row: RequestRow): string {
  const date = formatDay(locale, row.dueBy);
  if (row.status === 'closed') return date;
  if (row.overdue) return t('due.overdue', { date, count: Math.max(1, Math.abs(row.daysLeft)) });
  if (row.daysLeft === 0) return t('due.today', { date });
  return t('due.left', { date, count: row.daysLeft });
}

/** A request type's human label, or the type itself when the console knows no label for it. */
export function requestTypeLabel(t: Translate, type: string): string {
  const key = `requestTypes.${type}`;
  const label = t(key);
  return label === key ? type : label;
}

/** Identity as the list and the request page state it: confirmed (when), verified by other means (how), or not. */
export function identityText(t: Translate, locale: Locale, row: RequestRow): string {
  if (row.identity === 'confirmed') {
    return row.identityConfirmedAt ? t('identity.confirmedAt', { date: formatTime(locale, row.identityConfirmedAt) }) : t('identity.confirmed');
  }
  if (row.identityVerified) return t('identity.verified', { how: row.identityVerified.how });
  return t('identity.unconfirmed');
}

// The server's error codes the console has its own words for; others show the server's message.
const KNOWN_ERRORS = ['invalid-note', 'already-closed', 'no-session', 'csrf', 'not-found', 'network'];

/** A failed call, in the console's language where the code is known. */
export function errorText(t: Translate, error: unknown): string {
  const { code = '', message = '', status } = (error ?? {}) as { code?: string; message?: string; status?: number };
  if (KNOWN_ERRORS.includes(code)) return t(`errors.${code}`);
  return t('errors.generic', { reason: message || (status ? `HTTP ${status}` : String(error)) });
}

/** A day as the chart's axis shows it ("10.2."), from seconds since 1970 at UTC midnight. */
export function formatAxisDay(locale: Locale, seconds: number): string {
  return new Intl.DateTimeFormat(INTL[locale], { day: 'numeric', month: 'short', timeZone: 'UTC' }).format(seconds * 1000);
}
