/**
 * The console's mails, in the site's words (`locales/*\/mail.json`, key
 * `console`): the one-time sign-in link, the privacy office's notices of a
 * new or confirmed data request and the daily digest, and the templated
 * messages the office sends a requester. Like every mail of the receiver,
 * none repeats what a visitor typed: a requester's message says the request
 * type, its reference and dates; the office's notices say no name or address
 * at all (the console shows those, to someone signed in).
 */
import enMail from '../../locales/en/mail.json' with { type: 'json' };
import fiMail from '../../locales/fi/mail.json' with { type: 'json' };
import enLabels from '../../locales/en/labels.json' with { type: 'json' };
import fiLabels from '../../locales/fi/labels.json' with { type: 'json' };
import svMail from '../../locales/sv/mail.json' with { type: 'json' };
import svLabels from '../../locales/sv/labels.json' with { type: 'json' };
import { formatDateTime, formatDay, interpolate, render, type Block, type MailLocale, type MailMessage } from '../mail/layout.js';
import { extendedDue } from './calendar.js';

const MAIL_STRINGS: Record<MailLocale, typeof fiMail> = { fi: fiMail, en: enMail, sv: svMail };
type Strings = (typeof fiMail)['console'];
export const CONSOLE_STRINGS: Record<MailLocale, Strings> = { fi: fiMail.console, en: enMail.console, sv: svMail.console };
const TYPES: Record<MailLocale, Record<string, { label: string } | undefined>> = { fi: fiLabels.types, en: enLabels.types, sv: svLabels.types };

/** A record's language as the language of mails about it: Finnish, the company's own, for one the receiver has no strings in. */
export const mailLocale = (locale: unknown): MailLocale =>
  typeof locale === 'string' && Object.hasOwn(CONSOLE_STRINGS, locale) ? (locale as MailLocale) : 'fi';

/** The label of a request type, in the site's words (the type id for one it does not know). */
export const requestTypeLabel = (type: string, locale: MailLocale) => TYPES[locale][type]?.label ?? type;

export function signInMail({ to, url, expiresAt, locale }: { to: string; url: string; expiresAt: Date; locale: MailLocale }): MailMessage {
  const s = CONSOLE_STRINGS[locale].signIn;
  const common = MAIL_STRINGS[locale].common;
  return render(locale, to, s.subject, [
    { p: interpolate(s.intro, { email: to }) },
    { p: s.action },
    { link: url, label: s.button },
    { p: interpolate(common.validUntil, { date: formatDateTime(expiresAt, locale) }) },
    { p: s.notMe },
  ]);
}

/** What the office's notices say about a request: never the requester's name or address. */
export interface RequestFacts {
  id: string;
  requestType: string;
  receivedAt: string;
  dueBy: string;
}

export function officeNotice({
  to,
  locale,
  kind,
  request,
  at,
  consoleUrl,
}: {
  to: string;
  locale: MailLocale;
  kind: 'arrived' | 'confirmed';
  request: RequestFacts;
  /** When it arrived, or was confirmed. */
  at: string;
  /** The request in the console. */
  consoleUrl: string;
}): MailMessage {
  const s = CONSOLE_STRINGS[locale].office;
  const type = requestTypeLabel(request.requestType, locale);
  return render(locale, to, interpolate(s[kind].subject, { type }), [
    { p: interpolate(s[kind].intro, { date: formatDateTime(new Date(at), locale) }) },
    {
      facts: [
        [s.type, type],
        [s.reference, request.id],
        [s.received, formatDateTime(new Date(request.receivedAt), locale)],
        [s.due, formatDay(request.dueBy, locale)],
      ],
    },
    { p: s.open },
    { link: consoleUrl, label: s.button },
  ]);
}

export interface DigestItem extends RequestFacts {
  daysLeft: number;
  overdue: boolean;
}

export function digestMail({ to, locale, today, items, consoleUrl }: { to: string; locale: MailLocale; today: string; items: readonly DigestItem[]; consoleUrl: string }): MailMessage {
  const s = CONSOLE_STRINGS[locale].office.digest;
  const line = (item: DigestItem) => {
    const values = { type: requestTypeLabel(item.requestType, locale), reference: item.id, due: formatDay(item.dueBy, locale), days: String(item.daysLeft) };
    return interpolate(item.overdue ? s.overdue : item.daysLeft === 0 ? s.today : s.due, values);
  };
  return render(locale, to, interpolate(s.subject, { count: String(items.length) }), [
    { p: interpolate(s.intro, { date: formatDay(today, locale) }) },
    { list: items.map(line) },
    { p: s.action },
    { link: consoleUrl, label: s.button },
  ]);
}

export type TemplateId = keyof Strings['templates'];
export const TEMPLATE_IDS = Object.keys(fiMail.console.templates) as TemplateId[];

/** The templates as the console lists them, labelled in the console's language. */
export const templateList = (locale: MailLocale) => TEMPLATE_IDS.map((id) => ({ id, label: CONSOLE_STRINGS[locale].templates[id].label }));

/** A templated message to a requester, in the request's language. */
export function templateMail({ template, to, locale, request }: { template: TemplateId; to: string; locale: MailLocale; request: RequestFacts }): MailMessage {
  const t = CONSOLE_STRINGS[locale].templates[template];
  const values = {
    type: requestTypeLabel(request.requestType, locale),
    reference: request.id,
    received: formatDateTime(new Date(request.receivedAt), locale),
    due: formatDay(request.dueBy, locale),
    extended: formatDay(extendedDue(request.dueBy), locale),
  };
  const blocks: Block[] = t.body.map((p) => ({ p: interpolate(p, values) }));
  return render(locale, to, t.subject, blocks);
}
