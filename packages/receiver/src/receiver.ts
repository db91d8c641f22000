import type { Server } from 'node:http';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import { publicJwks, signReceipt, type ServerKey } from './records/countersign.js';
import { verifyRecord } from './records/verify.js';
import { createMailTransport, DEFAULT_SEND_TIMEOUT_MS } from './mail/transport.js';
import { DEFAULT_MAIL_CAP } from './mail/caps.js';
import { siteText, type PurposeLabels } from './mail/site.js';
import { createLinkTokens } from './mail/link-tokens.js';
import { createApp, type AppOptions } from './app.js';
import { confirmations, type MailSettings } from './confirmation/feature.js';
import { webhooks, type WebhookOptions } from './webhooks/feature.js';
import { background } from './http/background.js';
import { preferences, unsubscribeHeadersWith, type UnsubscribeHeaders } from './preferences/feature.js';
import type { ReceiverConfig } from './cli/options.js';
import { openServerKey, openStore, ReceiverStartError } from './store/open.js';
import type { RecordStore, StoredRecord } from './store/store.js';
import type { Restoration } from './confirmation/restore.js';
import { consoleFeature, consoleOriginProblem, type ConsoleFeature } from './console/feature.js';
import type { ConsoleOptions } from './console/settings.js';
import type { NoticeDocuments } from './console/answer.js';
import type { MailLocale } from './mail/layout.js';

export { openStore, openServerKey } from './store/open.js';

/** Settings of an embedded receiver; every one has the default `privacy-receiver serve` has. */
export interface ReceiverOptions {
  /** SQLite file and receipt key folder (`./data`); the key lives here with PostgreSQL too. */
  dataDir?: string;
  /** PostgreSQL instead of SQLite. */
  databaseUrl?: string;
  /** Other origins whose pages may post records (CORS). */
  allowedOrigins?: readonly string[];
  /** Records per client address: `{ burst: 30, perSecond: 5 }` by default; `false` turns limiting off. */
  rateLimit?: { burst: number; perSecond: number } | false;
  /** Largest accepted record in bytes (16384). */
  maxBytes?: number;
  /** How far a record's `issuedAt` may lie ahead of the receiver's clock (600 s). */
  maxSkewSeconds?: number;
  /** Your own proxies in front that append to `X-Forwarded-For` (0). */
  trustProxy?: number;
  /**
   * The visitor's address for rate limiting, when your server knows it (e.g. from
   * its framework). Without it, and without `trustProxy`, every request of an
   * embedded receiver shares one bucket: set one of the two, or `rateLimit: false`.
   */
  clientAddress?: (request: Request) => string | undefined;
  /**
   * Confirmation mail (double opt-in). `publicUrl` is required: the origin every link in a
   * mail opens (never taken from a request's `Host`). By default each message is written as
   * an `.eml` file under `<dataDir>/mail/`; give an SMTP transport for real mail. `false`
   * turns confirmations off: grants then never count as confirmed.
   */
  mail?: (Partial<MailSettings> & { publicUrl: string }) | false;
  /** Labels of purposes the site added to the built-in catalogue, per language: what mails and pages call them. */
  purposes?: PurposeLabels;
  /** Standard Webhooks to the site's CRM or mailing tool: every record, confirmation and closure. */
  webhooks?: WebhookOptions;
  /** The page with `<consent-preferences>` that mailed links open; default `<publicUrl>/preferences.html`. */
  preferencesUrl?: string;
  /** An address for `mailto:` unsubscribes in `List-Unsubscribe` (`MAIL_UNSUBSCRIBE_TO`); the receiver does not read that mailbox. */
  unsubscribeMailto?: string;
  /** A store to use instead of the configured one (benchmarks, tests). */
  store?: RecordStore;
  /** The privacy office's console at `/console` and its notices (`CONSOLE_USERS`, `PRIVACY_OFFICE_EMAIL`); off without it (404). */
  console?: ConsoleOptions;
  /** The site's privacy notice per language (the widgets' `locales/<lang>/notice.json` shape): the console's Art. 15 answer quotes it. */
  notices?: NoticeDocuments;
  /** Static folders and extra routes (the demo site). */
  staticRoots?: AppOptions['staticRoots'];
  routes?: AppOptions['routes'];
}

export interface Receiver {
  /** The whole receiver as a fetch handler: mount it for `/api/records` and `/.well-known/jwks.json`. */
  fetch(request: Request, env?: unknown): Promise<Response>;
  /** Stops taking records (503), finishes those in flight, closes the store. */
  close(): Promise<void>;
  store: RecordStore;
  key: ServerKey;
  /** RFC 8058 headers for a newsletter to `email` about `purpose`; needs `mail.publicUrl` (https). */
  unsubscribeHeaders(input: { email: string; purpose: string; locale?: MailLocale }): UnsubscribeHeaders;
}

/** This package's version, for the OpenAPI document: from the package.json above this module (in src/ or dist/src/). */
function packageVersion(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); dir !== dirname(dir); dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === '@optimesys/privacy-receiver' && pkg.version) return pkg.version;
    } catch {
      // no package.json here: look further up
    }
  }
  return 'unknown'; // bundled into another program
}

