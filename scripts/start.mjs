// `npm start`: builds the package and serves the demo pages on loopback.
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import { serveFile } from './static-server.mjs';

const build = spawnSync('node', ['scripts/build.mjs'], { stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

const port = Number(process.env.PORT ?? 8787);
const host = process.env.HOST ?? '127.0.0.1';
// The demo runs under the strict policy a careful site would set.
const headers = {
  'content-security-policy': "default-src 'self'; script-src 'self'; style-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
};
const server = createServer((req, res) => {
  const { pathname } = new URL(req.url ?? '/', 'http://localhost');
  const served = pathname.startsWith('/dist/')
    ? serveFile('dist', pathname.slice('/dist'.length), res, headers)
    : serveFile('demo', pathname, res, headers);
  if (!served) {
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8', ...headers });
    res.end('not found');
  }
});
server.listen(port, host, () => console.log(`demo: http://${host}:${port}/`));
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.close(() => process.exit(0)));
