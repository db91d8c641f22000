/**
 * Choices from any device, and RFC 8058 one-click unsubscribe: what the
 * preference routes (routes.ts) do, and the vouching of a record sent with a
 * preference link.
 *
 * - `POST /api/preferences/link` (`{ email, locale }` as JSON or a form): the
 *   same 202 whatever the address; for an address with consent records a
 *   `prefs` link (1 h) is mailed, within the mail caps. The answer goes before
 *   any look-up, token or write, and the work runs at a random moment later,
 *   so neither this answer's timing nor a later one's tells a known address.
 * - `GET /api/preferences` with `Authorization: Bearer <prefs token>`: the
 *   address's current state (derive.ts); nothing without a valid token.
 * - A record POSTed to `/api/records` with that header acts for the address
 *   at once: the receiver appends a signed confirmation for it (no second round).
 * - `GET /unsubscribe/<token>` shows one button and changes nothing; a `POST`
 *   with `List-Unsubscribe=One-Click` (urlencoded or multipart) appends a
 *   receiver-signed withdrawal of that one purpose and answers 200, no redirect.
 */
import { createHash, randomUUID } from 'node:crypto';
import { Email, type ConsentRecord } from '@optimesys/privacy-records/schemas';
import { mailCaps, type MailCap } from '../mail/caps.js';
import { composePreferencesLink, grantsToConfirm } from '../mail/compose.js';
import { pageLocale, renderLinkPage, type LinkPage, type RenderedPage } from '../mail/pages.js';
import type { SiteText } from '../mail/site.js';
import type { LinkTokens, TokenResult } from '../mail/link-tokens.js';
import { eventAbout, signEvent, type ServerKey } from '../records/countersign.js';
import type { ReceiverFeature, Vouch } from '../app.js';
import type { PreferencePages, PreferencesState } from './routes.js';
import { currentConsents, type ConsentState } from '../derive.js';
import { emailKey, type NewJob, type RecordStore, type ReceiverEvent, type StoredRecord } from '../store/store.js';
import type { MailLocale } from '../mail/layout.js';

export const PREFERENCES_API = '/api/preferences';
export const UNSUBSCRIBE_PATH = '/unsubscribe/';
/** The demo's preference page; a site names its own with `preferencesUrl`. */
export const PREFERENCES_PAGE = '/preferences.html';
/** The body a mailbox provider POSTs (RFC 8058 section 3.2), and the header that announces it. */
export const ONE_CLICK = 'List-Unsubscribe=One-Click';

/** `<publicUrl>/unsubscribe/<token>`. */
export const unsubscribeUrl = (publicUrl: string, token: string) => `${publicUrl.replace(/\/+$/, '')}${UNSUBSCRIBE_PATH}${token}`;
/** The preference page, with the token in the fragment: it never reaches a server log or a Referer. */
export const preferencesLink = (pageUrl: string, token: string) => `${pageUrl}#token=${token}`;

export interface UnsubscribeHeaders {
  'List-Unsubscribe': string;
  'List-Unsubscribe-Post': typeof ONE_CLICK;
}

/**
 * The RFC 8058 headers for one recipient and purpose: an https URL (plus a
 * `mailto:` when `mailto` is given, RFC 2369), valid for 3 years.
 */
export function unsubscribeHeadersWith(
  tokens: LinkTokens,
  options: { publicUrl: string; mailto?: string | undefined },
): (input: { email: string; purpose: string; locale?: MailLocale }) => UnsubscribeHeaders {
  const base = new URL(options.publicUrl);
  const local = base.hostname === 'localhost' || base.hostname === '127.0.0.1' || base.hostname === '[::1]';
  if (base.protocol !== 'https:' && !local) throw new TypeError('RFC 8058 needs an https URL: set PUBLIC_URL to the https origin of the receiver');
  return ({ email, purpose, locale = 'fi' }) => {
    const parsed = Email.safeParse(emailKey(email));
    if (!parsed.success) throw new TypeError(`not an e-mail address: ${email}`);
    const token = tokens.issue({ kind: 'unsubscribe', address: parsed.data, purpose, locale });
    const links = [`<${unsubscribeUrl(options.publicUrl, token)}>`];
    if (options.mailto) links.push(`<mailto:${options.mailto}?subject=unsubscribe%20${token}>`);
    return { 'List-Unsubscribe': links.join(', '), 'List-Unsubscribe-Post': ONE_CLICK };
  };
}