const DEFAULTS = { rateLimit: { burst: 30, perSecond: 5 }, maxBytes: 16_384, maxSkewSeconds: 600 } as const;

/** The receiver to mount in a server the site already runs (Next.js route handlers, Express, anything with fetch). */
export async function createReceiver(options: ReceiverOptions = {}): Promise<Receiver> {
  const dataDir = options.dataDir ?? 'data';
  const publicUrl = options.mail ? options.mail.publicUrl?.replace(/\/+$/, '') : undefined;
  if (options.mail !== false && !publicUrl) {
    throw new ReceiverStartError(
      'Mail is on but has no public origin: set mail.publicUrl (PUBLIC_URL), the https origin its links open, or mail: false. Links are never built from a request.',
    );
  }
  const consoleUrl = options.console && (publicUrl ?? options.console.publicUrl?.replace(/\/+$/, ''));
  const consoleProblem = options.console && consoleOriginProblem(consoleUrl);
  if (consoleProblem) throw new ReceiverStartError(`Console: ${consoleProblem}.`);
  const store = options.store ?? (await openStore({ dataDir, databaseUrl: options.databaseUrl }));
  const key = await openServerKey(dataDir)
    .then(async (opened) => {
      // Links and caps are keyed by this key: instances on one database with different keys would disagree.
      const bound = await store.bindKey(opened.kid).catch((error: unknown) => {
        // A store that cannot write now stores no record either (`/readyz` says so); the next start checks.
        console.error(`[receiver] could not check the receiver key against the store: ${(error as Error)?.message ?? error}`);
        return opened.kid;
      });
      if (bound !== opened.kid) {
        throw new ReceiverStartError(
          `The database belongs to receiver key ${bound}, but ${join(dataDir, 'receiver-key.json')} is key ${opened.kid}: give every instance the same receiver-key.json (copy it from the first), or use another database.`,
        );
      }
      return opened;
    })
    .catch(async (error: unknown) => {
      if (!options.store) await store.close();
      throw error;
    });
  const transport =
    options.mail === false ? undefined : (options.mail?.transport ?? createMailTransport({ dataDir, from: 'Privacy receiver <no-reply@localhost>' }));
  const load = background();
  const hooks = options.webhooks?.endpoints.length ? webhooks(store, options.webhooks, load) : undefined;
  const tokens = createLinkTokens(key.secret);
  const allowedOrigins = (options.allowedOrigins ?? []).map((o) => o.replace(/\/$/, ''));
  // Pages named in mails must be the site's own: the receiver's origin and the origins allowed to post.
  const site = siteText({ origins: [...(publicUrl ? [publicUrl] : []), ...allowedOrigins], purposes: options.purposes ?? {} });
  const cap = (options.mail && options.mail.cap) || DEFAULT_MAIL_CAP;
  let wake = () => {};
  // The privacy office's console: its routes (mounted by the app), the office's notices (with records and confirmations) and the daily digest.
  const office: ConsoleFeature | undefined = options.console
    ? consoleFeature({
        options: options.console,
        store,
        key,
        secret: key.secret,
        tokens,
        publicUrl: consoleUrl!,
        site,
        mail: options.mail === false ? undefined : { cap, wake: () => wake() },
        hooks: hooks && { endpoints: options.webhooks!.endpoints, queued: hooks.queued },
        notices: options.notices,
        maxSkewSeconds: options.maxSkewSeconds ?? DEFAULTS.maxSkewSeconds,
      })
    : undefined;
  const prefs = preferences({
    store,
    key,
    tokens,
    publicUrl,
    preferencesUrl: options.preferencesUrl,
    cap,
    site,
    mail: options.mail === false ? undefined : { wake: () => wake() },
    hooks: hooks && { confirmationJobs: hooks.confirmationJobs, withdrawalJobs: hooks.withdrawalJobs, queued: hooks.queued },
  });
  const mail =
    options.mail === false
      ? undefined
      : confirmations({
          store,
          key,
          tokens,
          mail: { cap: DEFAULT_MAIL_CAP, ...options.mail, publicUrl: publicUrl!, transport: transport! },
          site,
          ...(hooks || office
            ? {
                also: {
                  // The office hears of a confirmed data request in the confirmation's transaction, as webhooks do.
                  jobs: (row: StoredRecord, at: string) => [...(hooks?.confirmationJobs(row, at) ?? []), ...(office?.confirmationJobs(row, at) ?? [])],
                  restorationJobs: (restoration: Restoration) => hooks?.restorationJobs(restoration) ?? [],
                  queued: () => {
                    hooks?.queued();
                    office?.queued?.();
                  },
                },
              }
            : {}),
          load,
          ...(prefs.pageUrl ? { manageUrl: prefs.pageUrl } : {}),
        });
  if (mail) wake = () => mail.queued();
  const maxBytes = options.maxBytes ?? DEFAULTS.maxBytes;
  const maxSkewSeconds = options.maxSkewSeconds ?? DEFAULTS.maxSkewSeconds;
  const { app, drain } = createApp({
    store,
    jwks: publicJwks(key),
    maxBytes,
    allowedOrigins,
    publicOrigin: publicUrl && new URL(publicUrl).origin,
    rateLimit: options.rateLimit ?? DEFAULTS.rateLimit,
    trustProxy: options.trustProxy ?? 0,
    clientAddress: options.clientAddress,
    staticRoots: options.staticRoots,
    routes: options.routes,
    features: [mail, prefs, hooks, office].filter((f) => f !== undefined),
    confirmation: mail,
    preferences: prefs,
    console: office?.routes,
    onLoad: (n) => load.busy(n),
    version: packageVersion(),
    verify: async (jws) => {
      const result = await verifyRecord(jws, { maxBytes, maxSkewSeconds });
      return result.ok ? { ok: true, record: result.record, kid: result.kid } : { ok: false, error: result.error };
    },
    countersign: (record, jws, receivedAt) =>
      signReceipt(record, jws, key, { timeZone: 'Europe/Helsinki', ...(receivedAt ? { now: receivedAt } : {}) }),
  });
  let closing: Promise<void> | undefined;
  return {
    fetch: async (request, env) => app.fetch(request, env),
    store,
    key,
    unsubscribeHeaders: (input) => {
      if (!publicUrl) throw new TypeError('unsubscribeHeaders needs mail.publicUrl (PUBLIC_URL): the https origin of this receiver');
      return unsubscribeHeadersWith(tokens, { publicUrl, mailto: options.unsubscribeMailto })(input);
    },
    close: () =>
      (closing ??= drain()
        .then(() => Promise.all([prefs.stop(), office?.stop()]))
        .then(() => Promise.all([mail?.stop(), hooks?.stop()]))
        .then(() => transport?.close())
        .then(() => store.close())),
  };
}

