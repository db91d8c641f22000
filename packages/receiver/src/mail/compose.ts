/**
 * The confirmation mails, as pure functions of the record and its link: a
 * consent confirmation (double opt-in), its webinar variant, and the "confirm
 * it is you" mail of a data request. Each has a plain-text and an HTML part in
 * the record's language (`locales/{fi,en,sv}/mail.json`).
 *
 * What a record says was chosen by whoever signed it, so a mail repeats
 * none of it but the address and a requester's name: labels come from the
 * site's catalogue and the page only when it is the site's (`site.ts`).
 * Whatever is shown is escaped in the HTML part and never becomes a link or
 * a header: only the URLs the receiver made are links.
 */
import enRequest from '../../locales/en/labels.json' with { type: 'json' };
import fiRequest from '../../locales/fi/labels.json' with { type: 'json' };
import type { ConsentRecord, DataRequest } from '@optimesys/privacy-records/schemas';
import { localDay } from '../records/calendar.js';
import { dueDate } from '../records/countersign.js';
import svRequest from '../../locales/sv/labels.json' with { type: 'json' };
import { formatDateTime, formatDay, interpolate, MAIL_STRINGS as STRINGS, MAIL_TIME_ZONE, render, type Block, type MailLocale, type MailMessage } from './layout.js';
import { SITE_DEFAULT, type SiteText } from './site.js';

const REQUEST_LABELS: Record<MailLocale, Record<string, { label: string }>> = { fi: fiRequest.types, en: enRequest.types, sv: svRequest.types };

export interface ConfirmationInput<R> {
  record: R;
  /** The absolute confirmation URL (receiver origin + route + token). */
  confirmUrl: string;
  /** When the token in `confirmUrl` expires. */
  expiresAt: Date;
  /** The preference page ("manage your choices"), linked at the end of the mail. */
  manageUrl?: string;
  /** Labels and pages as the site names them; by default the built-in labels and no page. */
  site?: SiteText;
}

/** The consent decisions a confirmation is about: the grants (withdrawals count at once and need none). */
export const grantsToConfirm = (record: ConsentRecord) => record.decisions.filter((d) => d.granted);

/** Whether a stored record should get a confirmation mail: a data request, or a consent that grants something. */
export function needsConfirmation(record: ConsentRecord | DataRequest): boolean {
  return record.type === 'data-request' || grantsToConfirm(record).length > 0;
}

/** `{{url}}` strings have a twin without it (`…NoPage`), used when the page is not the site's own. */
const withPage = (strings: Record<string, string>, key: string, values: Record<string, string>, page: string | undefined) =>
  page ? interpolate(strings[key]!, { ...values, url: page }) : interpolate(strings[`${key}NoPage`]!, values);

/**
 * Double opt-in mail of a consent record. With `processing[]` (a webinar
 * signup) it says the signup stands already and only the consents wait.
 */
export function composeConsentConfirmation({ record, confirmUrl, expiresAt, manageUrl, site = SITE_DEFAULT }: ConfirmationInput<ConsentRecord>): MailMessage {
  const locale = record.locale;
  const s = STRINGS[locale];
  const grants = grantsToConfirm(record);
  if (!grants.length) throw new TypeError('A consent record without grants needs no confirmation');
  const values = { date: formatDateTime(new Date(record.issuedAt), locale), email: record.subject.email };
  const page = site.page(record.source.url);
  const validUntil = interpolate(s.common.validUntil, { date: formatDateTime(expiresAt, locale) });
  const labels = grants.map((d) => site.label(d.purpose, locale));
  const manage: Block[] = manageUrl ? [{ manage: manageUrl }] : [];

  if (record.processing.length) {
    return render(locale, record.subject.email, s.webinar.subject, [
      { p: withPage(s.webinar, 'registered', values, page) },
      { p: s.webinar.waiting },
      { list: labels },
      { p: s.webinar.action },
      { link: confirmUrl, label: s.webinar.button },
      { p: validUntil },
      { p: s.webinar.notMe },
      ...manage,
    ]);
  }
  return render(locale, record.subject.email, s.consent.subject, [
    { p: withPage(s.consent, 'intro', values, page) },
    { list: labels },
    { p: s.consent.action },
    { link: confirmUrl, label: s.consent.button },
    { p: validUntil },
    { p: s.consent.notMe },
    ...manage,
  ]);
}

/** One purpose as the address's current state shows it (derive.ts), for the known-address mail. */
export interface KnownChoice {
  purpose: string;
  granted: boolean;
  /** When the state took effect (a confirmation, a withdrawal); absent for a grant still waiting for its confirmation. */
  since?: string;
}

export interface KnownAddressInput extends ConfirmationInput<ConsentRecord> {
  /** The address's current choices, with this record's withdrawals (they count at once) and without its grants (they wait). */
  current: KnownChoice[];
  /** Purposes this record turned off that were on: withdrawals count at once, so the owner hears of them here. */
  withdrawn?: string[];
  /** The preference page with a `prefs` token: the mail's main action. */
  preferencesUrl: string;
  preferencesExpiresAt: Date;
}

/**
 * The confirmation mail of a record from a device with no confirmed history
 * for an address that already has confirmed choices: only the address owner
 * reads it, so this is where the difference between a known and an unknown
 * address may show. It lists the current state (since when), what the form
 * asked for, and leads with the preference link; confirming this record
 * stays possible from a second link.
 */
