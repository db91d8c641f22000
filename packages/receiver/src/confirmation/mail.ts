/**
 * The glue between a stored record and its queued mail: issues the confirm
 * token, builds the link and the message, and says what the store keys the
 * row and the per-address cap by. Pure (given `now`), so the store can call it
 * inside the transaction that stores the record.
 */
import type { ConsentRecord, DataRequest } from '@optimesys/privacy-records/schemas';
import { composeConfirmation, composeKnownAddress, composeWithdrawalNotice, needsConfirmation, type KnownChoice } from '../mail/compose.js';
import { type MailMessage } from '../mail/layout.js';
import type { SiteText } from '../mail/site.js';
import type { LinkTokens } from '../mail/link-tokens.js';

/** Route of the confirmation pages: GET shows the button, POST confirms. */
export const CONFIRM_PATH = '/confirm/';
/** Route of the pages that turn back on what a withdrawal from an unknown device turned off. */
export const RESTORE_PATH = '/restore/';

/** `<publicUrl>/confirm/<token>`; `publicUrl` is an origin, optionally with a base path. */
export function confirmUrl(publicUrl: string, token: string, path = CONFIRM_PATH): string {
  return `${publicUrl.replace(/\/+$/, '')}${path}${token}`;
}

export interface ConfirmationMail {
  message: MailMessage;
  /** Keyed hash of the address: what the per-address cap counts by. */
  addressKey: string;
  kind: 'confirm';
  /** `known`: the known-address variant (a preference link first). */
  variant: 'plain' | 'known';
  recordId: string;
  expiresAt: Date;
  /** The link's token id: the mail job keeps it, so the link confirms exactly the record it was mailed for. */
  tokenId: string;
}

export interface ConfirmationMailInput {
  record: ConsentRecord | DataRequest;
  tokens: LinkTokens;
  publicUrl: string;
  now?: Date;
  /** Token lifetime (ms); default 7 days. */
  ttlMs?: number;
  /** A data request's due date from its receipt. */
  dueBy?: string;
  /** The preference page, linked as "manage your choices" in consent mails. */
  manageUrl?: string;
  /** Labels and pages as the site names them. */
  site?: SiteText;
  /**
   * The address already has confirmed choices and this record's key has none
   * for it: the known-address variant, led by a preference link (consent records only).
   */
  known?: KnownAddress;
}

/** What the known-address variant needs besides the record. */
export interface KnownAddress {
  /** The address's current choices. */
  current: KnownChoice[];
  /** Purposes this record turned off that were on. */
  withdrawn?: string[];
  /** Builds the preference page URL for a `prefs` token. */
  preferencesUrl(token: string): string;
  /** Lifetime of that token (ms); default `KNOWN_PREFS_TTL_MS`. */
  ttlMs?: number;
}

/**
 * A preference link mailed with a confirmation lives a day, not the hour of a
 * link asked for on the preference page: the visitor may read the mail later.
 */
export const KNOWN_PREFS_TTL_MS = 24 * 60 * 60 * 1000;

/** The confirmation mail of a newly stored record, or undefined when it needs none (a withdrawal). */
export function confirmationMail(input: ConfirmationMailInput): ConfirmationMail | undefined {
  const { record, tokens } = input;
  if (!needsConfirmation(record)) return undefined;
  const now = input.now ?? new Date();
  const address = record.subject.email;
  const token = tokens.issue(
    { kind: 'confirm', recordId: record.id, address, locale: record.locale },
    { now, ...(input.ttlMs ? { ttlMs: input.ttlMs } : {}) },
  );
  const verified = tokens.verify(token, { kind: 'confirm', now });
  if (!verified.ok) throw new Error('A token just issued does not verify');
  const common = {
    confirmUrl: confirmUrl(input.publicUrl, token),
    expiresAt: verified.expiresAt,
    ...(input.manageUrl ? { manageUrl: input.manageUrl } : {}),
    ...(input.site ? { site: input.site } : {}),
  };
  let message: MailMessage;
  if (input.known && record.type === 'consent') {
    const prefs = tokens.issue({ kind: 'prefs', address, locale: record.locale }, { now, ttlMs: input.known.ttlMs ?? KNOWN_PREFS_TTL_MS });
    const prefsVerified = tokens.verify(prefs, { kind: 'prefs', now });
    if (!prefsVerified.ok) throw new Error('A token just issued does not verify');
    message = composeKnownAddress({
      ...common,
      record,
      current: input.known.current,
      ...(input.known.withdrawn?.length ? { withdrawn: input.known.withdrawn } : {}),
      preferencesUrl: input.known.preferencesUrl(prefs),
      preferencesExpiresAt: prefsVerified.expiresAt,
    });
  } else {
    message = composeConfirmation({ ...common, record, ...(input.dueBy ? { dueBy: input.dueBy } : {}) });
  }
  return {
    message,
    addressKey: tokens.addressHash(address),
    kind: 'confirm',
    variant: input.known && record.type === 'consent' ? 'known' : 'plain',
    recordId: record.id,
    expiresAt: verified.expiresAt,
    tokenId: verified.tokenId,
  };
}

export interface WithdrawalNoticeMail {
  message: MailMessage;
  expiresAt: Date;
  /** The restore link's token id: the mail job keeps it, so the link restores exactly what this record turned off. */
  tokenId: string;
}

/** The notice of a withdrawal from a device that never proved the mailbox, with its link that turns the purposes back on. */
export function withdrawalNoticeMail(input: {
  record: ConsentRecord;
  withdrawn: string[];
  receivedAt: string;
  tokens: LinkTokens;
  publicUrl: string;
  manageUrl?: string;
  site?: SiteText;
  now?: Date;
}): WithdrawalNoticeMail {
  const { record, tokens } = input;
  const now = input.now ?? new Date();
  const token = tokens.issue({ kind: 'restore', recordId: record.id, address: record.subject.email, locale: record.locale }, { now });
  const verified = tokens.verify(token, { kind: 'restore', now });
  if (!verified.ok) throw new Error('A token just issued does not verify');
  const message = composeWithdrawalNotice({
    record,
    withdrawn: input.withdrawn,
    receivedAt: input.receivedAt,
    restoreUrl: confirmUrl(input.publicUrl, token, RESTORE_PATH),
    expiresAt: verified.expiresAt,
    ...(input.manageUrl ? { manageUrl: input.manageUrl } : {}),
    ...(input.site ? { site: input.site } : {}),
  });
  return { message, expiresAt: verified.expiresAt, tokenId: verified.tokenId };
}
