// Helpers for the webhook tests: signed stored records, and a loopback webhook
// endpoint that verifies every delivery with the spec's `standardwebhooks` package.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { keySigner, signRecord } from '@optimesys/privacy-records/sign';
import type { ConsentRecord } from '@optimesys/privacy-records/schemas';
import type { StoredConsent } from '../../src/webhooks/events.js';
import { createWebhookSecret } from '../../src/webhooks/sign.js';
import { consentSample } from '../../../records/test/samples.js';

export const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
export const OTHER_SECRET = createWebhookSecret();

const signer = keySigner();

/** A consent record signed by a device key, as the receiver stores it. */
export async function storedConsent(decisions?: ConsentRecord['decisions'], email?: string): Promise<StoredConsent> {
  const sample = consentSample();
  const unsigned = { ...sample, ...(decisions ? { decisions } : {}), ...(email ? { subject: { email } } : {}) };
  const { jws, record } = await signRecord(unsigned, signer);
  return { record: record as ConsentRecord, jws, kid: (await signer.key()).kid!, receivedAt: new Date().toISOString() };
}

export interface Delivery {
  id: string;
  timestamp: string;
  body: string;
  verified: boolean;
  error?: string;
  payload?: unknown;
}

export type Respond = (delivery: Delivery, attempt: number, res: ServerResponse) => void;

/** A webhook endpoint on 127.0.0.1 that records every request and verifies it with `standardwebhooks`. */
export async function webhookEndpoint(respond: Respond = (_d, _n, res) => res.writeHead(204).end(), options: { secret?: string; port?: number } = {}) {
  const verifier = new Webhook(options.secret ?? SECRET);
  const deliveries: Delivery[] = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
      const delivery: Delivery = { id: headers['webhook-id'] ?? '', timestamp: headers['webhook-timestamp'] ?? '', body, verified: false };
      try {
        delivery.payload = verifier.verify(body, headers);
        delivery.verified = true;
      } catch (error) {
        delivery.error = (error as Error).message;
      }
      deliveries.push(delivery);
      respond(delivery, deliveries.length, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    port,
    deliveries,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A loopback port with nothing listening (taken, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Polls until `check` holds (or fails after `ms`). */
export async function until(check: () => boolean | Promise<boolean>, ms = 5000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
