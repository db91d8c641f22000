/**
 * What the site itself says in mails and pages: purpose labels from its own
 * catalogue, and the page a record came from only when that page is the
 * site's. A record's `text` and `source` were chosen by whoever signed it
 * (anyone with a key), so they stay in the record as evidence and never
 * reach a mail: otherwise the receiver would relay a stranger's words, under
 * the site's name and DKIM signature, to any address.
 */
import enConsent from '../../locales/en/labels.json' with { type: 'json' };
import fiConsent from '../../locales/fi/labels.json' with { type: 'json' };
import svConsent from '../../locales/sv/labels.json' with { type: 'json' };
import type { MailLocale } from './layout.js';

/** Labels of purposes a site adds to the built-in catalogue, per language. */
export type PurposeLabels = Readonly<Record<string, Partial<Record<MailLocale, string>>>>;

export interface SiteText {
  /** The site's label of a purpose in `locale`; the purpose id when the catalogue has none. */
  label(purpose: string, locale: MailLocale): string;
  /** `origin + path` of `url` when its origin is one of the site's; undefined otherwise (query and fragment are never shown). */
  page(url: string | undefined): string | undefined;
}

const BUILT_IN: Record<MailLocale, Record<string, { label: string } | undefined>> = { fi: fiConsent.purposes, en: enConsent.purposes, sv: svConsent.purposes };

export function siteText({ origins = [], purposes = {} }: { origins?: readonly string[]; purposes?: PurposeLabels } = {}): SiteText {
  const own = new Set(origins.map((o) => new URL(o).origin));
  return {
    label: (purpose, locale) => purposes[purpose]?.[locale] ?? BUILT_IN[locale][purpose]?.label ?? purpose,
    page(url) {
      if (!url) return undefined;
      let parsed: URL;
      try {
        parsed = new URL(url);
      } catch {
        return undefined;
      }
      return own.has(parsed.origin) ? `${parsed.origin}${parsed.pathname}` : undefined;
    },
  };
}

/** No page is named and only the built-in labels are known: what mails say when the receiver is told nothing. */
export const SITE_DEFAULT: SiteText = siteText();
