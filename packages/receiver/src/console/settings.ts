/**
 * The console's settings: who may sign in (`CONSOLE_USERS`), the company's
 * OpenID Connect provider (`CONSOLE_OIDC_*`), the privacy office's mailbox
 * for notices and the daily digest (`PRIVACY_OFFICE_EMAIL`). Checked at
 * start-up: a typo in who may sign in must stop the receiver, not lock the
 * office out (or let someone else in) later.
 */
import { Email } from '@optimesys/privacy-records/schemas';
import { emailKey } from '../store/store.js';
import type { MailLocale } from '../mail/layout.js';

export interface ConsoleOidc {
  /** The provider's issuer identifier, e.g. `https://login.microsoftonline.com/<tenant>/v2.0` or `https://accounts.google.com`. */
  issuer: string;
  clientId: string;
  /** Sent as `client_secret_post` (what Entra ID and Google both accept). */
  clientSecret?: string | undefined;
}

/** `ReceiverOptions.console`: the privacy office's console at `/console` and its notices. */
export interface ConsoleOptions {
  /**
   * Who may sign in: addresses (`dpo@optimesys.fi`) and whole domains (`@optimesys.fi`), the same
   * rule for the provider's accounts and for mailed links. Empty: no sign-in, no console routes
   * (the office's notices still go out when `officeEmail` is set).
   */
  users: readonly string[];
  /** Sign-in with the company's accounts (authorization code with PKCE). */
  oidc?: ConsoleOidc | undefined;
  /** `PRIVACY_OFFICE_EMAIL`: told of new and confirmed data requests, and sent the daily digest of due ones. */
  officeEmail?: string | undefined;
  /** Language of the office's mails; default `fi`. */
  officeLocale?: MailLocale;
  /** From this hour on (Finnish time, 0–23) the day's digest goes; default 8. */
  digestHour?: number;
  /** How often each process looks whether the day's digest is due (ms); default 10 minutes. */
  digestCheckMs?: number;
  /** A session ends after this long without a call (ms); default 30 minutes. */
  idleMs?: number;
  /** … and this long after sign-in whatever happens (ms); default 8 hours. */
  absoluteMs?: number;
  /** A mailed sign-in link is valid this long (ms); default 15 minutes. */
  linkTtlMs?: number;
  /** The receiver's public origin when mail is off (with mail on, `mail.publicUrl` is it). */
  publicUrl?: string | undefined;
  /** The built front end (`index.html`, `app.js`, `console.css`); default the package's `dist/console`. */
  assetsDir?: string;
  /** The clock (tests); default `new Date()`. */
  now?: () => Date;
}

export const CONSOLE_DEFAULTS = {
  officeLocale: 'fi',
  digestHour: 8,
  digestCheckMs: 10 * 60_000,
  idleMs: 30 * 60_000,
  absoluteMs: 8 * 3_600_000,
  linkTtlMs: 15 * 60_000,
} as const;

export const CONSOLE_USAGE = `Console (environment):
  CONSOLE_USERS              who may sign in to /console: addresses and @domains, comma-separated
                             (e.g. dpo@optimesys.fi,@optimesys.fi); without it /console is off (404)
  CONSOLE_OIDC_ISSUER        the company's OpenID Connect provider (Entra ID, Google Workspace …);
  CONSOLE_OIDC_CLIENT_ID     its redirect URI is PUBLIC_URL/console/auth/oidc/callback; accounts need a
  CONSOLE_OIDC_CLIENT_SECRET verified e-mail address in CONSOLE_USERS. Without it: mailed one-time links only
  PRIVACY_OFFICE_EMAIL       told when a data request arrives and when its sender confirms it, and sent a
                             daily digest of requests due within 7 days or overdue (none when there are none)
`;

export class ConsoleConfigError extends Error {
  override name = 'ConsoleConfigError';
}

/** Whether `email` may sign in: listed itself, or its domain listed as `@domain`. */
export function allowedUser(users: readonly string[]): (email: string) => boolean {
  const addresses = new Set<string>();
  const domains = new Set<string>();
  for (const entry of users) {
    if (entry.startsWith('@')) domains.add(emailKey(`x${entry}`).slice(2));
    else addresses.add(emailKey(entry));
  }
  return (email) => {
    let key: string;
    try {
      key = emailKey(email);
    } catch {
      return false;
    }
    if (!Email.safeParse(key).success) return false;
    return addresses.has(key) || domains.has(key.slice(key.lastIndexOf('@') + 1));
  };
}

/** Checks a list of users: every entry an address or `@domain`. */
export function parseUsers(text: string): string[] {
  const entries = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const entry of entries) {
    const address = entry.startsWith('@') ? `x${entry}` : entry;
    let ok = false;
    try {
      ok = Email.safeParse(emailKey(address)).success;
    } catch {
      ok = false;
    }
    if (!ok) throw new ConsoleConfigError(`CONSOLE_USERS: "${entry}" is neither an e-mail address nor an @domain`);
  }
  return entries;
}

/** The console's settings from the environment; undefined when neither the console nor the office's notices are configured. */
export function consoleSettings(env: NodeJS.ProcessEnv): ConsoleOptions | undefined {
  const value = (name: string) => (env[name] ?? '').trim() || undefined;
  const users = parseUsers(value('CONSOLE_USERS') ?? '');
  const officeEmail = value('PRIVACY_OFFICE_EMAIL');
  if (officeEmail && !Email.safeParse(emailKey(officeEmail)).success) throw new ConsoleConfigError('PRIVACY_OFFICE_EMAIL is not an e-mail address');
  const issuer = value('CONSOLE_OIDC_ISSUER');
  const clientId = value('CONSOLE_OIDC_CLIENT_ID');
  const clientSecret = value('CONSOLE_OIDC_CLIENT_SECRET');
  let oidc: ConsoleOidc | undefined;
  if (issuer || clientId || clientSecret) {
    if (!issuer || !clientId) throw new ConsoleConfigError('CONSOLE_OIDC_ISSUER and CONSOLE_OIDC_CLIENT_ID go together (and CONSOLE_OIDC_CLIENT_SECRET for a confidential client)');
    let url: URL;
    try {
      url = new URL(issuer);
    } catch {
      throw new ConsoleConfigError('CONSOLE_OIDC_ISSUER is not a URL');
    }
    if (url.protocol !== 'https:' && !isLoopback(url.hostname)) throw new ConsoleConfigError('CONSOLE_OIDC_ISSUER must be an https URL');
    oidc = { issuer, clientId, clientSecret };
  }
  if (!users.length && oidc) throw new ConsoleConfigError('CONSOLE_OIDC_ISSUER needs CONSOLE_USERS: who of the provider\'s accounts may sign in');
  if (!users.length && !officeEmail) return undefined;
  return { users, ...(oidc ? { oidc } : {}), ...(officeEmail ? { officeEmail } : {}) };
}

/** A host that only this machine reaches: plain http is acceptable there (a development setup, tests). */
export function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || hostname === '::1' || /^127(?:\.\d{1,3}){3}$/.test(hostname);
}
