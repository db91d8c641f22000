/**
 * The glue between a stored record and its queued mail: issues the confirm
 * token, builds the link and the message, and says what the store keys the
 * row and the per-address cap by. Pure (given `now`), so the store can call it
 * inside the transaction that stores the record.
 */
import type { ConsentRecord, DataRequest } from '../../records/schemas.js';
import { composeConfirmation, needsConfirmation, type MailMessage } from './compose.js';
import type { LinkTokens } from './tokens.js';

/** Route of the confirmation pages: GET shows the button, POST confirms. */
export const CONFIRM_PATH = '/confirm/';

/** `<publicUrl>/confirm/<token>`; `publicUrl` is an origin, optionally with a base path. */
export function confirmUrl(publicUrl: string, token: string): string {
  return `${publicUrl.replace(/\/+$/, '')}${CONFIRM_PATH}${token}`;
}

export interface ConfirmationMail {
  message: MailMessage;
  /** Keyed hash of the address: what the per-address cap counts by. */
  addressKey: string;
  kind: 'confirm';
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
}

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
  const message = composeConfirmation({
    record,
    confirmUrl: confirmUrl(input.publicUrl, token),
    expiresAt: verified.expiresAt,
    ...(input.dueBy ? { dueBy: input.dueBy } : {}),
    ...(input.manageUrl ? { manageUrl: input.manageUrl } : {}),
  });
  return {
    message,
    addressKey: tokens.addressHash(address),
    kind: 'confirm',
    recordId: record.id,
    expiresAt: verified.expiresAt,
    tokenId: verified.tokenId,
  };
}
