import { expect, waitUntil } from '@open-wc/testing';
import { memoryAdapter } from '../../src/adapters/memory.js';
import type { BackendAdapter } from '../../src/adapters/types.js';
import { createOutbox, defaultBackoff, type Outbox, type OutboxOptions } from '../../src/outbox/outbox.js';
import { signRecord } from '@optimesys/privacy-records/sign';
import { deviceSigner } from '../../src/outbox/device-signer.js';
import { unique } from './frames.js';
import { consentSample } from '../../packages/records/test/samples.js';

/** A clock and timers the test moves by hand; `delays` lists every delay the outbox asked for. */
function manualTimers() {
  const pending = new Map<number, { callback: () => void; due: number }>();
  const delays: number[] = [];
  let clock = 1_000_000;
  let next = 1;
  return {
    delays,
    now: () => clock,
    setTimeout(callback: () => void, ms: number) {
      delays.push(ms);
      pending.set(next, { callback, due: clock + ms });
      return next++;
    },
    clearTimeout(handle: unknown) {
      pending.delete(handle as number);
    },
    /** Moves the clock to the latest timer set so far and fires them all. */
    fire() {
      const timers = [...pending.values()];
      pending.clear();
      clock = Math.max(clock, ...timers.map((t) => t.due));
      timers.forEach((t) => t.callback());
    },
    get count() {
      return pending.size;
    },
  };
}

const signer = deviceSigner();
const newRecord = () => signRecord(consentSample(), signer);

