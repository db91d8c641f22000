// An Express 5 site that mounts the receiver beside its own routes.
import { getRequestListener } from '@hono/node-server';
import express from 'express';
import { createReceiver } from '@optimesys/privacy-receiver';

export async function createSite(options: { dataDir: string; publicUrl: string }) {
  // The origin the links in confirmation mails open: this site's own, configured (never read from a request).
  const receiver = await createReceiver({ dataDir: options.dataDir, mail: { publicUrl: options.publicUrl } });
  // The Node request goes through untouched, so the receiver reads the body itself
  // (no express.json() before it) and rate-limits by the socket's address.
  const records = getRequestListener(receiver.fetch, { overrideGlobalObjects: false });

  const app = express();
  app.all(['/api/records', '/.well-known/jwks.json'], (req, res) => void records(req, res));
  app.get('/', (_req, res) => void res.send('<!doctype html><title>OptimeSys</title><consent-form endpoint="/api/records"></consent-form>'));
  return { app, close: () => receiver.close() };
}

// `node server.js` starts it; the test imports createSite instead.
if (import.meta.url === `file://${process.argv[1]}`) {
  const { app } = await createSite({ dataDir: process.env.PRIVACY_DATA_DIR ?? './data/privacy', publicUrl: process.env.PUBLIC_URL ?? 'http://localhost:3000' });
  app.listen(Number(process.env.PORT ?? 3000));
}
