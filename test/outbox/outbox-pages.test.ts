// The outbox across pages (reloads, tabs) and against a real HTTP endpoint
// that counts, per record id, what reached it (test/helpers/test-endpoints.mjs).
import { expect, waitUntil } from '@open-wc/testing';
import { httpAdapter } from '../../src/adapters/http.js';
import { createOutbox } from '../../src/outbox/outbox.js';
import { signRecord } from '@optimesys/privacy-records/sign';
import { deviceSigner } from '../../src/outbox/device-signer.js';
import { call, endpoint, openFrame, reloadFrame, unique } from './frames.js';
import { consentSample } from '../../packages/records/test/samples.js';

interface Counts {
  attempts: Record<string, number>;
  delivered: Record<string, number>;
  stored: Record<string, number>;
}
const inspect = (bucket: string): Promise<Counts> => endpoint(`inspect?bucket=${bucket}`);
const sum = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);
const once = (ids: string[]) => Object.fromEntries(ids.map((id) => [id, 1]));

describe('outbox across pages', () => {
  const frames: HTMLIFrameElement[] = [];
  const frame = async () => {
    const f = await openFrame();
    frames.push(f);
    return f;
  };
  afterEach(() => frames.splice(0).forEach((f) => f.remove()));

  it('keeps records across a reload while offline, then delivers each exactly once through a server failing the first attempts', async () => {
    const dbName = unique('outbox');
    const bucket = unique('bucket');
    await endpoint(`reset?bucket=${bucket}`, { failFirst: 3, failStatus: 503 });
    const page = await frame();
    await call(page, 'openOutbox', { dbName, bucket, offline: true, backoffMs: 50, locks: true });
    const results = await call(page, 'sendNew', 5);
    expect(results.map(([, status]) => status)).to.deep.equal(Array(5).fill('queued'));
    const ids = results.map(([id]) => id);

    await reloadFrame(page); // still offline: the new page resumes and fails again
    await call(page, 'openOutbox', { dbName, bucket, offline: true, backoffMs: 50, locks: true });
    expect((await call(page, 'pending')).sort()).to.deep.equal([...ids].sort());
    expect(sum((await inspect(bucket)).attempts), 'nothing reached the server while offline').to.equal(0);

    await call(page, 'goOnline');
    await waitUntil(async () => (await call(page, 'pending')).length === 0, 'not delivered', { timeout: 10000 });
    const counts = await inspect(bucket);
    expect(counts.stored).to.deep.equal(once(ids));
    expect(counts.delivered, 'each record accepted once, no duplicate deliveries').to.deep.equal(once(ids));
    expect(sum(counts.attempts), 'five records plus the three refused attempts').to.equal(8);
    const sent = (await call(page, 'events')).filter(([type]) => type === 'sent').map(([, id]) => id);
    expect(sent.sort(), 'the reloaded page reports each delivery').to.deep.equal([...ids].sort());
  });

  async function twoTabs(locks: boolean) {
    const dbName = unique('outbox');
    const bucket = unique('bucket');
    await endpoint(`reset?bucket=${bucket}`, { delayMs: 40 }); // slow answers: the tabs overlap
    const [a, b] = await Promise.all([frame(), frame()]);
    const options = { dbName, bucket, offline: true, backoffMs: 60_000, locks };
    await call(a, 'openOutbox', options);
    const ids = (await call(a, 'sendNew', 8)).map(([id]) => id);
    await call(b, 'openOutbox', options);
    // Both tabs come online in the same moment and flush the shared store.
    await Promise.all([call(a, 'goOnline'), call(b, 'goOnline')]);
    await waitUntil(async () => (await call(a, 'pending')).length === 0 && (await call(b, 'pending')).length === 0, 'not delivered', {
      timeout: 10000,
    });
    await Promise.all([call(a, 'flush'), call(b, 'flush')]);
    const sentBy = async (tab: HTMLIFrameElement) => (await call(tab, 'events')).filter(([type]) => type === 'sent').map(([, id]) => id);
    return { ids, counts: await inspect(bucket), sent: [await sentBy(a), await sentBy(b)] };
  }

  it('two tabs flushing the same outbox at once send each record once', async () => {
    const { ids, counts, sent } = await twoTabs(true);
    expect(counts.attempts, 'no record was even attempted twice').to.deep.equal(once(ids));
    expect(counts.stored).to.deep.equal(once(ids));
    expect([...sent[0]!, ...sent[1]!].sort(), 'each delivery reported by the tab that made it').to.deep.equal([...ids].sort());
  });

  it('(control) without Web Locks the same two tabs do send records twice', async () => {
    const { ids, counts } = await twoTabs(false);
    expect(counts.stored, 'the server still stores each once').to.deep.equal(once(ids));
    expect(sum(counts.attempts), 'duplicate attempts: the test above can fail').to.be.greaterThan(ids.length);
  });
});

