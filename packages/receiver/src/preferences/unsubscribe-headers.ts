/**
 * RFC 8058 one-click unsubscribe headers for the site's newsletter tool,
 * outside a running receiver: the link token key is the receiver's own
 * (`<dataDir>/receiver-key.json`), so the receiver that shares that folder
 * (or a copy of the key file) accepts the URLs.
 */
import { createLinkTokens } from '../mail/link-tokens.js';
import { openServerKey } from '../store/open.js';
import { unsubscribeHeadersWith, type UnsubscribeHeaders } from './feature.js';
import type { MailLocale } from '../mail/layout.js';

export type { UnsubscribeHeaders } from './feature.js';

export interface UnsubscribeHeadersOptions {
  /** The receiver's data folder (its key); default `DATA_DIR` or `./data`. */
  dataDir?: string;
  /** The receiver's public https origin; default `PUBLIC_URL`. */
  publicUrl?: string;
  /** Adds `<mailto:…>` to List-Unsubscribe; default `MAIL_UNSUBSCRIBE_TO`. */
  mailto?: string;
}

const keys = new Map<string, ReturnType<typeof createLinkTokens>>();

/**
 * `List-Unsubscribe: <https://…/unsubscribe/<token>>[, <mailto:…>]` and
 * `List-Unsubscribe-Post: List-Unsubscribe=One-Click` for one recipient and
 * purpose. The URL is opaque, valid for 3 years and withdraws that purpose only.
 */
export async function unsubscribeHeaders(
  input: { email: string; purpose: string; locale?: MailLocale },
  options: UnsubscribeHeadersOptions = {},
): Promise<UnsubscribeHeaders> {
  const dataDir = options.dataDir ?? process.env.DATA_DIR ?? 'data';
  const publicUrl = options.publicUrl ?? process.env.PUBLIC_URL;
  if (!publicUrl) throw new TypeError('unsubscribeHeaders needs publicUrl (or PUBLIC_URL): the https origin of the receiver');
  let tokens = keys.get(dataDir);
  if (!tokens) keys.set(dataDir, (tokens = createLinkTokens((await openServerKey(dataDir)).secret)));
  const mailto = options.mailto ?? (process.env.MAIL_UNSUBSCRIBE_TO?.trim() || undefined);
  return unsubscribeHeadersWith(tokens, { publicUrl, mailto })(input);
}
