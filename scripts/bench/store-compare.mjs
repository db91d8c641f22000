// CPU per operation of two checkouts' stores side by side, in one process and interleaved rounds (so a
// swing of the machine's speed hits both alike): store.put with its mail job and 0, 1 or 4 caps (SQLite
// group commit; all at once, as limits.mjs does, and 32 in flight), reads, the same on PostgreSQL, and
// POST /api/records through createReceiver().fetch (SQLite, mail off and on).
//   node scripts/bench/store-compare.mjs <before checkout> [after checkout, default this one]
// A checkout needs node_modules (a symlink to this one's will do).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import pgDriver from 'pg';
import { tsImport } from 'tsx/esm/api';
import { median, signConsentRecords, table } from './util.mjs';

const cpuMs = (since) => {
  const { user, system } = process.cpuUsage(since);
  return (user + system) / 1000;
};
const load = (root, path) => tsImport(pathToFileURL(join(root, path)).href, import.meta.url);

async function checkout(root) {
  const { sqliteStore } = await load(root, 'packages/receiver/src/store/sqlite-store.ts');
  const { pgStore } = await load(root, 'packages/receiver/src/store/pg-store.ts');
  const { createReceiver } = await load(root, 'packages/receiver/src/receiver.ts');
  const { mailCaps } = await load(root, 'packages/receiver/src/mail/caps.ts');
  const { createLinkTokens } = await load(root, 'packages/receiver/src/mail/link-tokens.ts');
  return { sqliteStore, pgStore, createReceiver, mailCaps, tokens: createLinkTokens(new Uint8Array(32).fill(3)) };
}

const CAP = { max: 3, windowMs: 86_400_000, clientMax: 1e9, keyMax: 1e9 };
const capsFor = {
  'no job': null,
  'mail, no cap': () => undefined,
  'mail, 1 cap': (c, email) => [{ key: `mail:${c.tokens.addressHash(email)}`, max: 3, windowMs: 86_400_000 }],
  'mail, 4 caps': (c, email, i) => c.mailCaps(c.tokens, CAP, { to: email, client: `192.0.2.${i % 200}`, kid: `kid-${i % 50}`, group: 'consent' }),
};

/** CPU ms per store.put; `inFlight` 0: every put at once. */
async function puts(c, store, variant, records, inFlight, prefix) {
  const make = (i) => {
    const email = `${prefix}-${i}@example.com`;
    const id = crypto.randomUUID();
    const row = { id, type: 'consent', email, kid: `kid-${i % 50}`, jws: `h.${id}.s`, record: { id }, receipt: {}, receivedAt: new Date().toISOString(), dueBy: null };
    const caps = capsFor[variant];
    if (!caps) return [row];
    const made = caps(c, email, i);
    return [row, [{ kind: 'mail', email, recordId: id, payload: { message: 'x' }, ...(made ? { caps: made } : {}) }]];
  };
  const since = process.cpuUsage();
  if (!inFlight) await Promise.all(Array.from({ length: records }, (_, i) => store.put(...make(i))));
  else {
    let next = 0;
    await Promise.all(Array.from({ length: inFlight }, async () => {
      while (next < records) await store.put(...make(next++));
    }));
  }
  return cpuMs(since) / records;
}

/** CPU ms per read: get, then byEmail, of every record stored. */
async function reads(store, records, prefix) {
  const ids = [];
  for (let i = 0; i < records; i++) {
    const id = crypto.randomUUID();
    ids.push(id);
    await store.put({ id, type: 'consent', email: `${prefix}-${i}@example.com`, kid: 'kid', jws: `h.${id}.s`, record: { id }, receipt: {}, receivedAt: new Date().toISOString(), dueBy: null });
  }
  const since = process.cpuUsage();
  for (let i = 0; i < records; i++) {
    await store.get(ids[i]);
    await store.byEmail(`${prefix}-${i}@example.com`);
  }
  return cpuMs(since) / (2 * records);
}

async function fetches(c, bodies, mail) {
  const dir = mkdtempSync(join(tmpdir(), 'pw-bench-cmp-'));
  const transport = { kind: 'file', timeoutMs: 30_000, async send() { return { messageId: '<x@bench>' }; }, async check() { return { ok: true }; }, close() {} };
  const receiver = await c.createReceiver({ dataDir: dir, rateLimit: false, mail: mail ? { transport, publicUrl: 'http://127.0.0.1', cap: CAP } : false });
  let next = 0;
  const since = process.cpuUsage();
  await Promise.all(Array.from({ length: 32 }, async () => {
    while (next < bodies.length) {
      const response = await receiver.fetch(new Request('http://127.0.0.1/api/records', { method: 'POST', headers: { 'content-type': 'application/jose', 'x-forwarded-for': '192.0.2.1' }, body: bodies[next++] }));
      await response.arrayBuffer();
    }
  }));
  const cpu = cpuMs(since) / bodies.length;
  await receiver.close();
  rmSync(dir, { recursive: true, force: true });
  return cpu;
}