describe('outbox over HTTP', () => {
  const signer = deviceSigner();

  it('a 400 leaves the outbox at once, fires a rejection with the server error, and is never retried', async () => {
    const bucket = unique('bucket');
    await endpoint(`reset?bucket=${bucket}`, { reject: { status: 400, code: 'bad-schema' } });
    const box = createOutbox(httpAdapter({ endpoint: `/test-api/records?bucket=${bucket}` }), { dbName: unique('outbox'), backoff: () => 20 });
    try {
      const rejected: unknown[] = [];
      box.on('rejected', (d) => rejected.push([d.record.id, d.error]));
      const { jws, record } = await signRecord(consentSample(), signer);
      const result = await box.send(jws, record);
      const error = { code: 'bad-schema', message: 'Refusing as the test asked', status: 400 };
      expect(result).to.deep.equal({ status: 'rejected', error });
      expect(rejected).to.deep.equal([[record.id, error]]);
      expect(await box.pending()).to.deep.equal([]);
      await new Promise((r) => setTimeout(r, 200));
      await box.flush({ force: true });
      expect((await inspect(bucket)).attempts).to.deep.equal({ [record.id]: 1 });
    } finally {
      box.close();
    }
  });

  it('retries 429 and 503 answers until the record is stored', async () => {
    for (const failStatus of [429, 503]) {
      const bucket = unique('bucket');
      await endpoint(`reset?bucket=${bucket}`, { failFirst: 2, failStatus });
      const box = createOutbox(httpAdapter({ endpoint: `/test-api/records?bucket=${bucket}` }), { dbName: unique('outbox'), backoff: () => 30 });
      try {
        const codes: string[] = [];
        box.on('queued', (d) => codes.push(d.error.code));
        const sent = new Promise((resolve) => box.on('sent', resolve));
        const { jws, record } = await signRecord(consentSample(), signer);
        expect((await box.send(jws, record)).status).to.equal('queued');
        await sent;
        expect(codes).to.deep.equal(['unavailable', 'unavailable']);
        const counts = await inspect(bucket);
        expect(counts.attempts).to.deep.equal({ [record.id]: 3 });
        expect(counts.stored).to.deep.equal({ [record.id]: 1 });
      } finally {
        box.close();
      }
    }
  });

  it('a request that timed out (its answer lost) is retried, and the record is still stored once', async () => {
    const bucket = unique('bucket');
    // Answers the first request too late. (Well beyond the timeout: background
    // pages may see their timers throttled to a second.)
    await endpoint(`reset?bucket=${bucket}`, { delayMs: 2500, delayCount: 1 });
    const box = createOutbox(httpAdapter({ endpoint: `/test-api/records?bucket=${bucket}`, timeoutMs: 200 }), {
      dbName: unique('outbox'),
      backoff: () => 30,
    });
    try {
      const sent = new Promise((resolve) => box.on('sent', resolve));
      const { jws, record } = await signRecord(consentSample(), signer);
      const result = await box.send(jws, record);
      expect(result.status === 'queued' && result.error.code, JSON.stringify(result)).to.equal('timeout');
      await sent;
      // Wait for the slow first request to finish on the server too.
      await waitUntil(async () => (await inspect(bucket)).delivered[record.id] === 2, 'first request never finished', { timeout: 8000 });
      expect((await inspect(bucket)).stored).to.deep.equal({ [record.id]: 1 });
    } finally {
      box.close();
    }
  });
});
