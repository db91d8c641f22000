// Webhook benchmark (#14), runnable alone: `node --import tsx scripts/bench/webhooks.ts`.
// - What queuing adds to taking a record: verifyRecord() per second, beside verifyRecord()
//   plus building its webhook messages (schema check, JSON, ids) and the rows for one endpoint.
//   The store's INSERT of those rows is not in it: the receiver's stores are wired separately.
// - Messages delivered per second by startWebhookSender to a loopback endpoint (node:http, 204),
//   each signed (HMAC-SHA256) and recorded in the in-memory queue.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { keySigner as deviceSigner, signRecord } from '../../packages/records/src/sign.js';
import { verifyRecord } from '../../packages/receiver/src/records/verify.js';
import { consentRecordEvents } from '../../packages/receiver/src/webhooks/events.js';
import { deliveriesFor, memoryWebhookQueue } from '../../packages/receiver/src/webhooks/queue.js';
import { startWebhookSender } from '../../packages/receiver/src/webhooks/sender.js';
import { createWebhookSecret } from '../../packages/receiver/src/webhooks/sign.js';
import { consentSample } from '../../packages/records/test/samples.js';

async function perSecond(fn: () => Promise<unknown>, ms = 1500): Promise<number> {
  for (let i = 0; i < 50; i++) await fn(); // warm-up
  let n = 0;
  const start = performance.now();
  while (performance.now() - start < ms) {
    await fn();
    n++;
  }
  return (n * 1000) / (performance.now() - start);
}

export async function benchWebhooks() {
  const { jws } = await signRecord(consentSample(), deviceSigner());
  const endpoints = ['https://crm.example.fi/hooks'];
  const withEvents = async () => {
    const result = await verifyRecord(jws);
    if (!result.ok || result.record.type !== 'consent') throw new Error('bench record refused');
    const messages = consentRecordEvents({ record: result.record, jws, kid: result.kid, receivedAt: new Date().toISOString() });
    return messages.flatMap((m) => deliveriesFor(m, endpoints));
  };
  // Alternating rounds, medians: the machine is shared, and a slow spell should hit both sides alike.
  const bareRuns: number[] = [];
  const queuedRuns: number[] = [];
  for (let round = 0; round < 7; round++) {
    bareRuns.push(await perSecond(() => verifyRecord(jws), 400));
    queuedRuns.push(await perSecond(withEvents, 400));
  }
  const median = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1]!;
  const bare = median(bareRuns);
  const queued = median(queuedRuns);
  // The events alone, in µs per record (what the receiver adds before its INSERT).
  const verified = await verifyRecord(jws);
  if (!verified.ok || verified.record.type !== 'consent') throw new Error('bench record refused');
  const stored = { record: verified.record, jws, kid: verified.kid, receivedAt: new Date().toISOString() };
  const eventsOnly: number[] = [];
  for (let round = 0; round < 7; round++) {
    const start = performance.now();
    for (let i = 0; i < 2000; i++) consentRecordEvents(stored).flatMap((m) => deliveriesFor(m, endpoints));
    eventsOnly.push(((performance.now() - start) * 1000) / 2000);
  }
  const eventMicros = median(eventsOnly);

  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(204).end());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
  const delivery: Record<number, number> = {};
  for (const concurrency of [8, 32]) {
    const queue = memoryWebhookQueue();
    const count = 3000;
    const template = consentRecordEvents(stored)[0]!;
    await queue.enqueue(
      Array.from({ length: count }, (_, i) => deliveriesFor({ ...template, id: `msg_bench${concurrency}x${i}` }, [url])[0]!),
      new Date(),
    );
    const start = performance.now();
    const sender = startWebhookSender({ queue, secret: createWebhookSecret(), concurrency, pollMs: 5, onError: () => undefined });
    while ([...queue.rows.values()].some((r) => r.state !== 'delivered')) await new Promise((r) => setTimeout(r, 20));
    delivery[concurrency] = (count * 1000) / (performance.now() - start);
    await sender.stop();
  }
  server.closeAllConnections();
  server.close();
  return { bare, queued, ratio: queued / bare, eventMicros, delivery };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await benchWebhooks();
  console.log('| measure | per second |\n|---|---|');
  console.log(`| verifyRecord() | ${r.bare.toFixed(0)} |`);
  console.log(`| verifyRecord() + webhook messages and rows for 1 endpoint | ${r.queued.toFixed(0)} (ratio ${r.ratio.toFixed(3)}) |`);
  console.log(`| (the messages and rows alone: ${r.eventMicros.toFixed(1)} µs per record) | ${(1e6 / r.eventMicros).toFixed(0)} |`);
  for (const [c, v] of Object.entries(r.delivery)) console.log(`| messages delivered to a loopback endpoint, concurrency ${c} | ${v.toFixed(0)} |`);
}
