/**
 * How a composed message leaves the receiver: over SMTP (`SMTP_URL`), signed
 * with DKIM when configured, or, without SMTP, as an RFC 5322 `.eml` file
 * under `<dataDir>/mail/` for the demo's mailbox page. `mime.ts` builds the
 * message; nodemailer gets it as finished bytes (`raw` with an `envelope`)
 * and only signs (DKIM) and delivers it.
 *
 * `send` rejects with a `MailSendError` whose `retryable` says what the queue
 * does next: SMTP 4xx and connection problems are retried with backoff; a
 * 5xx reply (the server refused this message for good) is not.
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, mkdir, open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import type { MailMessage } from './layout.js';
import { serializeMail, type SerializedMail } from './mime.js';

export interface DkimConfig {
  domainName: string;
  keySelector: string;
  /** PEM of the private key (the content of `DKIM_KEY_FILE`, not its path). */
  privateKey: string;
}

export interface MailTransportConfig {
  /** `smtp://user:pass@host:587` or `smtps://…`; without it messages go to `.eml` files. */
  smtpUrl?: string;
  /** The From header, e.g. `OptimeSys <tietosuoja@optimesys.fi>`. */
  from: string;
  dkim?: DkimConfig;
  /** Where `.eml` files go (in `<dataDir>/mail/`) when there is no `smtpUrl`. */
  dataDir?: string;
  /**
   * The longest one send may take in all (ms), default 30 s, which suits a mail server on the same
   * network: SMTP aborts it then (its socket timeouts are this too); a file that could not be written
   * by then is not written. The queue's lease must leave room for it (see `sender.ts`).
   */
  timeoutMs?: number;
}

/** What the queue stores for a message: the composed parts (see `compose.ts`). */
export type OutgoingMail = Pick<MailMessage, 'to' | 'subject' | 'text' | 'html' | 'headers'>;

export interface MailTransport {
  /** `smtp` or `file`, for logs and `/readyz`. */
  readonly kind: 'smtp' | 'file';
  /**
   * The longest one `send` takes (ms): by then it has resolved, or rejected as retryable and gone no
   * further. The sender starts a send only while its lease has more than this left.
   */
  readonly timeoutMs: number;
  /** Resolves with the Message-ID; rejects with `MailSendError`. */
  send(message: OutgoingMail): Promise<{ messageId: string }>;
  /** For `/readyz`: the SMTP server answers and takes our login, or the mail directory is writable. Never throws. */
  check(): Promise<{ ok: true } | { ok: false; error: string }>;
  close(): void;
}

