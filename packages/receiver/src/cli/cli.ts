/**
 * `privacy-receiver`: the reference receiver and what a data protection
 * officer needs from its records. See `privacy-receiver --help`. `bin.ts`
 * runs it; a site's own script can too, with pages of its own beside it.
 */
import { join } from 'node:path';
import { auditEvent, auditRow, type AuditOptions } from './audit.js';
import { ConfigError, FULL_USAGE, parseConfig, type ReceiverConfig } from './options.js';
import { openRequests } from '../derive.js';
import { mailboxRoute } from './mailbox-route.js';
import { webhookQueue } from '../webhooks/feature.js';
import { isWorker, runPrimary } from './cluster.js';
import { openServerKey, openStore, readServerKey, ReceiverStartError } from '../store/open.js';
import { startReceiver, type ReceiverOptions, type RunningReceiver } from '../receiver.js';
import { openStoreWhenReachable } from '../store/store-wait.js';
import { unsubscribeHeaders } from '../preferences/unsubscribe-headers.js';
import { signedRows, subjectConsents, subjectExport } from '../console/subject.js';
import { closeDataRequest } from '../console/close.js';
import { consoleOriginProblem } from '../console/feature.js';
import { RECEIVER_TIME_ZONE } from '../console/calendar.js';

const print = (value: unknown) => process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);

/** Pages and routes a site serves beside the receiver (the demo site of `npm start`). */
export type SiteExtras = Pick<ReceiverOptions, 'staticRoots' | 'routes' | 'notices'>;