export interface PreferencesOptions {
  store: RecordStore;
  key: ServerKey;
  tokens: LinkTokens;
  /** Origin of the links: configured, never taken from a request (required when mail is on). */
  publicUrl?: string | undefined;
  /** The page with `<consent-preferences>`; default `<publicUrl>/preferences.html`. */
  preferencesUrl?: string | undefined;
  /** The mail caps a link request counts against. */
  cap: MailCap;
  /** The site's labels for the unsubscribe page. */
  site: SiteText;
  /** Mail is on: link requests queue mail jobs; `wake` starts the mail sender on them. */
  mail?: { wake(): void } | undefined;
  /** Webhook messages: the confirmation a preference link makes, a one-click withdrawal. */
  hooks?:
    | {
        confirmationJobs(row: StoredRecord, confirmedAt: string): NewJob[];
        withdrawalJobs(withdrawal: { id: string; email: string; receivedAt: string; purposes: { purpose: string; dpv: string; text: string }[] }): NewJob[];
        queued(): void;
      }
    | undefined;
}

export interface Preferences extends ReceiverFeature, PreferencePages {
  /** Resolves once link requests still being handled are done. */
  stop(): Promise<void>;
  /** The preference page, when mail is on. */
  pageUrl: string | undefined;
}

/** How long after its answer a link request's work may run: a random moment in this window. */
const LINK_WORK_DELAY_MS = [50, 500] as const;

/** How a preference link sent with a record or a state request is refused. */
export const LINK_REFUSALS = {
  missing: { status: 401, code: 'link-missing', message: 'Open the page from the link in your mail.' },
  expired: { status: 401, code: 'link-expired', message: 'The link has expired: ask for a new one.' },
  invalid: { status: 401, code: 'link-invalid', message: 'The link is not valid.' },
  notForRequests: { status: 400, code: 'link-not-for-requests', message: 'A preference link changes consents only.' },
  otherAddress: { status: 403, code: 'link-other-address', message: 'The link was mailed to another address.' },
} as const;

/** The token of `Authorization: Bearer <token>`; `''` for another kind of `Authorization`. */
export const bearer = (request: Request): string | undefined => {
  const value = request.headers.get('authorization');
  const match = value?.match(/^Bearer\s+([A-Za-z0-9_-]+)\s*$/i);
  return match?.[1] ?? (value ? '' : undefined);
};

const linkRefusal = (result: Exclude<TokenResult, { ok: true }>) => (result.reason === 'expired' ? LINK_REFUSALS.expired : LINK_REFUSALS.invalid);

/** What the API says about one purpose: enough for a switch, nothing about other people or keys. */
const publicState = (s: ConsentState) => ({
  purpose: s.purpose,
  granted: s.granted,
  text: s.text,
  decidedAt: s.decidedAt,
  ...(s.pending ? { pending: true as const } : {}),
});