/** A failed send. `retryable`: the same message may go through later; `responseCode`: the SMTP reply, if any. */
export class MailSendError extends Error {
  override name = 'MailSendError';
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly responseCode?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

interface NodemailerFailure {
  message?: string;
  code?: string;
  responseCode?: number;
  response?: string;
}

/**
 * RFC 5321: 5yz is a permanent refusal, 4yz transient. 503 (bad sequence) is
 * a session problem, not a verdict on the message. An error without a reply
 * (refused connection, timeout, DNS) is an outage: retry. Authentication
 * failures are retried too: a wrong password is the operator's to fix, and
 * the mail must still go out once it is.
 */
export function classifySendError(error: unknown): MailSendError {
  if (error instanceof MailSendError) return error;
  const e = (error ?? {}) as NodemailerFailure;
  const code = typeof e.responseCode === 'number' ? e.responseCode : undefined;
  const permanent = code !== undefined && code >= 500 && code < 600 && code !== 503 && e.code !== 'EAUTH';
  const text = e.response ?? e.message ?? String(error);
  return new MailSendError(text, !permanent, code, { cause: error });
}

/**
 * The message as bytes. A message that cannot be written (a CR or LF in a
 * header, a bad address) fails the same way on every try: not retryable.
 */
function serialize(message: OutgoingMail, from: string): SerializedMail {
  try {
    return serializeMail({ ...message, from });
  } catch (error) {
    throw new MailSendError(String((error as Error)?.message ?? error), false, undefined, { cause: error });
  }
}

export function createMailTransport(config: MailTransportConfig): MailTransport {
  return config.smtpUrl ? smtpTransport(config, config.smtpUrl) : fileTransport(config);
}

/** A send's whole time limit unless `timeoutMs` says otherwise. */
export const DEFAULT_SEND_TIMEOUT_MS = 30_000;

function smtpTransport(config: MailTransportConfig, smtpUrl: string): MailTransport {
  const timeout = config.timeoutMs ?? DEFAULT_SEND_TIMEOUT_MS;
  const transporter = nodemailer.createTransport({
    url: smtpUrl,
    // One connection kept open for a burst of confirmations, instead of a TCP and SMTP handshake per mail.
    pool: true,
    maxConnections: 1,
    maxMessages: 100,
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: timeout,
    ...(config.dkim ? { dkim: { ...config.dkim } } : {}),
  });
  return {
    kind: 'smtp',
    timeoutMs: timeout,
    async send(message) {
      const mail = serialize(message, config.from);
      try {
        // The socket timeouts only bound each wait, and a server that answers slowly step by step could
        // stretch a send past its lease: the signal ends the whole send at `timeout` (nodemailer closes
        // the connection it was on; the pool opens another for the next).
        const signal = AbortSignal.timeout(timeout);
        await transporter.sendMail({ envelope: mail.envelope, raw: mail.raw, signal } as Parameters<typeof transporter.sendMail>[0]);
        return { messageId: mail.messageId };
      } catch (error) {
        if ((error as { code?: string })?.code === 'EABORT') {
          // No verdict from the server: retried, like a socket timeout.
          throw new MailSendError(`no answer from the SMTP server within ${timeout} ms`, true, undefined, { cause: error });
        }
        throw classifySendError(error);
      }
    },
    async check() {
      try {
        await transporter.verify();
        return { ok: true as const };
      } catch (error) {
        return { ok: false as const, error: classifySendError(error).message };
      }
    },
    close: () => transporter.close(),
  };
}

/** `20261203T050203123Z-<random>.eml`: sorts by time, unique across processes. */
export function emlName(now = new Date()): string {
  return `${now.toISOString().replace(/[-:.]/g, '')}-${randomBytes(6).toString('hex')}.eml`;
}

function fileTransport(config: MailTransportConfig): MailTransport {
  if (!config.dataDir) throw new TypeError('Without smtpUrl a dataDir is needed for the .eml files');
  const dir = join(config.dataDir, 'mail');
  const timeout = config.timeoutMs ?? DEFAULT_SEND_TIMEOUT_MS;
  let made = false;
  // Only to sign: the same DKIM signing as SMTP, the signed bytes end up in a file. Unsigned bytes go as they are.
  const signer = config.dkim
    ? nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows', dkim: { ...config.dkim } })
    : undefined;
  return {
    kind: 'file',
    timeoutMs: timeout,
    async send(message) {
      const deadline = Date.now() + timeout;
      const mail = serialize(message, config.from);
      let bytes = mail.raw;
      if (signer) {
        try {
          bytes = (await signer.sendMail({ envelope: mail.envelope, raw: mail.raw })).message as Buffer;
        } catch (error) {
          throw new MailSendError(String((error as Error)?.message ?? error), false, undefined, { cause: error });
        }
      }
      const name = emlName();
      const temp = join(dir, `.${name}.tmp`);
      try {
        // The messages hold addresses: only the receiver's user may read them.
        if (!made) await mkdir(dir, { recursive: true, mode: 0o700 });
        made = true;
        const handle = await open(temp, 'wx', 0o600);
        try {
          await handle.writeFile(bytes);
          await handle.sync();
        } finally {
          await handle.close();
        }
        // The rename is when the message is out: not after `timeout`, when the lease may have gone to another process.
        if (Date.now() > deadline) throw new Error(`not written within ${timeout} ms`);
        // Atomic: the mailbox page never sees half a message.
        await rename(temp, join(dir, name));
      } catch (error) {
        made = false; // the folder may have gone: made again on the retry
        await rm(temp, { force: true });
        throw new MailSendError(`Could not write ${name}: ${(error as Error).message}`, true, undefined, { cause: error });
      }
      return { messageId: mail.messageId };
    },
    async check() {
      try {
        await mkdir(dir, { recursive: true, mode: 0o700 });
        await access(dir, constants.W_OK);
        return { ok: true as const };
      } catch (error) {
        return { ok: false as const, error: (error as Error).message };
      }
    },
    close: () => signer?.close(),
  };
}
