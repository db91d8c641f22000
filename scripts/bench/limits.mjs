// What the second hardening round costs and hides, measured side by side in one run:
// - the link route's answer time for known and unknown addresses (over HTTP, as an attacker sees it);
// - the receiver's CPU per record with the per-client limits on and off (createReceiver().fetch, mail off);
// - the store's CPU per mail-causing record with no cap, the one cap of before, and the four caps now.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tsImport } from 'tsx/esm/api';
import { median, percentile, signConsentRecords, table } from './util.mjs';

const cpuMs = (since) => {
  const { user, system } = process.cpuUsage(since);
  return (user + system) / 1000;
};

async function linkTiming({ known = 100, requests = 400 } = {}) {
  const { createReceiver } = await tsImport('../../packages/receiver/src/receiver.ts', import.meta.url);
  const { createAdaptorServer } = await import('@hono/node-server');
  const dir = mkdtempSync(join(tmpdir(), 'pw-bench-link-'));
  const transport = { kind: 'file', timeoutMs: 30_000, async send() { return { messageId: '<x@bench>' }; }, async check() { return { ok: true }; }, close() {} };
  const receiver = await createReceiver({ dataDir: dir, rateLimit: false, mail: { transport, publicUrl: 'http://127.0.0.1' } });
  const server = createAdaptorServer({ fetch: receiver.fetch });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${server.address().port}`;
  const bodies = await signConsentRecords(known, { prefix: 'known' });
  for (const body of bodies) await (await fetch(`${url}/api/records`, { method: 'POST', headers: { 'content-type': 'application/jose' }, body })).arrayBuffer();
  const times = { known: [], unknown: [] };
  for (let i = 0; i < requests; i++) {
    const isKnown = Math.random() < 0.5;
    const email = isKnown ? `known-${i % known}@example.com` : `nobody-${i}@example.com`;
    const t = performance.now();
    const answer = await fetch(`${url}/api/preferences/link`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email }) });
    await answer.arrayBuffer();
    if (i >= 40) (isKnown ? times.known : times.unknown).push(performance.now() - t); // after a warm-up
  }
  server.close();
  await receiver.close();
  rmSync(dir, { recursive: true, force: true });
  return ['known', 'unknown'].map((kind) => ({
    address: kind,
    requests: times[kind].length,
    'p50 ms': median(times[kind]).toFixed(3),
    'p90 ms': percentile(times[kind], 90).toFixed(3),
    'mean ms': (times[kind].reduce((a, b) => a + b, 0) / times[kind].length).toFixed(3),
  }));
}

async function limitsCost({ records = 2000, rounds = 5 } = {}) {
  const { createReceiver } = await tsImport('../../packages/receiver/src/receiver.ts', import.meta.url);
  const bodies = await signConsentRecords(records * 2 * rounds, { prefix: `limits-${Date.now()}` });
  let cursor = 0;
  // Limits on, wide enough that none refuses: what counting costs, not what refusing saves.
  const variants = { off: false, on: { burst: 1e9, perSecond: 1e9 } };
  const cpu = { off: [], on: [] };
  for (let round = 0; round < rounds; round++) {
    for (const [name, rateLimit] of Object.entries(variants)) {
      const dir = mkdtempSync(join(tmpdir(), 'pw-bench-lim-'));
      const receiver = await createReceiver({ dataDir: dir, rateLimit, mail: false });
      const batch = bodies.slice(cursor, (cursor += records));
      const since = process.cpuUsage();
      let next = 0;
      await Promise.all(Array.from({ length: 32 }, async () => {
        while (next < batch.length) {
          const body = batch[next++];
          const response = await receiver.fetch(new Request('http://127.0.0.1/api/records', { method: 'POST', headers: { 'content-type': 'application/jose', 'x-forwarded-for': '192.0.2.1' }, body }));
          await response.arrayBuffer();
        }
      }));
      cpu[name].push(cpuMs(since) / records);
      await receiver.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const off = median(cpu.off);
  return Object.keys(variants).map((name) => ({ limits: name, 'CPU ms/record (median)': median(cpu[name]).toFixed(3), 'against off': `${(median(cpu[name]) / off).toFixed(3)}×` }));
}

async function capsCost({ records = 3000, rounds = 5 } = {}) {
  const { sqliteStore } = await tsImport('../../packages/receiver/src/store/sqlite-store.ts', import.meta.url);
  const { mailCaps } = await tsImport('../../packages/receiver/src/mail/caps.ts', import.meta.url);
  const { createLinkTokens } = await tsImport('../../packages/receiver/src/mail/link-tokens.ts', import.meta.url);
  const tokens = createLinkTokens(new Uint8Array(32).fill(3));
  const cap = { max: 3, windowMs: 86_400_000, clientMax: 1e9, keyMax: 1e9 };
  const variants = {
    'no cap': () => undefined,
    'one cap (per address, as before)': (email) => [{ key: `mail:${tokens.addressHash(email)}`, max: 3, windowMs: 86_400_000 }],
    'four caps (mailbox and client, mailbox, client, key)': (email, i) => mailCaps(tokens, cap, { to: email, client: `192.0.2.${i % 200}`, kid: `kid-${i % 50}`, group: 'consent' }),
  };
  const cpu = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
  for (let round = 0; round < rounds; round++) {
    for (const [name, caps] of Object.entries(variants)) {
      const dir = mkdtempSync(join(tmpdir(), 'pw-bench-caps-'));
      const store = sqliteStore(join(dir, 'records.db'));
      const since = process.cpuUsage();
      await Promise.all(Array.from({ length: records }, (_, i) => {
        const email = `caps-${round}-${i}@example.com`;
        const id = crypto.randomUUID();
        const row = { id, type: 'consent', email, kid: `kid-${i % 50}`, jws: `h.${id}.s`, record: { id }, receipt: {}, receivedAt: new Date().toISOString(), dueBy: null };
        const made = caps(email, i);
        return store.put(row, [{ kind: 'mail', email, recordId: id, payload: { message: 'x' }, ...(made ? { caps: made } : {}) }]);
      }));
      cpu[name].push(cpuMs(since) / records);
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const base = median(cpu['no cap']);
  return Object.keys(variants).map((name) => ({ 'mail caps counted': name, 'CPU ms/record (median)': median(cpu[name]).toFixed(3), 'against no cap': `${(median(cpu[name]) / base).toFixed(2)}×` }));
}

export async function benchLimits(options = {}) {
  const timing = await linkTiming(options.link);
  const limits = await limitsCost(options.limits);
  const caps = await capsCost(options.caps);
  return {
    timing,
    limits,
    caps,
    text: [
      'POST /api/preferences/link over HTTP, 100 known addresses, random order (the answer goes before any look-up):',
      table(timing, ['address', 'requests', 'p50 ms', 'p90 ms', 'mean ms']),
      '',
      'POST /api/records through createReceiver().fetch (SQLite, mail off), median of interleaved rounds:',
      table(limits, ['limits', 'CPU ms/record (median)', 'against off']),
      '',
      'store.put of a record with its mail job (SQLite, group commit), by the caps counted in that transaction:',
      table(caps, ['mail caps counted', 'CPU ms/record (median)', 'against no cap']),
    ].join('\n'),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) console.log((await benchLimits()).text);