export function preferences(options: PreferencesOptions): Preferences {
  const { store, key, tokens } = options;
  const inFlight = new Set<Promise<unknown>>();
  const pageUrl =
    options.preferencesUrl ?? (options.publicUrl === undefined ? undefined : `${options.publicUrl.replace(/\/+$/, '')}${PREFERENCES_PAGE}`);

  /** Queues the link mail for an address with consent records; nothing for another. */
  async function mailLink(address: string, locale: MailLocale, client: string): Promise<void> {
    const rows = await store.byEmail(address);
    if (!rows.some((r) => r.type === 'consent') || !pageUrl) return;
    const token = tokens.issue({ kind: 'prefs', address, locale });
    const verified = tokens.verify(token, { kind: 'prefs' });
    if (!verified.ok) throw new Error('A token just issued does not verify');
    const message = composePreferencesLink({ to: address, locale, url: preferencesLink(pageUrl, token), expiresAt: verified.expiresAt });
    await store.queueJobs([
      {
        kind: 'mail',
        email: address,
        payload: { message, kind: 'prefs', tokenId: verified.tokenId },
        caps: mailCaps(tokens, options.cap, { to: address, client, group: 'link' }),
      },
    ]);
    options.mail?.wake();
  }

  /** Runs a link request's work at a random moment after its answer went out. */
  function later(work: () => Promise<void>): void {
    const [min, max] = LINK_WORK_DELAY_MS;
    const done = new Promise<void>((resolve) => {
      setTimeout(() => {
        work()
          .catch((error: unknown) => console.error('[receiver] preference link not queued:', (error as Error)?.message ?? error))
          .finally(resolve);
      }, min + Math.random() * (max - min));
    });
    inFlight.add(done);
    void done.finally(() => inFlight.delete(done));
  }

  /** Appends the receiver's confirmation of a record the preference link vouched for. */
  async function confirmVouched(row: StoredRecord, tokenId: string): Promise<void> {
    const record = row.record as unknown as ConsentRecord;
    if (!grantsToConfirm(record).length) return; // withdrawals count at once
    const at = new Date().toISOString();
    const data = {
      type: 'confirmation',
      via: 'preferences',
      recordId: row.id,
      recordKid: row.kid,
      recordJwsSha256: createHash('sha256').update(row.jws, 'utf8').digest('hex'),
      email: row.email,
      submittedAt: row.receivedAt,
      tokenId,
      confirmedAt: at,
    };
    const event = await eventAbout(key, row, { kind: 'confirmation', key: `confirm:${row.kid}:${row.id}`, at, data });
    const jobs = options.hooks?.confirmationJobs(row, at) ?? [];
    const stored = (await store.addEvent(event, jobs)).status === 'stored';
    if (stored && jobs.length) options.hooks!.queued();
  }

  /** The one-click withdrawal: appended only when the purpose is granted or waiting, so repeats change nothing. */
  async function withdraw(address: string, purpose: string, tokenId: string): Promise<void> {
    const rows = await store.byEmail(address);
    const state = currentConsents(rows, await store.events(address)).find((s) => s.purpose === purpose);
    if (!state || (!state.granted && !state.pending)) return;
    const decision = rows
      .flatMap((r) => ((r.record as unknown as ConsentRecord).decisions ?? []).filter((d) => d.purpose === purpose))
      .at(-1);
    const at = new Date().toISOString();
    const id = randomUUID();
    const data = {
      type: 'withdrawal',
      channel: 'one-click',
      email: address,
      purposes: [purpose],
      tokenId,
      withdrawnAt: at,
      receiverKid: key.kid,
      withdraws: { recordId: state.pending ? state.pendingRecordId : state.recordId, kid: state.kid },
    };
    const event: ReceiverEvent = { id, kind: 'withdrawal', key: `withdraw:${id}`, email: address, recordId: null, recordKid: null, at, data, jws: await signEvent(key, data) };
    const jobs =
      decision && options.hooks
        ? options.hooks.withdrawalJobs({ id, email: address, receivedAt: at, purposes: [{ purpose, dpv: decision.dpv, text: decision.text }] })
        : [];
    await store.addEvent(event, jobs);
    if (jobs.length) options.hooks!.queued();
  }

  return {
    pageUrl,

    async vouch(row, request): Promise<Vouch | undefined> {
      const token = bearer(request);
      if (token === undefined) return undefined;
      const verified = tokens.verify(token, { kind: 'prefs' });
      // Not one of our tokens at all (a site's own API key sent to every backend): no link, the usual confirmation.
      if (!verified.ok && verified.reason === 'malformed') return undefined;
      if (!verified.ok) return { ok: false, ...linkRefusal(verified) };
      if (row.type !== 'consent') return { ok: false, ...LINK_REFUSALS.notForRequests };
      if (verified.address !== emailKey(String((row.record.subject as { email?: string } | undefined)?.email ?? ''))) {
        return { ok: false, ...LINK_REFUSALS.otherAddress };
      }
      return { ok: true, apply: (stored) => confirmVouched(stored, verified.tokenId) };
    },

    mails: Boolean(options.mail),

    requestLink(address, locale, client) {
      later(() => mailLink(address, locale, client));
    },

    async state(token) {
      const verified = tokens.verify(token, { kind: 'prefs' });
      if (!verified.ok) return { ok: false, ...linkRefusal(verified) };
      const address = verified.address!;
      const states = currentConsents(await store.byEmail(address), await store.events(address));
      const state: PreferencesState = { email: address, locale: verified.locale, expiresAt: verified.expiresAt.toISOString(), purposes: states.map(publicState) };
      return { ok: true, state };
    },

    async unsubscribePage(request): Promise<RenderedPage> {
      const verified = tokens.verify(request.token, { kind: 'unsubscribe' });
      const locale = pageLocale(verified.locale, request.acceptLanguage);
      const page = (name: LinkPage, items?: string[]) => renderLinkPage({ page: name, locale, ...(items ? { items } : {}) });
      if (!verified.ok) return page(verified.reason === 'expired' ? 'expired' : 'invalid');
      const purpose = verified.purpose!;
      if (request.method !== 'POST') return page('unsubscribe', [options.site.label(purpose, locale)]);
      if (!(await request.oneClick())) return { ...page('invalid'), status: 400 };
      await withdraw(verified.address!, purpose, verified.tokenId);
      return page('unsubscribed');
    },

    async stop() {
      await Promise.all([...inFlight]);
    },
  };
}
