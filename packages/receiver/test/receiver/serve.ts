// A receiver built with createReceiver() options (mail transport, webhooks, sender timings)
// served on a free loopback port, as `privacy-receiver serve` would serve it.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import type { MailSettings } from '../../src/confirmation/feature.js';
import { createReceiver, type Receiver, type ReceiverOptions } from '../../src/receiver.js';

export interface Served extends Receiver {
  url: string;
  server: Server;
}

/** createReceiver()'s options, with mail links defaulting to the served URL. */
export type ServeOptions = Omit<ReceiverOptions, 'mail'> & { mail?: Partial<MailSettings> | false };

export async function serveReceiver(options: ServeOptions | ((url: string) => ServeOptions)): Promise<Served> {
  // Listening first, so that mail links can open this very server (the receiver never takes them from a request).
  let handle: Receiver['fetch'] | undefined;
  const server = createAdaptorServer({ fetch: (request: Request, env: unknown) => handle!(request, env) }) as Server;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const given = typeof options === 'function' ? options(url) : options;
  const mail = given.mail === false ? false : given.mail && { ...given.mail, publicUrl: given.mail.publicUrl ?? url };
  const receiver = await createReceiver({ rateLimit: false, ...given, ...(mail === undefined ? {} : { mail }) } as ReceiverOptions);
  handle = receiver.fetch;
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
