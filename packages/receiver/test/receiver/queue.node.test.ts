// The job queue and the receiver's events, against SQLite and PostgreSQL alike.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { pgStore } from '../../src/store/pg-store.js';
import { sqliteStore } from '../../src/store/sqlite-store.js';
import type { NewJob, ReceiverEvent, RecordStore, StoredRecord } from '../../src/store/store.js';
import { pgTestsDisabled, startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { tempDir } from './helpers.js';

const DAY = 86_400_000;

function row(email = 'maija@example.fi'): StoredRecord {
  const id = randomUUID();
  return {
    id,
    type: 'consent',
    email,
    kid: 'kid-1',
    jws: `h.${id}.s`,
    record: { id },
    receipt: { recordId: id },
    receivedAt: new Date().toISOString(),
    dueBy: null,
  };
}
const mail = (email: string, recordId?: string): NewJob => ({
  kind: 'mail',
  email,
  recordId,
  payload: { to: email, subject: 'Vahvista' },
  caps: [{ key: `mail:${email}`, max: 3, windowMs: DAY }],
});
const event = (recordId: string, email = 'Maija@Example.fi'): ReceiverEvent => ({
  id: randomUUID(),
  kind: 'confirmation',
  key: `confirm:kid-1:${recordId}`,
  email,
  recordId,
  recordKid: 'kid-1',
  at: new Date().toISOString(),
  data: { tokenId: 't' },
  jws: 'receiver.jws.sig',
});

function queueContract(name: string, open: () => Promise<RecordStore>, second: () => Promise<RecordStore>) {
  describe(`${name}: jobs and events`, () => {
    let store: RecordStore;
    let other: RecordStore;
    before(async () => {
      store = await open();
      other = await second();
    });
    after(async () => {
      await store.close();
      await other.close();
    });

    it('queues a job with its record in one go, and never again for a repeat', async () => {
      const r = row('once@example.fi');
      await store.put(r, [mail('once@example.fi', r.id)]);
      await store.put(r, [mail('once@example.fi', r.id)]);
      const jobs = await store.jobs({ email: 'once@example.fi' });
      assert.equal(jobs.length, 1);
      assert.equal(jobs[0]!.recordId, r.id);
      assert.deepEqual(jobs[0]!.payload, { to: 'once@example.fi', subject: 'Vahvista' });
    });

    it('caps mails per address in 24 h, across two processes posting at once', async () => {
      const email = `capped-${randomUUID()}@example.fi`;
      await Promise.all(
        Array.from({ length: 10 }, (_, i) => {
          const r = row(email);
          return (i % 2 ? other : store).put(r, [mail(email, r.id)]);
        }),
      );
      assert.equal((await store.jobs({ email })).length, 3);
      assert.equal((await store.byEmail(email)).length, 10, 'every record is stored; only the mails are capped');
    });

    it('queueJobs: jobs without a record (a preference-link mail), capped per address across two processes', async () => {
      const email = `link-${randomUUID()}@example.fi`;
      await Promise.all(Array.from({ length: 6 }, (_, i) => (i % 2 ? other : store).queueJobs([mail(email)])));
      const jobs = await store.jobs({ email });
      assert.equal(jobs.length, 3);
      assert.equal(jobs[0]!.recordId, null);
    });

    it('leases a job to one claimer at a time, and again once the lease runs out', async () => {
      const email = `lease-${randomUUID()}@example.fi`;
      const r = row(email);
      await store.put(r, [{ kind: 'webhook', email, payload: { n: 1 } }]);
      const now = new Date(Date.now() + 1000);
      const [a, b] = await Promise.all([
        store.claimJobs('webhook', now, 100, new Date(now.getTime() + 60_000)),
        other.claimJobs('webhook', now, 100, new Date(now.getTime() + 60_000)),
      ]);
      const mine = [...a!, ...b!].filter((j) => j.email === email);
      assert.equal(mine.length, 1, 'claimed once');
      const later = new Date(now.getTime() + 61_000);
      const again = (await other.claimJobs('webhook', later, 100, new Date(later.getTime() + 60_000))).filter((j) => j.email === email);
      assert.equal(again.length, 1, 'a lease that ran out is claimed again');
      await other.jobDone(again[0]!.id, later, 'delivered');
      const done = (await store.claimJobs('webhook', new Date(later.getTime() + 120_000), 100, new Date(later.getTime() + 180_000))).filter((j) => j.email === email);
      assert.deepEqual(done, [], 'done is never claimed again');
      const [stored] = await store.jobs({ email });
      assert.equal(stored!.result, 'delivered');
      assert.equal(stored!.attempts, 1);
    });

    it('renews a lease only for the claimer that still holds it, atomically against a claim; releases without counting an attempt', async () => {
      const email = `renew-${randomUUID()}@example.fi`;
      await store.put(row(email), [
        { kind: 'webhook', email, payload: { n: 1 } },
        { kind: 'webhook', email, payload: { n: 2 } },
      ]);
      const t0 = new Date(Date.now() + 1000);
      const at = (ms: number) => new Date(t0.getTime() + ms);
      const mine = (jobs: { id: string; email: string | null }[]) => jobs.filter((j) => j.email === email).map((j) => j.id).sort();
      const ids = mine(await store.claimJobs('webhook', t0, 100, at(1000)));
      assert.equal(ids.length, 2);

      assert.deepEqual((await store.renewJobLeases(ids, at(1000), at(5000))).sort(), ids, 'the holder renews');
      assert.deepEqual(await store.renewJobLeases(ids, at(1000), at(9000)), [], 'a lease value that is no longer the row\'s renews nothing');
      assert.deepEqual(mine(await other.claimJobs('webhook', at(2000), 100, at(62_000))), [], 'the renewed lease holds past the first one');
      assert.deepEqual(await store.renewJobLeases([], at(5000), at(9000)), []);

      // Once the lease has run out a renewal and a claim race: each job goes to exactly one of them.
      const [renewed, claimed] = await Promise.all([
        store.renewJobLeases(ids, at(5000), at(65_000)),
        other.claimJobs('webhook', at(6000), 100, at(66_000)).then(mine),
      ]);
      assert.deepEqual([...renewed, ...claimed].sort(), ids, `renewed ${renewed.length}, claimed ${claimed.length}`);
      const [first, second] = ids as [string, string];
      const leases = new Map<string, Date>(ids.map((id) => [id, renewed.includes(id) ? at(65_000) : at(66_000)]));

      // Released: due again at once, for anyone, with no attempt counted.
      assert.deepEqual(await store.renewJobLeases([first], leases.get(first)!, null), [first]);
      const again = (await other.claimJobs('webhook', at(7000), 100, at(67_000))).filter((j) => j.email === email);
      assert.deepEqual(again.map((j) => j.id), [first]);
      assert.equal(again[0]!.attempts, 0);
      assert.equal(again[0]!.lastError, null);

      // Done: nothing left to renew.
      await store.jobDone(second, at(7000), 'delivered');
      assert.deepEqual(await store.renewJobLeases([second], leases.get(second)!, at(99_000)), []);
    });

    it('retries a failed job when due, lists a given-up one, and puts it back on request', async () => {
      const email = `fail-${randomUUID()}@example.fi`;
      await store.put(row(email), [{ kind: 'webhook', email, payload: {} }]);
      const t0 = new Date(Date.now() + 1000);
      const [job] = (await store.claimJobs('webhook', t0, 100, new Date(t0.getTime() + 1000))).filter((j) => j.email === email);
      await store.jobFailed(job!.id, new Date(t0.getTime() + 5000), 'HTTP 500');
      assert.equal((await store.claimJobs('webhook', new Date(t0.getTime() + 4000), 100, t0)).filter((j) => j.email === email).length, 0);
      const [retried] = (await store.claimJobs('webhook', new Date(t0.getTime() + 6000), 100, new Date(t0.getTime() + 7000))).filter((j) => j.email === email);
      assert.equal(retried!.attempts, 1);
      assert.equal(retried!.lastError, 'HTTP 500');
      await store.jobGaveUp(retried!.id, new Date(), 'schedule exhausted');
      assert.deepEqual((await store.jobs({ gaveUp: true, email })).map((j) => j.id), [job!.id]);
      assert.equal(await store.retryJob(job!.id, new Date()), true);
      assert.equal(await store.retryJob(job!.id, new Date()), false, 'only a given-up job is put back');
      assert.equal((await store.claimJobs('webhook', new Date(Date.now() + 1000), 100, new Date(Date.now() + 5000))).filter((j) => j.email === email).length, 1);
    });

    it('appends an event once per key, with its jobs once, and finds it by normalised address', async () => {
      const recordId = randomUUID();
      const first = await store.addEvent(event(recordId), [{ kind: 'webhook', email: 'maija@example.fi', payload: { recordId } }]);
      const second = await other.addEvent(event(recordId), [{ kind: 'webhook', email: 'maija@example.fi', payload: { recordId } }]);
      assert.equal(first.status, 'stored');
      assert.equal(second.status, 'duplicate');
      assert.equal(second.event.id, first.event.id);
      assert.equal((await store.jobs({ email: 'maija@example.fi' })).filter((j) => j.payload.recordId === recordId).length, 1);
      const events = await store.events(' MAIJA@example.fi ');
      assert.ok(events.some((e) => e.recordId === recordId));
      assert.equal((await store.event(`confirm:kid-1:${recordId}`))?.id, first.event.id);
      const all: string[] = [];
      for await (const e of other.allEvents()) all.push(e.id);
      assert.equal(all.filter((id) => id === first.event.id).length, 1, 'allEvents lists it once');
    });
  });
}

const dir = tempDir();
queueContract(
  'SQLite',
  async () => sqliteStore(join(dir, 'q.db')),
  async () => sqliteStore(join(dir, 'q.db')),
);

describe('SQLite events are append-only', () => {
  it('refuses UPDATE and DELETE of an event', async () => {
    const file = join(tempDir(), 'e.db');
    const store = sqliteStore(file);
    await store.addEvent(event(randomUUID()));
    await store.close();
    const db = new Database(file);
    try {
      assert.throws(() => db.prepare("UPDATE privacy_events SET at = 'x'").run(), /append-only/);
      assert.throws(() => db.prepare('DELETE FROM privacy_events').run(), /append-only/);
    } finally {
      db.close();
    }
  });
});

describe('PostgreSQL', { skip: pgTestsDisabled && 'PG_TESTS=off' }, () => {
  let server: TestPostgres;
  before(async () => {
    server = await startPostgres();
  });
  after(() => server?.stop());
  queueContract(
    'PostgreSQL',
    () => pgStore(server.url),
    () => pgStore(server.url),
  );
});