export interface RunningReceiver {
  server: Server;
  url: string;
  store: RecordStore;
  key: ServerKey;
  /** Stops accepting, finishes the requests in flight, flushes and closes the store. */
  close(): Promise<void>;
}

/** Starts the receiver as its own HTTP server; `extra` adds the demo pages and the browser build. */
export async function startReceiver(
  config: ReceiverConfig,
  extra: Pick<ReceiverOptions, 'staticRoots' | 'routes' | 'notices'> = {},
  /** A store to use instead of the configured one (benchmarks, tests). */
  givenStore?: RecordStore,
): Promise<RunningReceiver> {
  const { mail, webhooks: hooks, console: consoleOptions, ...settings } = config;
  const lease = config.jobLeaseSeconds && config.jobLeaseSeconds * 1000;
  // A send must end well inside its lease (the senders check it): a short lease shortens the timeouts.
  const mailTimeout = lease ? Math.min(mail.transport.timeoutMs ?? DEFAULT_SEND_TIMEOUT_MS, lease / 2) : mail.transport.timeoutMs;
  // Listening first: without PUBLIC_URL (no SMTP: mails are files for the demo's mailbox) links open
  // the address this process listens on, known only now (`--port 0`). Never the request's `Host`.
  // A request that arrives before the receiver is built (another worker announced the port) waits for it.
  let ready!: (handle: Receiver['fetch']) => void;
  const handler = new Promise<Receiver['fetch']>((resolve) => (ready = resolve));
  const server = createAdaptorServer({ fetch: async (request: Request, env: unknown) => (await handler)(request, env) }) as Server;
  server.keepAliveTimeout = 5000;
  // A body trickled in byte by byte holds a connection: none may take longer than this.
  server.requestTimeout = 30_000;
  server.headersTimeout = 15_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `http://${host}:${port}/`;
  let receiver: Receiver;
  try {
    receiver = await createReceiver({
      ...settings,
      ...extra,
      store: givenStore,
      mail: {
        transport: createMailTransport({ ...mail.transport, ...(mailTimeout ? { timeoutMs: mailTimeout } : {}) }),
        cap: mail.cap,
        recordIp: config.confirmIp,
        publicUrl: mail.publicUrl ?? url,
        ...(lease ? { sender: { leaseMs: lease } } : {}),
      },
      ...(hooks
        ? { webhooks: { endpoints: hooks.endpoints, secret: hooks.secrets, ...(lease ? { sender: { leaseMs: lease, timeoutMs: Math.min(15_000, lease / 2) } } : {}) } }
        : {}),
      ...(config.preferencesUrl ? { preferencesUrl: config.preferencesUrl } : {}),
      ...(consoleOptions ? { console: consoleOptions } : {}),
      ...(config.unsubscribeTo ? { unsubscribeMailto: config.unsubscribeTo } : {}),
    });
  } catch (error) {
    await new Promise((resolve) => server.close(resolve));
    throw error;
  }
  ready(receiver.fetch);
  return {
    server,
    url,
    store: receiver.store,
    key: receiver.key,
    async close() {
      // Stop taking records, let the ones in flight finish (their 201 means stored), then flush the store.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      const sweep = setInterval(() => server.closeIdleConnections(), 50);
      const force = setTimeout(() => server.closeAllConnections(), 10_000);
      await receiver.close();
      await closed;
      clearInterval(sweep);
      clearTimeout(force);
    },
  };
}
