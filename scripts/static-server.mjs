import { createAdaptorServer } from '@hono/node-server';
import { Hono } from 'hono';
import { tsImport } from 'tsx/esm/api';

// The receiver's own static file middleware, so scripts and the server serve files alike.
const { staticFiles } = await tsImport('../packages/receiver/src/http/static.ts', import.meta.url);

/** A static file server on a free loopback port; resolves with its origin and a close(). */
export function startStaticServer(root, { strictCsp = false } = {}) {
  const app = new Hono();
  app.use('*', staticFiles({ prefix: '/', dir: root }, { strictCsp }));
  app.notFound((c) => c.text('not found', 404));
  const server = createAdaptorServer({ fetch: app.fetch });
  return new Promise((done) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      done({ origin: `http://127.0.0.1:${port}`, close: () => new Promise((r) => (server.closeAllConnections(), server.close(r))) });
    });
  });
}
