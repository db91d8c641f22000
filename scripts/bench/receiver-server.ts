// The receiver for the throughput benchmark, in its own process:
// `tsx scripts/bench/receiver-server.ts sqlite|pg|none <dataDir> [DATABASE_URL] [srcDir]`.
// `none` answers exactly like the receiver (verify, countersign) but stores nothing.
// `srcDir` runs another copy of the receiver's sources (the baseline commit the bench compares with).
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as Config from '../../packages/receiver/src/cli/options.js';
import type * as Receiver from '../../packages/receiver/src/receiver.js';
import type { RecordStore } from '../../packages/receiver/src/store/store.js';

const [kind, dataDir, databaseUrl, srcDir] = process.argv.slice(2);
// `srcDir` is a copy of `packages/receiver/src/`; a `src/` from before the receiver became a package
// (the baseline commit, where `parseConfig` lived in `server/receiver/config.ts`) still works.
const oldLayout = srcDir !== undefined && existsSync(resolve(srcDir, 'server/receiver/config.ts'));
const src = (path: string) => (srcDir ? pathToFileURL(resolve(srcDir, path)).href : `../../packages/receiver/src/${path}`);
const { parseConfig } = (await import(src(oldLayout ? 'server/receiver/config.ts' : 'cli/options.ts'))) as typeof Config;
const { startReceiver } = (await import(src(oldLayout ? 'server/receiver/receiver.ts' : 'receiver.ts'))) as typeof Receiver;

const config = {
  ...parseConfig(['serve', '--port', '0', '--data-dir', dataDir!, '--rate-per-second', '0'], {}),
  databaseUrl: kind === 'pg' ? databaseUrl : undefined,
};

const nullStore = {
  put: async (row) => ({ status: 'stored', row }),
  bindKey: async (kid: string) => kid,
  renewJobLeases: async () => [],
  get: async () => undefined,
  byId: async () => [],
  byEmail: async () => [],
  all: async function* () {},
  count: async () => 0,
  check: async () => {},
  claimJobs: async () => [],
  jobs: async () => [],
  addEvent: async (event) => ({ status: 'stored', event }),
  events: async () => [],
  event: async () => undefined,
  closeRequest: async () => {},
  closures: async () => [],
  check: async () => {},
  claimJobs: async () => [],
  jobs: async () => [],
  addEvent: async (event) => ({ status: 'stored', event }),
  events: async () => [],
  event: async () => undefined,
  close: async () => {},
} as RecordStore;

const running = await startReceiver(config, {}, kind === 'none' ? nullStore : undefined);
process.stdout.write(`${running.url}\n`);
process.on('SIGTERM', () => void running.close().then(() => process.exit(0)));
