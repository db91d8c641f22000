import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { MAIL_USAGE, MailConfigError, parseMailConfig, type MailConfig } from '../mail/settings.js';
import { webhookSettings, type WebhookSettings } from '../webhooks/settings.js';
import { CONSOLE_USAGE, ConsoleConfigError, consoleSettings, type ConsoleOptions } from '../console/settings.js';

/** Receiver settings: flags win over environment variables, which win over defaults. */
export interface ReceiverConfig {
  command: 'serve' | 'migrate' | 'export' | 'consents' | 'requests' | 'close-request' | 'verify' | 'webhooks' | 'unsubscribe-headers' | 'help';
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | undefined;
  allowedOrigins: string[];
  rateLimit: { burst: number; perSecond: number } | false;
  maxBytes: number;
  maxSkewSeconds: number;
  /** Proxies of your own in front of the receiver (0: none). */
  trustProxy: number;
  email: string | undefined;
  id: string | undefined;
  note: string;
  open: boolean;
  /** `serve --mailbox`: without SMTP, the mails written as files at `/mailbox.html`, for this machine only (`npm start`). */
  mailbox: boolean;
  /** `webhooks --failed` lists given-up deliveries, `--retry` sends them again. */
  failed: boolean;
  retry: boolean;
  /** Confirmation mail: SMTP or `.eml` files, the links' origin, the per-address cap. */
  mail: Omit<MailConfig, 'publicUrl'> & { publicUrl: string | undefined };
  /** Keep the confirming client's IP address with a confirmation (`CONFIRM_RECORD_IP=1`; personal data, off by default). */
  confirmIp: boolean;
  /** Standard Webhooks endpoints and secret (`WEBHOOK_URL`, `WEBHOOK_SECRET`). */
  webhooks: WebhookSettings | undefined;
  /** `serve --workers N` (`WORKERS`): processes on one port (`node:cluster`); default the machine's available parallelism. */
  workers: number;
  /** `JOB_LEASE_SECONDS`: how long a claimed mail or webhook delivery is held before another process may take it over. */
  jobLeaseSeconds: number | undefined;
  /** `unsubscribe-headers --purpose`. */
  purpose: string | undefined;
  /** `mailto:` address for List-Unsubscribe (`MAIL_UNSUBSCRIBE_TO`). */
  unsubscribeTo: string | undefined;
  /** The page with `<consent-preferences>` (`PREFERENCES_URL`); default `<PUBLIC_URL>/preferences.html`. */
  preferencesUrl: string | undefined;
  /** The privacy office's console and notices (`CONSOLE_USERS`, `CONSOLE_OIDC_*`, `PRIVACY_OFFICE_EMAIL`); undefined: off. */
  console?: ConsoleOptions | undefined;
}

export const USAGE = `Usage: privacy-receiver [command] [options]

Commands:
  serve                      start the receiver (default)
  migrate                    bring the store's schema to this version and exit (a deploy step; serve does it too)
  export --email X           print every record about one person as JSON (GDPR Art. 15)
  consents --email X         print the current consent per purpose
  requests --open            print the open data requests with due dates, overdue first
  close-request --id X [--note "..."]   mark the data request(s) with this id answered (appended, never changed)
  verify                     re-check every stored signature and column (records and the receiver's events) and report any that fail
  webhooks --failed          list webhook deliveries given up after the retry schedule
  webhooks --retry           send every given-up delivery again (same webhook-id)
  unsubscribe-headers --email X --purpose P   print RFC 8058 List-Unsubscribe headers for a newsletter

Options (environment variable in brackets):
  --port N                   [PORT] default 8787
  --host H                   [HOST] default 127.0.0.1
  --data-dir DIR             [DATA_DIR] SQLite file and server key, default ./data
  --database-url URL         [DATABASE_URL] use PostgreSQL instead of SQLite; serve waits for a database it
                             cannot reach (retrying at most every 5 s), and stops on one that refuses it
  --allowed-origins A,B      [ALLOWED_ORIGINS] other origins that may post records (CORS)
  --rate-burst N             [RATE_LIMIT_BURST] records at once per address, default 30
  --rate-per-second N        [RATE_LIMIT_PER_SECOND] steady records per second per address, default 5; 0 turns limiting off
  --max-bytes N              [MAX_RECORD_BYTES] largest accepted record, default 16384
  --max-skew-seconds N       [MAX_SKEW_SECONDS] accepted clock difference of issuedAt, default 600
  --workers N                [WORKERS] with serve: processes sharing the port, default the available cores;
                             a worker that dies is replaced at once, then after 1 s, 2 s, 4 s … up to 60 s
                             while replacements keep dying within 60 s; after 15 minutes of that, exit 1
  --mailbox                  with serve and no SMTP_URL: the mails written as files at /mailbox.html, to loopback only (npm start)
  --trust-proxy [N]          [TRUST_PROXY=N] behind N proxies of your own (default 1 when given): rate-limit by
                             the address the last of them appended to X-Forwarded-For
`;

export const FULL_USAGE = () => `${USAGE}\n${MAIL_USAGE}
Webhooks (environment):
  WEBHOOK_URL                one or more endpoints, comma-separated (Standard Webhooks)
  WEBHOOK_SECRET             whsec_… (several, space-separated, while rotating)
  JOB_LEASE_SECONDS          how long a claimed mail or webhook delivery is held before another process or
                             instance may send it (after a crash); default 300 for mail, 60 for webhooks;
                             a send's timeout is at most half of it
  CONFIRM_RECORD_IP=1        keep the confirming client's IP address with a confirmation (personal data)

Preferences and unsubscribe (environment):
  PREFERENCES_URL            the page with <consent-preferences> that mailed links open, default PUBLIC_URL/preferences.html
  MAIL_UNSUBSCRIBE_TO        adds a mailto: to List-Unsubscribe (the receiver does not read that mailbox)

${CONSOLE_USAGE}`;

