// The receiver for the scale benchmark, as `workers` processes on one port (node:cluster):
// `tsx scripts/bench/scale-server.ts <workers> sqlite|pg <dataDir> <DATABASE_URL|-> on|off [smtpUrl webhookUrl]`.
// `on`: confirmation mail (over SMTP) and a webhook endpoint; `off`: neither.
// Prints the URL once every worker listens; SIGTERM stops the workers.
import cluster from 'node:cluster';
import type { Server } from 'node:http';
import { createAdaptorServer } from '@hono/node-server';
import { createMailTransport } from '../../packages/receiver/src/mail/transport.js';
import { createReceiver } from '../../packages/receiver/src/receiver.js';
import { openServerKey, openStore } from '../../packages/receiver/src/store/open.js';

const [workersText, kind, dataDir, databaseUrl, features, smtpUrl, webhookUrl] = process.argv.slice(2);
const workers = Number(workersText);
const options = { dataDir: dataDir!, databaseUrl: kind === 'pg' ? databaseUrl : undefined };

if (cluster.isPrimary) {
  await (await openStore(options)).close(); // migrate once
  await openServerKey(dataDir!);
  let listening = 0;
  cluster.on('listening', (_w, address) => {
    if (++listening === workers) process.stdout.write(`http://127.0.0.1:${address.port}/ ${Object.values(cluster.workers!).map((w) => w!.process.pid).join(',')}\n`);
  });
  for (let i = 0; i < workers; i++) cluster.fork();
  process.on('SIGTERM', () => {
    for (const w of Object.values(cluster.workers!)) w!.process.kill('SIGTERM');
    cluster.on('exit', () => Object.keys(cluster.workers!).length || process.exit(0));
  });
} else {
  const receiver = await createReceiver({
    ...options,
    rateLimit: false,
    mail: features === 'on' ? { publicUrl: 'http://127.0.0.1', cap: { max: 3, windowMs: 86_400_000, clientMax: 1e9, keyMax: 1e9 }, transport: createMailTransport({ smtpUrl, from: 'bench@localhost' }) } : false,
    ...(features === 'on' && webhookUrl ? { webhooks: { endpoints: [webhookUrl], secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' } } : {}),
  });
  const server = createAdaptorServer({ fetch: receiver.fetch }) as Server;
  server.keepAliveTimeout = 5000;
  server.listen(0, '127.0.0.1');
  process.on('SIGTERM', () => {
    server.close();
    server.closeAllConnections();
    void receiver.close().then(() => process.exit(0));
  });
}
