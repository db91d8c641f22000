// What confirmation mail (#12) and webhooks (#14) cost the receiver: records per second through
// createReceiver().fetch with each off and on, side by side in one run (mail and webhook messages
// are queued in the record's transaction, never sent inline), then how fast each queue drains to a
// loopback SMTP server and a loopback webhook endpoint.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tsImport } from 'tsx/esm/api';
import { median, signConsentRecords, startSinks, table } from './util.mjs';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
// Every record comes from this one process and 50 keys: the per-client and per-key mail caps would
// stop all but a few mails, so they are opened wide here (each is still counted, as in production).
export const BENCH_MAIL = { publicUrl: 'http://127.0.0.1', cap: { max: 3, windowMs: 86_400_000, clientMax: 1e9, keyMax: 1e9 } };

async function run(bodies, options, concurrency = 32) {
  const { createReceiver } = await tsImport('../../packages/receiver/src/receiver.ts', import.meta.url);
  const dir = mkdtempSync(join(tmpdir(), 'pw-bench-q-'));
  const receiver = await createReceiver({ dataDir: dir, rateLimit: false, ...options });
  let next = 0;
  let failed = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < bodies.length) {
      const body = bodies[next++];
      const response = await receiver.fetch(new Request('http://127.0.0.1/api/records', { method: 'POST', headers: { 'content-type': 'application/jose' }, body }));
      await response.arrayBuffer();
      if (response.status !== 201) failed++;
    }
  }));
  const seconds = (performance.now() - started) / 1000;
  return { rate: bodies.length / seconds, failed, receiver, dir };
}

/** Waits until `count()` reaches `n`; the rate from the first record posted. */
async function drained(sink, count, n, since) {
  while (count(await sink.refresh()) < n) await new Promise((r) => setTimeout(r, 20));
  return n / ((performance.now() - since) / 1000);
}

export async function benchQueues({ records = 1000, rounds = 3 } = {}) {
  const { createMailTransport } = await tsImport('../../packages/receiver/src/mail/transport.ts', import.meta.url);
  const bodies = await signConsentRecords(records * 4 * rounds, { prefix: `bench-${Date.now()}` });
  let cursor = 0;
  const take = () => bodies.slice(cursor, (cursor += records));
  const sink = await startSinks();
  const settings = {
    off: () => ({ mail: false }),
    mail: () => ({ mail: { ...BENCH_MAIL, transport: createMailTransport({ smtpUrl: sink.smtp, from: 'bench@localhost' }) } }),
    webhooks: () => ({ mail: false, webhooks: { endpoints: [sink.hooks], secret: SECRET } }),
    both: () => ({ mail: { ...BENCH_MAIL, transport: createMailTransport({ smtpUrl: sink.smtp, from: 'bench@localhost' }) }, webhooks: { endpoints: [sink.hooks], secret: SECRET } }),
  };
  const rates = { off: [], mail: [], webhooks: [], both: [] };
  const drains = { mail: [], webhooks: [] };
  // Interleaved rounds, so a swing of the machine's speed hits every variant alike.
  for (let round = 0; round < rounds; round++) {
    for (const name of Object.keys(settings)) {
      const { mails, hooks: delivered } = await sink.refresh();
      const started = performance.now();
      const { rate, receiver, dir } = await run(take(), settings[name]());
      rates[name].push(rate);
      if (name === 'mail') drains.mail.push(await drained(sink, (c) => c.mails - mails, records, started));
      if (name === 'webhooks') drains.webhooks.push(await drained(sink, (c) => c.hooks - delivered, records, started));
      if (name === 'both') await drained(sink, (c) => Math.min(c.mails - mails, c.hooks - delivered), records, started);
      await receiver.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }
  sink.stop();
  const off = median(rates.off);
  const rows = Object.entries(rates).map(([name, list]) => ({
    'confirmation mail / webhooks': { off: 'off / off', mail: 'on / off', webhooks: 'off / on', both: 'on / on' }[name],
    'records/s': Math.round(median(list)),
    'vs off': `${(median(list) / off).toFixed(2)}×`,
  }));
  const mailRatio = median(rates.mail) / off;
  const hookRatio = median(rates.webhooks) / off;
  const text =
    `${table(rows, ['confirmation mail / webhooks', 'records/s', 'vs off'])}\n` +
    `${records} distinct records per run (50 signing keys), 32 in flight through createReceiver().fetch with SQLite, median of ${rounds} interleaved rounds. ` +
    `Targets ≥ 0.90×: confirmation on ${mailRatio.toFixed(2)}× (${mailRatio >= 0.9 ? 'met' : 'NOT met'}), one webhook endpoint ${hookRatio.toFixed(2)}× (${hookRatio >= 0.9 ? 'met' : 'NOT met'}).\n` +
    `Queues drained (from the first post to the last message accepted, the receiver also storing): mail to a loopback SMTP server ${Math.round(median(drains.mail))} mails/s, ` +
    `webhooks to a loopback endpoint ${Math.round(median(drains.webhooks))} messages/s.`;
  return { rows, text };
}
