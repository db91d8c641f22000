#!/usr/bin/env node
/**
 * `privacy-receiver`: the reference receiver and what a data protection
 * officer needs from its records. See `privacy-receiver --help`.
 */
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { verifyRecord } from '../verify.js';
import { ConfigError, parseConfig, USAGE, type ReceiverConfig } from './config.js';
import { currentConsents, openRequests } from './derive.js';
import { demoSite } from './demo.js';
import { openStore, startReceiver } from './receiver.js';

const print = (value: unknown) => process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);

/** The package root (two levels above dist/server/receiver or src/server/receiver). */
function packageRoot(): string {
  return join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
}

async function serve(config: ReceiverConfig): Promise<void> {
  const running = await startReceiver(config, demoSite(packageRoot()));
  const storage = config.databaseUrl ? 'PostgreSQL' : `SQLite ${join(config.dataDir, 'records.db')}`;
  console.log(`receiver: ${running.url} (records in ${storage}; demo pages at ${running.url})`);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
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
}

async function report(config: ReceiverConfig): Promise<number> {
  const store = await openStore(config);
  try {
    switch (config.command) {
      case 'export':
        print((await store.byEmail(config.email!)).map(({ record, receipt, jws, kid, receivedAt }) => ({ record, receipt, jws, kid, receivedAt })));
        return 0;
      case 'consents':
        print(currentConsents(await store.byEmail(config.email!)));
        return 0;
      case 'requests': {
        const rows = [];
        for await (const row of store.all()) if (row.type === 'data-request') rows.push(row);
        const open = openRequests(rows, await store.closures());
        print(config.open ? open : { open, all: rows.length });
        return 0;
      }
      case 'close-request': {
        const row = await store.get(config.id!);
        if (!row || row.type !== 'data-request') {
          console.error(`no data request with id ${config.id!}`);
          return 1;
        }
        const closure = { requestId: row.id, closedAt: new Date().toISOString(), note: config.note };
        await store.closeRequest(closure);
        print(closure);
        return 0;
      }
      case 'verify': {
        let checked = 0;
        const failures: { id: string; code: string; message: string }[] = [];
        for await (const row of store.all()) {
          checked++;
          // Checked as at arrival: a record that was fresh then is not stale now.
          const result = await verifyRecord(row.jws, { now: new Date(row.receivedAt), maxBytes: Infinity });
          if (!result.ok) failures.push({ id: row.id, ...result.error });
          else if (result.record.id !== row.id || result.kid !== row.kid) {
            failures.push({ id: row.id, code: 'mismatch', message: 'the stored row does not match its signed record' });
          }
        }
        print({ checked, failed: failures.length, failures });
        return failures.length ? 1 : 0;
      }
      default:
        return 2;
    }
  } finally {
    await store.close();
  }
}

async function main(): Promise<void> {
  let config: ReceiverConfig;
  try {
    config = parseConfig(process.argv.slice(2), process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`privacy-receiver: ${error.message}\n\n${USAGE}`);
    process.exit(2);
  }
  if (config.command === 'help') return void process.stdout.write(USAGE);
  if (config.command === 'serve') return serve(config);
  process.exitCode = await report(config);
}

await main();
