import { createServer } from 'node:http';
import { tsImport } from 'tsx/esm/api';

// The receiver's own static file handler, so scripts and the server serve files alike.
const { serveStatic } = await tsImport('../src/server/receiver/static.ts', import.meta.url);

/** A static file server on a free loopback port; resolves with its origin and a close(). */
export function startStaticServer(root, { strictCsp = false } = {}) {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (!serveStatic(root, url.pathname, res, { strictCsp })) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
    }
  });
  return new Promise((done) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      done({ origin: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(r)) });
    });
  });
}
