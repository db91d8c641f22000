/**
 * What the confirmation route does, framework-free: the receiver's router
 * passes the method, the token from the path and `Accept-Language`, and
 * sends back the page. GET and HEAD only look; POST confirms, once.
 */
import type { ConsentRecord, DataRequest } from '@optimesys/privacy-records/schemas';
import enRequest from '../../locales/en/labels.json' with { type: 'json' };
import fiRequest from '../../locales/fi/labels.json' with { type: 'json' };
import { grantsToConfirm } from '../mail/compose.js';
import { pageLocale, renderLinkPage, type LinkPage, type RenderedPage } from '../mail/pages.js';
import { SITE_DEFAULT, type SiteText } from '../mail/site.js';
import type { LinkTokens } from '../mail/link-tokens.js';
import svRequest from '../../locales/sv/labels.json' with { type: 'json' };

/** What the route needs from the store. */
export interface ConfirmStore {
  /** The stored record with that id (consent or data request), or undefined. */
  findRecord(recordId: string): Promise<ConsentRecord | DataRequest | undefined>;
  isConfirmed(recordId: string): Promise<boolean>;
  /**
   * Appends the confirmation of a record (at, tokenId) unless it has one:
   * `already` when it had (a unique key on the record id makes two racing
   * POSTs confirm once). For a consent it makes its grants count; for a data
   * request it sets `identity: confirmed`.
   */
  confirm(recordId: string, at: Date, tokenId: string): Promise<'confirmed' | 'already'>;
}

export interface ConfirmLinkInput {
  method: string;
  token: string;
  acceptLanguage?: string | null;
  tokens: LinkTokens;
  store: ConfirmStore;
  now?: Date;
  /** The site's labels: the page lists what will be confirmed in the site's words, not the record's. */
  site?: SiteText;
  /** Passed to the page: stylesheet URL and home link. */
  stylesheet?: string;
  homeHref?: string;
}

const REQUEST_LABELS = { fi: fiRequest.types, en: enRequest.types, sv: svRequest.types } as Record<'fi' | 'en' | 'sv', Record<string, { label: string }>>;

export async function handleConfirmLink(input: ConfirmLinkInput): Promise<RenderedPage> {
  const now = input.now ?? new Date();
  const method = input.method.toUpperCase();
  const verified = input.tokens.verify(input.token, { kind: 'confirm', now });
  const locale = pageLocale(verified.locale, input.acceptLanguage);
  const page = (name: LinkPage, extra: { subject?: 'consent' | 'request'; items?: string[] } = {}) =>
    renderLinkPage({
      page: name,
      locale,
      ...extra,
      ...(input.stylesheet ? { stylesheet: input.stylesheet } : {}),
      ...(input.homeHref ? { homeHref: input.homeHref } : {}),
    });

  if (method !== 'GET' && method !== 'HEAD' && method !== 'POST') {
    const refused = page('invalid');
    return { ...refused, status: 405, headers: { ...refused.headers, allow: 'GET, HEAD, POST' } };
  }
  if (!verified.ok) return page(verified.reason === 'expired' ? 'expired' : 'invalid');
  const record = await input.store.findRecord(verified.recordId!);
  // An unknown record, or one whose address is not the token's: the same page as a forged link.
  if (!record || input.tokens.addressHash(record.subject.email) !== verified.addressHash) return page('invalid');
  const subject = record.type === 'data-request' ? 'request' : 'consent';

  if (method === 'POST') {
    const outcome = await input.store.confirm(record.id, now, verified.tokenId);
    return page(outcome, { subject });
  }
  // GET and HEAD change nothing: mail scanners fetch every link.
  if (await input.store.isConfirmed(record.id)) return page('already', { subject });
  const items =
    record.type === 'consent'
      ? grantsToConfirm(record).map((d) => (input.site ?? SITE_DEFAULT).label(d.purpose, locale))
      : [REQUEST_LABELS[locale][record.requestType]?.label ?? record.requestType];
  return page('confirm', { subject, items });
}

/** An in-memory `ConfirmStore` for tests and as the reference of its semantics. */
export function createMemoryConfirmStore(records: (ConsentRecord | DataRequest)[] = []) {
  const byId = new Map(records.map((r) => [r.id, r]));
  const confirmations = new Map<string, { at: Date; tokenId: string }>();
  return {
    confirmations,
    add(record: ConsentRecord | DataRequest) {
      byId.set(record.id, record);
    },
    async findRecord(recordId: string) {
      return byId.get(recordId);
    },
    async isConfirmed(recordId: string) {
      return confirmations.has(recordId);
    },
    async confirm(recordId: string, at: Date, tokenId: string): Promise<'confirmed' | 'already'> {
      if (confirmations.has(recordId)) return 'already';
      confirmations.set(recordId, { at, tokenId });
      return 'confirmed';
    },
  } satisfies ConfirmStore & Record<string, unknown>;
}
