/**
 * How many mails one post or link request may cause, counted in the store
 * (across processes and instances) by opaque keys: keyed hashes of the
 * mailbox and the client, never an address or an IP address in clear.
 *
 * A mail counts against four allowances, and goes only if each has room.
 * The first two are counted per kind of mail (consent, data request, link),
 * so using up one kind leaves the others alone:
 * - this mailbox from this client (`max` in `windowMs`: 3 a day): what one
 *   visitor, or one stranger, can make the site send to one person;
 * - this mailbox from everyone (`mailboxMax`: 10 a day), so nobody is
 *   flooded from many clients;
 * - this client to anyone (`clientMax` an hour): no relay to many addresses;
 * - this device key to anyone (`keyMax` an hour), for signed records.
 * So a stranger on another network cannot spend the owner's allowance: the
 * owner's own data request and link request still go out. A stranger with
 * many networks can still use up the per-mailbox ceiling of one kind; that
 * ceiling is what keeps the mailbox from a flood.
 */
import type { MailCapCount } from '../store/store.js';
import type { LinkTokens } from './link-tokens.js';

export interface MailCap {
  /** Mails to one mailbox from one client in `windowMs` (`MAIL_CAP`). */
  max: number;
  windowMs: number;
  /** Mails of one kind to one mailbox from all clients together in `windowMs` (`MAIL_CAP_MAILBOX`). */
  mailboxMax?: number;
  /** Mails one client (an IPv4 address, an IPv6 /64) causes to any address in `clientWindowMs` (`MAIL_CAP_CLIENT`). */
  clientMax?: number;
  /** Mails one device key causes to any address in `clientWindowMs` (`MAIL_CAP_KEY`). */
  keyMax?: number;
  clientWindowMs?: number;
}

export const DEFAULT_MAIL_CAP = {
  max: 3,
  windowMs: 24 * 60 * 60 * 1000,
  mailboxMax: 10,
  clientMax: 20,
  keyMax: 5,
  clientWindowMs: 60 * 60 * 1000,
} as const satisfies Required<MailCap>;

/** The kinds whose per-mailbox ceilings are counted apart. */
export type MailGroup = 'consent' | 'request' | 'link';

export interface MailCause {
  /** The address the mail goes to. */
  to: string;
  /** The client that caused it (`clientKey`); `unknown` when the receiver cannot tell (an embedding server that does not say). */
  client: string;
  /** The device key that signed the record, if a record caused it. */
  kid?: string;
  group: MailGroup;
}

/** The allowances a mail counts against. An unknown client shares one bucket per mailbox and has no client-wide cap. */
export function mailCaps(tokens: Pick<LinkTokens, 'mailboxHash' | 'capHash'>, cap: MailCap, cause: MailCause): MailCapCount[] {
  const limits = { ...DEFAULT_MAIL_CAP, ...cap };
  const mailbox = tokens.mailboxHash(cause.to);
  const caps: MailCapCount[] = [
    { key: `mailbox-client:${cause.group}:${tokens.capHash(`${mailbox} ${cause.client}`)}`, max: limits.max, windowMs: limits.windowMs },
    { key: `mailbox:${cause.group}:${mailbox}`, max: limits.mailboxMax, windowMs: limits.windowMs },
  ];
  if (cause.client !== 'unknown') caps.push({ key: `client:${tokens.capHash(cause.client)}`, max: limits.clientMax, windowMs: limits.clientWindowMs });
  if (cause.kid) caps.push({ key: `key:${tokens.capHash(cause.kid)}`, max: limits.keyMax, windowMs: limits.clientWindowMs });
  return caps;
}