describe('outbox', () => {
  const open: Outbox[] = [];
  const outbox = (adapter: BackendAdapter, options: OutboxOptions = {}) => {
    const box = createOutbox(adapter, { dbName: unique('outbox'), onlineTarget: new EventTarget(), ...options });
    open.push(box);
    return box;
  };
  afterEach(() => open.splice(0).forEach((box) => box.close()));

  it('delivers at once when it can, leaves nothing behind and tells listeners', async () => {
    const adapter = memoryAdapter();
    const box = outbox(adapter);
    const sent: string[] = [];
    box.on('sent', (d) => sent.push(d.record.id));
    const { jws, record } = await newRecord();
    const result = await box.send(jws, record);
    expect(result.status).to.equal('sent');
    expect(result.status === 'sent' && result.receipt.recordId).to.equal(record.id);
    expect(adapter.received.map((r) => r.jws)).to.deep.equal([jws]);
    expect(await box.pending()).to.deep.equal([]);
    expect(sent).to.deep.equal([record.id]);
  });

  it('keeps a record it could not send and retries with growing, jittered delays until it is accepted', async () => {
    const adapter = memoryAdapter();
    adapter.failNext(3, 503);
    const timers = manualTimers();
    const box = outbox(adapter, { timers, now: timers.now, random: () => 0 });
    await box.ready;
    const events: string[] = [];
    box.on('queued', (d) => events.push(`queued ${d.attempts} ${d.error.code}`));
    box.on('sent', () => events.push('sent'));
    const { jws, record } = await newRecord();

    const result = await box.send(jws, record);
    expect(result).to.deep.equal({ status: 'queued', error: { code: 'http-503', message: 'memoryAdapter: failing as told' } });
    expect((await box.pending()).map((e) => e.id)).to.deep.equal([record.id]);
    for (let i = 0; i < 3; i++) {
      const before = events.length;
      await waitUntil(() => timers.count > 0, 'no retry scheduled');
      timers.fire();
      await waitUntil(() => events.length > before, 'retry did not run');
    }
    expect(events).to.deep.equal(['queued 1 http-503', 'queued 2 http-503', 'queued 3 http-503', 'sent']);
    expect(adapter.received).to.have.length(1);
    expect(await box.pending()).to.deep.equal([]);
    // random() = 0: the lower half of 2 s, 4 s, 8 s.
    expect(timers.delays).to.deep.equal([1000, 2000, 4000]);
    expect(timers.count, 'no timer left once the outbox is empty').to.equal(0);
  });

  it("waits at least as long as the backend's Retry-After asks, and keeps its own backoff when that is longer", async () => {
    const adapter = memoryAdapter();
    adapter.failNext(2, 429, 90_000);
    const timers = manualTimers();
    const box = outbox(adapter, { timers, now: timers.now, random: () => 1, backoff: (n) => (n === 1 ? 2000 : 600_000) });
    const { jws, record } = await newRecord();
    const first = await box.send(jws, record);
    expect(first.status).to.equal('queued');
    const [entry] = await box.pending();
    expect(entry!.nextAttemptAt - timers.now(), 'Retry-After beats a 2 s backoff').to.equal(90_000);
    await waitUntil(() => timers.count > 0, 'no retry scheduled');
    timers.fire();
    await waitUntil(async () => (await box.pending())[0]?.attempts === 2, 'second attempt did not run');
    const [again] = await box.pending();
    expect(again!.nextAttemptAt - timers.now(), 'a longer backoff wins over Retry-After').to.equal(600_000);
    expect(adapter.received).to.have.length(0);
  });

  it('the same record sent twice (a double click) stays one entry and counts its attempts', async () => {
    const adapter = memoryAdapter();
    adapter.failNext(2);
    const box = outbox(adapter, { timers: manualTimers() });
    const { jws, record } = await newRecord();
    await box.send(jws, record);
    await box.send(jws, record);
    const entries = await box.pending();
    expect(entries.map((e) => [e.id, e.attempts])).to.deep.equal([[record.id, 2]]);
    expect((await box.send(jws, record)).status).to.equal('sent');
    expect(adapter.received).to.have.length(1);
  });

  it('default backoff doubles up to five minutes, with jitter between half and all of the step', () => {
    expect([1, 2, 3, 4].map((n) => defaultBackoff(n, () => 1))).to.deep.equal([2000, 4000, 8000, 16000]);
    expect([1, 2, 3].map((n) => defaultBackoff(n, () => 0))).to.deep.equal([1000, 2000, 4000]);
    expect(defaultBackoff(30, () => 1)).to.equal(300_000);
    expect(defaultBackoff(30, () => 0)).to.equal(150_000);
  });

  it('a rejection leaves the outbox, is reported, and is never retried', async () => {
    const adapter = memoryAdapter();
    adapter.rejectNext(1, 'bad-schema');
    const timers = manualTimers();
    const box = outbox(adapter, { timers });
    const rejected: unknown[] = [];
    box.on('rejected', (d) => rejected.push(d.error));
    const { jws, record } = await newRecord();
    const result = await box.send(jws, record);
    expect(result).to.deep.equal({ status: 'rejected', error: { code: 'bad-schema', message: 'memoryAdapter: rejecting as told', status: 400 } });
    expect(rejected).to.deep.equal([result.status === 'rejected' && result.error]);
    expect(await box.pending()).to.deep.equal([]);
    expect(timers.count).to.equal(0);
    await box.flush({ force: true });
    expect(adapter.received, 'not sent again').to.have.length(0);
  });

  it('keeps the record when the adapter fails unexpectedly (never drops silently)', async () => {
    const box = outbox({ send: () => Promise.reject(new TypeError('adapter bug')) }, { timers: manualTimers() });
    const { jws, record } = await newRecord();
    const result = await box.send(jws, record);
    expect(result.status === 'queued' && result.error.code).to.equal('send-failed');
    expect((await box.pending()).map((e) => e.id)).to.deep.equal([record.id]);
  });

  it('tries again at once when the browser comes back online, whatever the backoff says', async () => {
    const adapter = memoryAdapter();
    adapter.failNext(1);
    const online = new EventTarget();
    const box = outbox(adapter, { onlineTarget: online, backoff: () => 3_600_000, timers: manualTimers() });
    const { jws, record } = await newRecord();
    expect((await box.send(jws, record)).status).to.equal('queued');
    online.dispatchEvent(new Event('online'));
    await waitUntil(() => adapter.received.length === 1, 'online did not flush');
    expect(await box.pending()).to.deep.equal([]);
  });

  it('delivers each record only to the backend it was made for, when outboxes share a store', async () => {
    const dbName = unique('outbox-scopes');
    const first = memoryAdapter();
    const second = memoryAdapter();
    const a = outbox(first, { dbName, scope: 'https://a.example/api/records' });
    const b = outbox(second, { dbName, scope: 'https://b.example/api/records' });
    first.failNext(1);
    const { jws, record } = await newRecord();
    expect((await a.send(jws, record)).status).to.equal('queued');
    await b.flush({ force: true });
    expect(second.received, 'the other backend never sees it').to.have.length(0);
    expect((await b.pending()).length).to.equal(0);
    await a.flush({ force: true });
    expect(first.received.map((r) => r.record.id)).to.deep.equal([record.id]);
  });

  it('does not even try while the browser says it is offline', async () => {
    const adapter = memoryAdapter();
    const box = outbox(adapter, { isOnline: () => false, timers: manualTimers() });
    const { jws, record } = await newRecord();
    const result = await box.send(jws, record);
    expect(result.status === 'queued' && result.error.code).to.equal('offline');
    expect(adapter.received).to.have.length(0);
  });

  it('a new outbox over the same store sends what the previous one left, oldest first', async () => {
    const dbName = unique('outbox');
    const down = memoryAdapter();
    down.failNext(99);
    const first = outbox(down, { dbName, timers: manualTimers() });
    const records = [await newRecord(), await newRecord(), await newRecord()];
    for (const { jws, record } of records) await first.send(jws, record);
    first.close();
    const up = memoryAdapter();
    const second = outbox(up, { dbName, timers: manualTimers() });
    await second.ready;
    expect(up.received.map((r) => r.record.id)).to.deep.equal(records.map((r) => r.record.id));
    expect(await second.pending()).to.deep.equal([]);
  });

  it('without IndexedDB still queues and retries within the page', async () => {
    const adapter = memoryAdapter();
    adapter.failNext(1);
    const timers = manualTimers();
    const box = outbox(adapter, { indexedDB: null, timers, now: timers.now });
    const { jws, record } = await newRecord();
    expect((await box.send(jws, record)).status).to.equal('queued');
    timers.fire();
    await waitUntil(() => adapter.received.length === 1);
  });

  it('one failing listener does not stop delivery or other listeners', async () => {
    const adapter = memoryAdapter();
    const box = outbox(adapter);
    const heard: string[] = [];
    const original = globalThis.reportError;
    const reported: unknown[] = [];
    globalThis.reportError = (e: unknown) => reported.push(e);
    try {
      box.on('sent', () => {
        throw new Error('listener bug');
      });
      box.on('sent', (d) => heard.push(d.record.id));
      const { jws, record } = await newRecord();
      expect((await box.send(jws, record)).status).to.equal('sent');
      expect(heard).to.deep.equal([record.id]);
      expect(reported).to.have.length(1);
    } finally {
      globalThis.reportError = original;
    }
  });
});