export async function compareStores(before, after, { records = 3000, rounds = 5, pgRecords = 1000, fetchRecords = 1000 } = {}) {
  const sides = { before: await checkout(before), after: await checkout(after) };
  const cpu = {};
  const add = (row, side, value) => ((cpu[row] ??= { before: [], after: [] })[side].push(value));
  let pg;
  try {
    const { startPostgres } = await tsImport(pathToFileURL(join(after, 'packages/receiver/test/helpers/postgres.ts')).href, import.meta.url);
    pg = await startPostgres();
  } catch (error) {
    console.error(`PostgreSQL not measured: ${error.message.split('\n')[0]}`);
  }
  const bodies = await signConsentRecords(fetchRecords * 4 * rounds, { prefix: `cmp-${Date.now()}` });
  let cursor = 0;
  let databases = 0;
  for (let round = 0; round < rounds; round++) {
    // Alternate which side goes first, so neither always runs on a warmer (or busier) machine.
    for (const side of round % 2 ? ['after', 'before'] : ['before', 'after']) {
      const c = sides[side];
      for (const variant of Object.keys(capsFor)) {
        for (const inFlight of [0, 32]) {
          const dir = mkdtempSync(join(tmpdir(), 'pw-bench-cmp-'));
          const store = c.sqliteStore(join(dir, 'records.db'));
          add(`SQLite put, ${variant}, ${inFlight ? '32 in flight' : 'all at once'}`, side, await puts(c, store, variant, records, inFlight, `${side}-${round}-${variant}-${inFlight}`));
          await store.close();
          rmSync(dir, { recursive: true, force: true });
        }
      }
      const dir = mkdtempSync(join(tmpdir(), 'pw-bench-cmp-'));
      const store = c.sqliteStore(join(dir, 'records.db'));
      add('SQLite get + byEmail (per read)', side, await reads(store, 1000, `${side}-${round}-r`));
      await store.close();
      rmSync(dir, { recursive: true, force: true });
      if (pg) {
        for (const variant of ['no job', 'mail, 4 caps']) {
          const name = `bench_${++databases}`;
          const client = new pgDriver.Client(pg.url);
          await client.connect();
          await client.query(`CREATE DATABASE ${name}`);
          await client.end();
          const pgStore = await c.pgStore(pg.url.replace(/\/postgres$/, `/${name}`));
          add(`PostgreSQL put, ${variant}, 32 in flight`, side, await puts(c, pgStore, variant, pgRecords, 32, `${side}-${round}-pg-${variant}`));
          if (variant === 'no job') add('PostgreSQL get + byEmail (per read)', side, await reads(pgStore, 500, `${side}-${round}-pgr`));
          await pgStore.close();
        }
      }
      for (const mail of [false, true]) add(`createReceiver().fetch, SQLite, mail ${mail ? 'on (4 caps)' : 'off'}`, side, await fetches(c, bodies.slice(cursor, (cursor += fetchRecords)), mail));
    }
  }
  pg?.stop();
  // Each round ran both sides back to back: the ratio within a round cancels most of the machine's drift.
  const quartile = (values, q) => [...values].sort((x, y) => x - y)[Math.floor(q * (values.length - 1))];
  const rows = Object.entries(cpu).map(([what, { before: b, after: a }]) => {
    const ratios = a.map((value, i) => value / b[i]);
    return {
      'CPU ms per operation (median)': what,
      before: median(b).toFixed(4),
      after: median(a).toFixed(4),
      'after / before (paired median)': `${median(ratios).toFixed(3)}×`,
      'middle half of rounds': `${quartile(ratios, 0.25).toFixed(2)}–${quartile(ratios, 0.75).toFixed(2)}`,
    };
  });
  const columns = ['CPU ms per operation (median)', 'before', 'after', 'after / before (paired median)', 'middle half of rounds'];
  return { rows, text: `${table(rows, columns)}\n${rounds} interleaved rounds; ${records} SQLite puts, ${pgRecords} PostgreSQL puts and ${fetchRecords} posts per round.` };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [before, after = '.'] = process.argv.slice(2);
  if (!before) throw new Error('usage: node scripts/bench/store-compare.mjs <before checkout> [after checkout]');
  console.log((await compareStores(resolve(before), resolve(after), { rounds: Number(process.env.ROUNDS ?? 5) })).text);
}