async function serve(config: ReceiverConfig, site: SiteExtras): Promise<void> {
  // Checked here too, so that with --workers the primary says it once instead of workers failing in turn.
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const consoleProblem = config.console && consoleOriginProblem(config.mail.publicUrl ?? `http://${host}:${config.port}/`);
  if (consoleProblem) throw new ReceiverStartError(`Console: ${consoleProblem}.`);
  // The mailbox of written mails only when asked for (npm start) and only with no SMTP: never in production.
  const mailbox = config.mailbox && !config.mail.transport.smtpUrl;
  const demo: SiteExtras = { ...site, routes: { ...site.routes, ...(mailbox ? mailboxRoute(config.dataDir) : {}) } };
  const storage = config.databaseUrl ? 'PostgreSQL' : `SQLite ${join(config.dataDir, 'records.db')}`;
  const mail = config.mail.transport.smtpUrl ? 'mail over SMTP' : `mail written to ${join(config.dataDir, 'mail')}`;
  const pages = (url: string) => `${site.staticRoots?.length ? `; pages at ${url}` : ''}${mailbox ? `, mailbox at ${url}mailbox.html` : ''}`;
  if (config.workers > 1 && !isWorker()) {
    // The primary migrates and makes the key once, so start-up errors are one line here; then it supervises.
    // A database that cannot be reached yet is waited for (store-wait.ts); SIGTERM meanwhile stops at once.
    const early = (signal: string) => {
      console.log(`receiver: stopped on ${signal}`);
      process.exit(0);
    };
    process.on('SIGTERM', early).on('SIGINT', early);
    await (await openStoreWhenReachable(config)).close();
    process.off('SIGTERM', early).off('SIGINT', early);
    await openServerKey(config.dataDir);
    for (const warning of config.webhooks?.warnings ?? []) console.warn(`receiver: ${warning}`);
    return runPrimary({
      workers: config.workers,
      host: config.host,
      started: (url) => console.log(`receiver: ${url} (records in ${storage}; ${mail}${pages(url)}; ${config.workers} workers)`),
    });
  }
  let running: RunningReceiver | undefined;
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    if (!running) {
      // Still waiting for the database: nothing was accepted, nothing to finish.
      console.log(`receiver: stopped on ${signal}`);
      process.exit(0);
    }
    // Finish what was accepted, then close the store: no accepted record is lost.
    running.close().then(
      () => {
        console.log(`receiver: stopped on ${signal}`);
        process.exit(0);
      },
      (error: unknown) => {
        console.error('receiver: could not close cleanly', error);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  // A worker started during a database outage waits here, without listening, while the others serve.
  const store = await openStoreWhenReachable(config, { who: isWorker() ? `receiver: worker ${process.pid}` : 'receiver' });
  running = await startReceiver(config, demo, store);
  if (!isWorker()) {
    console.log(`receiver: ${running.url} (records in ${storage}; ${mail}${pages(running.url)})`);
    for (const warning of config.webhooks?.warnings ?? []) console.warn(`receiver: ${warning}`);
  }
}

/** The command line's warnings about rows and events that failed their check: on stderr, one line each. */
const warn = (line: string) => console.error(`privacy-receiver: ${line}`);

async function report(config: ReceiverConfig): Promise<number> {
  const store = await openStore(config);
  // The audit judges a record as `serve` did when it arrived: the same clock window.
  const auditOptions: AuditOptions = { maxSkewSeconds: config.maxSkewSeconds };
  try {
    switch (config.command) {
      case 'export':
      case 'consents': {
        const subject = { audit: auditOptions, receiverKey: (await readServerKey(config.dataDir))?.publicJwk, warn };
        if (config.command === 'export') {
          const { document, flagged } = await subjectExport(store, config.email!, subject);
          print(document);
          return flagged ? 1 : 0;
        }
        const { states, flagged } = await subjectConsents(store, config.email!, subject);
        print(states);
        return flagged ? 1 : 0;
      }
      case 'requests': {
        const stored = [];
        for await (const row of store.all()) if (row.type === 'data-request') stored.push(row);
        const { rows, flagged } = await signedRows(stored, auditOptions, undefined, warn);
        const events = [];
        for (const email of new Set(rows.map((r) => r.email))) events.push(...(await store.events(email)));
        // Days counted on the calendar the due dates were set on (the receipts' Finnish one), as the console counts them.
        const open = openRequests(rows.filter((r) => r.type === 'data-request'), await store.closures(), new Date(), events, RECEIVER_TIME_ZONE);
        print(config.open ? open : { open, all: rows.length });
        return flagged ? 1 : 0;
      }
      case 'close-request': {
        // Ids are unique per signing key: every data request with this id is closed, and named.
        const rows = (await store.byId(config.id!)).filter((r) => r.type === 'data-request');
        if (!rows.length) {
          console.error(`privacy-receiver: no data request with id ${config.id!}`);
          return 1;
        }
        if (rows.length > 1) {
          console.error(
            `privacy-receiver: ${rows.length} data requests from different keys share id ${config.id!} (kids ${rows.map((r) => r.kid).join(', ')}): the closure applies to all of them`,
          );
        }
        const closure = { requestId: config.id!, closedAt: new Date().toISOString(), note: config.note };
        // The site's tools hear of it through the webhook queue; a running receiver delivers it.
        await closeDataRequest(store, closure, config.webhooks?.endpoints);
        print({ ...closure, requests: rows.map(({ id, kid, receivedAt }) => ({ id, kid, receivedAt })) });
        return 0;
      }
      case 'verify': {
        let checked = 0;
        const failures: { id: string; kid: string; code: string; message: string; columns?: string[] }[] = [];
        for await (const row of store.all()) {
          checked++;
          const audit = await auditRow(row, auditOptions);
          if (!audit.ok) {
            failures.push({ id: row.id, kid: row.kid, code: audit.code, message: audit.message, ...(audit.columns ? { columns: audit.columns } : {}) });
          }
        }
        // The receiver's own signed events (confirmations, one-click withdrawals): `consents` counts them.
        const receiverKey = (await readServerKey(config.dataDir))?.publicJwk;
        const eventFailures: { id: string; kind: string; code: string; message: string; columns?: string[] }[] = [];
        let eventsChecked = 0;
        for await (const event of store.allEvents()) {
          eventsChecked++;
          const audit = await auditEvent(event, receiverKey);
          if (!audit.ok) {
            eventFailures.push({ id: event.id, kind: event.kind, code: audit.code, message: audit.message, ...(audit.code === 'mismatch' ? { columns: audit.columns } : {}) });
          }
        }
        print({ checked, failed: failures.length, failures, events: { checked: eventsChecked, failed: eventFailures.length, failures: eventFailures } });
        return failures.length || eventFailures.length ? 1 : 0;
      }
      case 'webhooks': {
        const queue = webhookQueue(store);
        if (config.retry) {
          print({ retried: await queue.retry(new Date()) });
          return 0;
        }
        const failed = await queue.listFailed();
        print(failed.map(({ id, messageId, endpoint, type, attempts, lastError, failedAt }) => ({ id, messageId, endpoint, type, attempts, lastError, failedAt })));
        return 0;
      }
      default:
        return 2;
    }
  } finally {
    await store.close();
  }
}

/** Runs one command line (`argv` without `node` and the script), as `privacy-receiver` does. */
export async function runCli(argv: readonly string[], { site = {} }: { site?: SiteExtras } = {}): Promise<void> {
  let config: ReceiverConfig;
  try {
    config = parseConfig([...argv], process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`privacy-receiver: ${error.message}\n\n${FULL_USAGE()}`);
    process.exit(2);
  }
  if (config.command === 'help') return void process.stdout.write(FULL_USAGE());
  if (config.command === 'unsubscribe-headers') {
    try {
      const headers = await unsubscribeHeaders(
        { email: config.email!, purpose: config.purpose! },
        { dataDir: config.dataDir, ...(config.mail.publicUrl ? { publicUrl: config.mail.publicUrl } : {}), ...(config.unsubscribeTo ? { mailto: config.unsubscribeTo } : {}) },
      );
      for (const [name, value] of Object.entries(headers)) process.stdout.write(`${name}: ${value}\n`);
      return;
    } catch (error) {
      if (!(error instanceof TypeError || error instanceof ReceiverStartError)) throw error;
      console.error(`privacy-receiver: ${error.message}`);
      process.exit(2);
    }
  }
  try {
    if (config.command === 'serve') return await serve(config, site);
    if (config.command === 'migrate') {
      // Opening the store migrates it (under an advisory lock, or SQLite's write lock); the check proves it current.
      const store = await openStore(config);
      try {
        await store.check();
      } finally {
        await store.close();
      }
      console.log(`privacy-receiver: schema current (${config.databaseUrl ? 'PostgreSQL' : join(config.dataDir, 'records.db')})`);
      return;
    }
    process.exitCode = await report(config);
  } catch (error) {
    // Something the operator must fix (e.g. a corrupt key file): one line that says what, no stack.
    if (!(error instanceof ReceiverStartError)) throw error;
    console.error(`privacy-receiver: ${error.message}`);
    process.exit(1);
  }
}