export function composeKnownAddress(input: KnownAddressInput): MailMessage {
  const { record, confirmUrl, expiresAt, manageUrl, current, withdrawn = [], preferencesUrl, preferencesExpiresAt, site = SITE_DEFAULT } = input;
  const locale = record.locale;
  const s = STRINGS[locale];
  const grants = grantsToConfirm(record);
  if (!grants.length) throw new TypeError('A consent record without grants needs no confirmation');
  const label = (purpose: string) => site.label(purpose, locale);
  const day = (iso: string) => formatDay(localDay(new Date(iso)), locale);
  const state = current.map((c) =>
    c.since
      ? interpolate(c.granted ? s.known.on : s.known.off, { label: label(c.purpose), date: day(c.since) })
      : interpolate(s.known.waiting, { label: label(c.purpose) }),
  );
  const values = { date: formatDateTime(new Date(record.issuedAt), locale), email: record.subject.email };
  const page = site.page(record.source.url);
  return render(locale, record.subject.email, s.known.subject, [
    ...(record.processing.length ? [{ p: withPage(s.webinar, 'registered', values, page) }] : []),
    { p: withPage(s.known, 'intro', values, page) },
    { list: state },
    { p: s.known.requested },
    { list: grants.map((d) => label(d.purpose)) },
    ...(withdrawn.length ? [{ p: s.known.turnedOff }, { list: withdrawn.map(label) }] : []),
    { p: s.known.action },
    { link: preferencesUrl, label: s.known.button },
    { p: interpolate(s.common.validUntil, { date: formatDateTime(preferencesExpiresAt, locale) }) },
    { secondary: confirmUrl, intro: interpolate(s.known.confirmInstead, { date: formatDateTime(expiresAt, locale) }) },
    { p: s.known.notMe },
    ...(manageUrl ? [{ manage: manageUrl }] : []),
  ]);
}

export interface WithdrawalNoticeInput {
  /** The record that withdrew (from a device with no confirmed history for the address). */
  record: ConsentRecord;
  /** Purposes it turned off that were on. */
  withdrawn: string[];
  /** When the receiver took it: a withdrawal counts from its arrival. */
  receivedAt: string;
  /** The link that turns them back on. */
  restoreUrl: string;
  expiresAt: Date;
  manageUrl?: string;
  site?: SiteText;
}

/**
 * The owner's notice of a withdrawal from a device that never proved the
 * mailbox: it counted at once (withdrawing must stay as easy as consenting),
 * so the mail says what went off, from which page and when, and offers one
 * button that turns it back on.
 */
export function composeWithdrawalNotice({ record, withdrawn, receivedAt, restoreUrl, expiresAt, manageUrl, site = SITE_DEFAULT }: WithdrawalNoticeInput): MailMessage {
  const locale = record.locale;
  const s = STRINGS[locale];
  if (!withdrawn.length) throw new TypeError('A withdrawal notice needs something that was turned off');
  const values = { date: formatDateTime(new Date(receivedAt), locale), email: record.subject.email };
  return render(locale, record.subject.email, s.withdrawn.subject, [
    { p: withPage(s.withdrawn, 'intro', values, site.page(record.source.url)) },
    { list: withdrawn.map((purpose) => site.label(purpose, locale)) },
    { p: s.withdrawn.applied },
    { p: s.withdrawn.action },
    { link: restoreUrl, label: s.withdrawn.button },
    { p: interpolate(s.common.validUntil, { date: formatDateTime(expiresAt, locale) }) },
    { p: s.withdrawn.itWasMe },
    ...(manageUrl ? [{ manage: manageUrl }] : []),
  ]);
}

/**
 * "Confirm it is you" mail of a data request: the request in words, its
 * reference, the date the answer is due (`dueBy` from the receipt; computed
 * from `issuedAt` in Finnish time when not given). The requester's name is
 * the one thing a visitor typed that it repeats: the owner must see whose
 * request this claims to be.
 */
export function composeRequestConfirmation({
  record,
  confirmUrl,
  expiresAt,
  dueBy,
  site = SITE_DEFAULT,
}: ConfirmationInput<DataRequest> & { dueBy?: string }): MailMessage {
  const locale = record.locale;
  const s = STRINGS[locale];
  const due = dueBy ?? dueDate(new Date(record.issuedAt), MAIL_TIME_ZONE);
  const type = REQUEST_LABELS[locale][record.requestType]?.label ?? record.requestType;
  const values = { date: formatDateTime(new Date(record.issuedAt), locale), name: record.subject.name };
  return render(locale, record.subject.email, s.request.subject, [
    { p: withPage(s.request, 'intro', values, site.page(record.source.url)) },
    {
      facts: [
        [s.request.type, type],
        [s.request.reference, record.id],
        [s.request.due, formatDay(due, locale)],
      ],
    },
    { p: s.request.action },
    { link: confirmUrl, label: s.request.button },
    { p: interpolate(s.common.validUntil, { date: formatDateTime(expiresAt, locale) }) },
    { p: s.request.notMe },
  ]);
}

export interface PreferencesLinkInput {
  to: string;
  locale: MailLocale;
  /** The preference page with the `prefs` token. */
  url: string;
  expiresAt: Date;
}

/** The mail with a link to the preference page, asked for from any device. */
export function composePreferencesLink({ to, locale, url, expiresAt }: PreferencesLinkInput): MailMessage {
  const s = STRINGS[locale];
  return render(locale, to, s.prefs.subject, [
    { p: interpolate(s.prefs.intro, { email: to }) },
    { p: s.prefs.action },
    { link: url, label: s.prefs.button },
    { p: interpolate(s.common.validUntil, { date: formatDateTime(expiresAt, locale) }) },
    { p: s.prefs.notMe },
  ]);
}

/** The confirmation mail of any record that needs one. */
export function composeConfirmation(input: ConfirmationInput<ConsentRecord | DataRequest> & { dueBy?: string }): MailMessage {
  const { record } = input;
  return record.type === 'consent'
    ? composeConsentConfirmation({ ...input, record })
    : composeRequestConfirmation({ ...input, record });
}
