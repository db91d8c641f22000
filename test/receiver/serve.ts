// A receiver built with createReceiver() options (mail transport, webhooks, sender timings)
// served on a free loopback port, as `privacy-receiver serve` would serve it.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import { createReceiver, type Receiver, type ReceiverOptions } from '../../src/server/receiver/receiver.js';

export interface Served extends Receiver {
  url: string;
  server: Server;
}

export async function serveReceiver(options: ReceiverOptions): Promise<Served> {
  const receiver = await createReceiver({ rateLimit: false, ...options });
  const server = createAdaptorServer({ fetch: receiver.fetch }) as Server;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  return {
    ...receiver,
    url,
    server,
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await receiver.close();
    },
  };
}