export class ConfigError extends Error {}

function integer(name: string, value: string | undefined, fallback: number, min = 0): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new ConfigError(`${name} must be a whole number ≥ ${min}, not "${value}"`);
  return n;
}

export function parseConfig(argv: string[], env: NodeJS.ProcessEnv): ReceiverConfig {
  let parsed;
  try {
    parsed = parseArgs({
      // `--trust-proxy` alone means one proxy; `--trust-proxy 2` names the count.
      args: argv.flatMap((arg, i) =>
        arg === '--trust-proxy' && !/^\d+$/.test(argv[i + 1] ?? '') ? ['--trust-proxy=1'] : [arg],
      ),
      allowPositionals: true,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        'data-dir': { type: 'string' },
        'database-url': { type: 'string' },
        'allowed-origins': { type: 'string' },
        'rate-burst': { type: 'string' },
        'rate-per-second': { type: 'string' },
        'max-bytes': { type: 'string' },
        'max-skew-seconds': { type: 'string' },
        'trust-proxy': { type: 'string' },
        workers: { type: 'string' },
        email: { type: 'string' },
        id: { type: 'string' },
        note: { type: 'string' },
        open: { type: 'boolean' },
        mailbox: { type: 'boolean' },
        failed: { type: 'boolean' },
        retry: { type: 'boolean' },
        purpose: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
  const { values, positionals } = parsed;
  const command = (values.help ? 'help' : (positionals[0] ?? 'serve')) as ReceiverConfig['command'];
  if (!['serve', 'migrate', 'export', 'consents', 'requests', 'close-request', 'verify', 'webhooks', 'unsubscribe-headers', 'help'].includes(command)) {
    throw new ConfigError(`unknown command "${command}"`);
  }
  const dataDir = values['data-dir'] ?? env.DATA_DIR ?? 'data';
  const port = integer('--port', values.port ?? env.PORT, 8787);
  const host = values.host ?? env.HOST ?? '127.0.0.1';
  let mail: MailConfig;
  let webhooks: WebhookSettings | undefined;
  let consoleConfig: ConsoleOptions | undefined;
  try {
    mail = parseMailConfig(env, { dataDir, host, port });
    webhooks = webhookSettings(env);
    consoleConfig = consoleSettings(env);
  } catch (error) {
    if (error instanceof MailConfigError || error instanceof ConsoleConfigError || error instanceof TypeError) throw new ConfigError(error.message);
    throw error;
  }
  const perSecond = integer('--rate-per-second', values['rate-per-second'] ?? env.RATE_LIMIT_PER_SECOND, 5);
  const config: ReceiverConfig = {
    command,
    port,
    host,
    dataDir,
    databaseUrl: values['database-url'] ?? (env.DATABASE_URL || undefined),
    allowedOrigins: (values['allowed-origins'] ?? env.ALLOWED_ORIGINS ?? '')
      .split(',')
      .map((o) => o.trim().replace(/\/$/, ''))
      .filter(Boolean),
    rateLimit: perSecond === 0 ? false : { burst: integer('--rate-burst', values['rate-burst'] ?? env.RATE_LIMIT_BURST, 30, 1), perSecond },
    maxBytes: integer('--max-bytes', values['max-bytes'] ?? env.MAX_RECORD_BYTES, 16_384, 256),
    maxSkewSeconds: integer('--max-skew-seconds', values['max-skew-seconds'] ?? env.MAX_SKEW_SECONDS, 600, 1),
    trustProxy: integer('--trust-proxy', values['trust-proxy'] ?? (env.TRUST_PROXY === 'true' ? '1' : env.TRUST_PROXY), 0),
    email: values.email,
    id: values.id,
    note: values.note ?? '',
    open: values.open ?? false,
    mailbox: values.mailbox ?? false,
    failed: values.failed ?? false,
    retry: values.retry ?? false,
    // Without PUBLIC_URL (and so without SMTP: mails are files for the demo's mailbox) links open the
    // address the receiver listens on (`startReceiver`), never one a request names.
    mail: { ...mail, publicUrl: env.PUBLIC_URL || env.SMTP_URL ? mail.publicUrl : undefined },
    confirmIp: env.CONFIRM_RECORD_IP === '1',
    webhooks,
    workers: integer('--workers', values.workers ?? env.WORKERS, availableParallelism(), 1),
    jobLeaseSeconds: env.JOB_LEASE_SECONDS ? integer('JOB_LEASE_SECONDS', env.JOB_LEASE_SECONDS, 0, 2) : undefined,
    purpose: values.purpose,
    unsubscribeTo: env.MAIL_UNSUBSCRIBE_TO?.trim() || undefined,
    preferencesUrl: env.PREFERENCES_URL?.trim() || undefined,
    ...(consoleConfig ? { console: consoleConfig } : {}),
  };
  if (command === 'unsubscribe-headers' && (!config.email || !config.purpose)) throw new ConfigError('unsubscribe-headers needs --email and --purpose');
  if ((command === 'export' || command === 'consents') && !config.email) throw new ConfigError(`${command} needs --email`);
  if (command === 'close-request' && !config.id) throw new ConfigError('close-request needs --id');
  return config;
}
