// The bare-crypto ceiling for the scale benchmark (not shipped): `node scripts/bench/ceiling-server.mjs <workers> [cache]`.
// Per request it does the cryptography the receiver must do and nothing else: parse the JWS, import the
// embedded JWK, verify ES256, countersign a receipt, all with node:crypto; it stores nothing.
// `cache`: imported keys are kept by kid, as the receiver keeps them (importing costs more than verifying).
import cluster from 'node:cluster';
import { createHash, createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import { createServer } from 'node:http';

const workers = Number(process.argv[2] ?? 1);
const cache = process.argv[3] === 'cache' ? new Map() : undefined;
if (cluster.isPrimary) {
  let listening = 0;
  cluster.on('listening', (_w, address) => {
    if (++listening === workers) process.stdout.write(`http://127.0.0.1:${address.port}/ ${Object.values(cluster.workers).map((w) => w.process.pid).join(',')}\n`);
  });
  for (let i = 0; i < workers; i++) cluster.fork();
  process.on('SIGTERM', () => {
    for (const w of Object.values(cluster.workers)) w.process.kill('SIGTERM');
    cluster.on('exit', () => Object.keys(cluster.workers).length || process.exit(0));
  });
} else {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const b64 = (s) => Buffer.from(s).toString('base64url');
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const jws = Buffer.concat(chunks).toString('utf8').trim();
      const [h, p, s] = jws.split('.');
      try {
        const header = JSON.parse(Buffer.from(h, 'base64url').toString());
        const record = JSON.parse(Buffer.from(p, 'base64url').toString());
        let key = cache?.get(header.kid);
        if (!key) {
          key = createPublicKey({ key: header.jwk, format: 'jwk' });
          cache?.set(header.kid, key);
        }
        if (!verify('sha256', Buffer.from(`${h}.${p}`), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(s, 'base64url'))) throw new Error('bad');
        const payload = { recordId: record.id, jwsSha256: createHash('sha256').update(jws).digest('hex'), receivedAt: new Date().toISOString() };
        const input = `${b64(JSON.stringify({ alg: 'ES256', kid: 'ceiling' }))}.${b64(JSON.stringify(payload))}`;
        const receipt = `${input}.${sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
        res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ ...payload, status: 'stored', receipt }));
      } catch {
        res.writeHead(400).end();
      }
    });
  });
  server.keepAliveTimeout = 5000;
  server.listen(0, '127.0.0.1');
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
}
