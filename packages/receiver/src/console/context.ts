/**
 * What the console's routes and the office's notices share, made once per
 * receiver (feature.ts): the settings with their defaults, the cookies' names
 * and keys, who may sign in, the OpenID Connect client, the mail queue, the
 * session checks (access.ts), and the background work a stopping receiver
 * waits for.
 *
 * The route files read it in their handlers only, never while declaring: the
 * OpenAPI document's app declares the routes of a console that does not exist
 * (openapi.ts).
 */
import type { MailCap } from '../mail/caps.js';
import type { MailLocale } from '../mail/layout.js';
import type { LinkTokens } from '../mail/link-tokens.js';
import type { SiteText } from '../mail/site.js';
import type { ServerKey } from '../records/countersign.js';
import type { RecordStore, StoredRecord } from '../store/store.js';
import { consoleAccess, type ConsoleAccess } from './access.js';
import type { NoticeDocuments } from './answer.js';
import { oidcClient, type OidcClient } from './oidc.js';
import { consoleKeys, cookieNames, type ConsoleKeys, type CookieNames } from './session.js';
import { allowedUser, CONSOLE_DEFAULTS, type ConsoleOptions } from './settings.js';
import type { SubjectOptions } from './subject.js';
import type { SignInOptions } from './types.js';

export const CONSOLE_PATH = '/console';
/** A mailed sign-in link: this, then its token. */
export const LINK_PATH = `${CONSOLE_PATH}/auth/link/`;
/** Where the OpenID Connect provider sends the browser back: the redirect URI to register there. */
export const CALLBACK_PATH = `${CONSOLE_PATH}/auth/oidc/callback`;

export interface ConsoleDeps {
  options: ConsoleOptions;
  store: RecordStore;
  /** Signs the console's events. */
  key: ServerKey;
  /** The receiver key's private bytes: the cookies' and links' keys derive from them. */
  secret: Uint8Array;
  /** Hashes for mail caps. */
  tokens: Pick<LinkTokens, 'mailboxHash' | 'capHash'>;
  /** The receiver's public URL (`PUBLIC_URL`): the origin state-changing calls must come from, and links' base. */
  publicUrl: string;
  site: SiteText;
  /** Mail is on: sign-in links, notices, the digest and messages go through the mail queue. */
  mail?: { cap: MailCap; wake(): void } | undefined;
  /** Webhooks: a closure's `request.closed` messages. */
  hooks?: { endpoints: readonly string[]; queued(): void } | undefined;
  /** The site's privacy notice per language, quoted in the Art. 15 answer. */
  notices?: NoticeDocuments | undefined;
  /** The audit options the command line's `export` uses. */
  maxSkewSeconds: number;
}

export interface ConsoleContext {
  deps: ConsoleDeps;
  options: ConsoleOptions;
  store: RecordStore;
  /** The reads the store has no query for yet. */
  key: ServerKey;
  site: SiteText;
  /** The clock (`options.now`, for tests). */
  now(): Date;
  idleMs: number;
  absoluteMs: number;
  linkTtlMs: number;
  officeLocale: MailLocale;
  /** The origin state-changing calls must come from, and every link's. */
  publicOrigin: string;
  names: CookieNames;
  keys: ConsoleKeys;
  /** Whether an address may sign in (`CONSOLE_USERS`). */
  allowed(email: string): boolean;
  /** Someone may sign in: the console's routes are mounted (without, only the office's notices go out). */
  routesOn: boolean;
  mail: ConsoleDeps['mail'];
  /** The privacy office's mailbox, when it is set and mail is on. */
  office: string | undefined;
  /** The company's provider, when configured (and someone may sign in). */
  oidc: OidcClient | undefined;
  /** Sign-in links are on: someone may sign in, and mail is on. */
  linksOn: boolean;
  subjectOptions: SubjectOptions;
  /** How a signed-out caller can sign in: told with every 401. */
  signInOptions(): SignInOptions;
  /** The console's page, or a request's view in it (the office's mails link there). */
  consoleUrl(row?: Pick<StoredRecord, 'id' | 'kid'>): string;
  /** Work after an answer (a link request's mail, the digest), waited for by `settle`. */
  track<T>(work: Promise<T>): Promise<T>;
  settle(): Promise<void>;
  access: ConsoleAccess;
}

export function consoleContext(deps: ConsoleDeps): ConsoleContext {
  const { options, store } = deps;
  const publicUrl = deps.publicUrl.replace(/\/+$/, '');
  const publicOrigin = new URL(publicUrl).origin;
  const routesOn = options.users.length > 0;
  const mail = deps.mail;
  const oidc = options.oidc && routesOn ? oidcClient(options.oidc, `${publicOrigin}${CALLBACK_PATH}`) : undefined;
  const linksOn = routesOn && Boolean(mail);
  const inFlight = new Set<Promise<unknown>>();
  const base: Omit<ConsoleContext, 'access'> = {
    deps,
    options,
    store,
    key: deps.key,
    site: deps.site,
    now: options.now ?? (() => new Date()),
    idleMs: options.idleMs ?? CONSOLE_DEFAULTS.idleMs,
    absoluteMs: options.absoluteMs ?? CONSOLE_DEFAULTS.absoluteMs,
    linkTtlMs: options.linkTtlMs ?? CONSOLE_DEFAULTS.linkTtlMs,
    officeLocale: options.officeLocale ?? CONSOLE_DEFAULTS.officeLocale,
    publicOrigin,
    // Over https the `__Host-` names and Secure; plain names on loopback http only (settings.ts checks).
    names: cookieNames(new URL(publicUrl).protocol === 'https:'),
    keys: consoleKeys(deps.secret),
    allowed: allowedUser(options.users),
    routesOn,
    mail,
    office: options.officeEmail && mail ? options.officeEmail : undefined,
    oidc,
    linksOn,
    subjectOptions: {
      audit: { maxSkewSeconds: deps.maxSkewSeconds },
      receiverKey: deps.key.publicJwk,
      warn: (line) => console.error(`[receiver] console: ${line}`),
    },
    signInOptions: () => ({ oidc: Boolean(oidc), link: linksOn }),
    consoleUrl: (row) => `${publicOrigin}${CONSOLE_PATH}${row ? `#/requests/${encodeURIComponent(row.id)}?kid=${encodeURIComponent(row.kid)}` : ''}`,
    track(work) {
      inFlight.add(work);
      void work.finally(() => inFlight.delete(work)).catch(() => undefined);
      return work;
    },
    settle: async () => {
      await Promise.all([...inFlight]);
    },
  };
  return { ...base, access: consoleAccess(base) };
}
