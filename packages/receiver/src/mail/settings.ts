/**
 * Mail settings from the environment: `SMTP_URL`, `MAIL_FROM`, `DKIM_DOMAIN`,
 * `DKIM_SELECTOR`, `DKIM_KEY_FILE`, `PUBLIC_URL`, `MAIL_CAP*`. Checked at
 * start-up so a typo stops the receiver instead of losing mail later.
 */
import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { DEFAULT_MAIL_CAP, type MailCap } from './caps.js';
import { parseMailbox } from './mime.js';
import type { MailTransportConfig } from './transport.js';

export class MailConfigError extends Error {
  override name = 'MailConfigError';
}

export interface MailConfig {
  transport: MailTransportConfig;
  /** Origin (and optional base path) of the links in mails, without a trailing slash. */
  publicUrl: string;
  cap: MailCap;
}

export const MAIL_USAGE = `Mail (environment):
  SMTP_URL                   smtp://user:pass@host:587 or smtps://…; without it mails are .eml files in DATA_DIR/mail/ (see /mailbox.html)
  MAIL_FROM                  From address, e.g. "OptimeSys <tietosuoja@optimesys.fi>" (required with SMTP_URL)
  DKIM_DOMAIN, DKIM_SELECTOR, DKIM_KEY_FILE   sign with DKIM (all three, the key file a PEM private key)
  PUBLIC_URL                 origin of the links in mails, e.g. https://privacy.optimesys.fi (required with SMTP_URL)
  MAIL_CAP                   mails of one kind to one mailbox from one client in 24 h, default 3
  MAIL_CAP_MAILBOX           mails of one kind to one mailbox from all clients in 24 h, default 10
  MAIL_CAP_CLIENT            mails one client (IPv4 address, IPv6 /64) causes in an hour, default 20
  MAIL_CAP_KEY               mails one device key causes in an hour, default 5
`;

export interface MailConfigContext {
  dataDir: string;
  /** Where the receiver listens: the default PUBLIC_URL of the demo. */
  host?: string;
  port?: number;
}

export function parseMailConfig(env: NodeJS.ProcessEnv, context: MailConfigContext): MailConfig {
  const value = (name: string) => (env[name] ?? '').trim() || undefined;
  const smtpUrl = value('SMTP_URL');
  if (smtpUrl) {
    let url: URL;
    try {
      url = new URL(smtpUrl);
    } catch {
      throw new MailConfigError('SMTP_URL is not a URL (smtp://user:pass@host:587)');
    }
    if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') throw new MailConfigError('SMTP_URL must start with smtp:// or smtps://');
  }

  const from = value('MAIL_FROM');
  if (smtpUrl && !from) throw new MailConfigError('MAIL_FROM is required with SMTP_URL');
  if (from) {
    try {
      parseMailbox(from); // what every mail's From will be: refused now, not by each send for good
    } catch (error) {
      throw new MailConfigError(`MAIL_FROM: ${(error as Error).message} (e.g. "OptimeSys <tietosuoja@optimesys.fi>")`);
    }
  }

  const publicUrl = value('PUBLIC_URL') ?? (smtpUrl ? undefined : `http://${context.host ?? '127.0.0.1'}:${context.port ?? 8787}`);
  if (!publicUrl) throw new MailConfigError('PUBLIC_URL is required with SMTP_URL: the links in mails must reach this receiver');
  let parsedPublic: URL;
  try {
    parsedPublic = new URL(publicUrl);
  } catch {
    throw new MailConfigError('PUBLIC_URL is not a URL');
  }
  if (!/^https?:$/.test(parsedPublic.protocol) || parsedPublic.search || parsedPublic.hash || parsedPublic.username) {
    throw new MailConfigError('PUBLIC_URL must be an http(s) origin, optionally with a path, nothing else');
  }

  const dkimValues = [value('DKIM_DOMAIN'), value('DKIM_SELECTOR'), value('DKIM_KEY_FILE')];
  let dkim: MailTransportConfig['dkim'];
  if (dkimValues.some(Boolean)) {
    const [domainName, keySelector, keyFile] = dkimValues;
    if (!domainName || !keySelector || !keyFile) throw new MailConfigError('DKIM needs DKIM_DOMAIN, DKIM_SELECTOR and DKIM_KEY_FILE together');
    let privateKey: string;
    try {
      privateKey = readFileSync(keyFile, 'utf8');
      createPrivateKey(privateKey); // fail now, not at the first send
    } catch (error) {
      throw new MailConfigError(`DKIM_KEY_FILE ${keyFile}: ${(error as Error).message}`);
    }
    dkim = { domainName, keySelector, privateKey };
  }

  const count = (name: string, fallback: number) => {
    const text = value(name);
    const n = text === undefined ? fallback : Number(text);
    if (!Number.isInteger(n) || n < 1) throw new MailConfigError(`${name} must be a whole number ≥ 1, not "${text}"`);
    return n;
  };
  const cap: MailCap = {
    ...DEFAULT_MAIL_CAP,
    max: count('MAIL_CAP', DEFAULT_MAIL_CAP.max),
    mailboxMax: count('MAIL_CAP_MAILBOX', DEFAULT_MAIL_CAP.mailboxMax),
    clientMax: count('MAIL_CAP_CLIENT', DEFAULT_MAIL_CAP.clientMax),
    keyMax: count('MAIL_CAP_KEY', DEFAULT_MAIL_CAP.keyMax),
  };

  return {
    transport: {
      ...(smtpUrl ? { smtpUrl } : {}),
      from: from ?? 'Privacy receiver (demo) <no-reply@localhost>',
      ...(dkim ? { dkim } : {}),
      dataDir: context.dataDir,
    },
    publicUrl: `${parsedPublic.origin}${parsedPublic.pathname.replace(/\/+$/, '')}`,
    cap,
  };
}
