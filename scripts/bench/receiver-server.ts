// The receiver for the throughput benchmark, in its own process:
// `tsx scripts/bench/receiver-server.ts sqlite|pg|none <dataDir> [DATABASE_URL]`.
// `none` answers exactly like the receiver (verify, countersign) but stores nothing.
import { parseConfig } from '../../src/server/receiver/config.js';
import { startReceiver } from '../../src/server/receiver/receiver.js';
import type { RecordStore } from '../../src/server/receiver/store.js';

const [kind, dataDir, databaseUrl] = process.argv.slice(2);
const config = {
  ...parseConfig(['serve', '--port', '0', '--data-dir', dataDir!, '--rate-per-second', '0'], {}),
  databaseUrl: kind === 'pg' ? databaseUrl : undefined,
};

const nullStore: RecordStore = {
  put: async (row) => ({ status: 'stored', row }),
  get: async () => undefined,
  byId: async () => [],
  byEmail: async () => [],
  all: async function* () {},
  count: async () => 0,
  closeRequest: async () => {},
  closures: async () => [],
  check: async () => {},
  close: async () => {},
};

const running = await startReceiver(config, {}, kind === 'none' ? nullStore : undefined);
process.stdout.write(`${running.url}\n`);
process.on('SIGTERM', () => void running.close().then(() => process.exit(0)));
