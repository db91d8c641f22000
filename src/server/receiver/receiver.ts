import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { publicJwks, signReceipt, type ServerKey } from '../receipt.js';
import { verifyRecord } from '../verify.js';
import { createReceiver, type ReceiverOptions } from './app.js';
import type { ReceiverConfig } from './config.js';
import { openServerKey, openStore } from './open.js';
import type { RecordStore } from './store.js';

export { openStore, openServerKey } from './open.js';

export interface RunningReceiver {
  server: Server;
  url: string;
  store: RecordStore;
  key: ServerKey;
  /** Stops accepting, finishes the requests in flight, flushes and closes the store. */
  close(): Promise<void>;
}

/** Starts the receiver as configured; `staticRoots` adds the demo pages and the built package. */
export async function startReceiver(
  config: ReceiverConfig,
  extra: Pick<ReceiverOptions, 'staticRoots' | 'routes'> = {},
  /** A store to use instead of the configured one (benchmarks, tests). */
  givenStore?: RecordStore,
): Promise<RunningReceiver> {
  const store = givenStore ?? (await openStore(config));
  const key = await openServerKey(config.dataDir);
  const receiver = createReceiver({
    store,
    jwks: publicJwks(key),
    maxBytes: config.maxBytes,
    allowedOrigins: config.allowedOrigins,
    rateLimit: config.rateLimit,
    trustProxy: config.trustProxy,
    staticRoots: extra.staticRoots,
    routes: extra.routes,
    verify: async (jws) => {
      const result = await verifyRecord(jws, { maxBytes: config.maxBytes, maxSkewSeconds: config.maxSkewSeconds });
      return result.ok ? { ok: true, record: result.record, kid: result.kid } : { ok: false, error: result.error };
    },
    countersign: (record, jws) => signReceipt(record, jws, key, { timeZone: 'Europe/Helsinki' }),
  });
  const server = createServer(receiver.handler);
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  return {
    server,
    url: `http://${host}:${port}/`,
    store,
    key,
    async close() {
      // Stop taking records, let the ones in flight finish (their 201 means stored), then flush the store.
      const drained = receiver.drain();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      const sweep = setInterval(() => server.closeIdleConnections(), 50);
      const force = setTimeout(() => server.closeAllConnections(), 10_000);
      await drained;
      await closed;
      clearInterval(sweep);
      clearTimeout(force);
      await store.close();
    },
  };
}
