// Issue #14 through the receiver: every stored record and confirmation reaches a loopback
// endpoint as a Standard Webhooks message that the `standardwebhooks` package verifies, at
// least once, with the same webhook-id on every attempt, across endpoint and receiver restarts.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { createConsentRecord } from '@optimesys/privacy-records/create';
import { keySigner, signRecord } from '@optimesys/privacy-records/sign';
import { createMailTransport } from '../../src/mail/transport.js';
import { OTHER_SECRET, SECRET, until, webhookEndpoint, type Delivery } from '../server/webhook-helpers.js';
import { startTestSmtp, type TestSmtp } from '../helpers/smtp.js';
import { tempDir } from './helpers.js';
import { serveReceiver, type Served } from './serve.js';

const NOTICE = { version: '2018-05-24', digest: 'a'.repeat(64) };
const consent = (email: string, granted: boolean) =>
  createConsentRecord({
    subject: { email },
    locale: 'en',
    notice: NOTICE,
    source: { url: 'https://www.optimesys.fi/newsletter', element: 'consent-form' },
    decisions: [{ purpose: 'newsletter', dpv: 'dpv:DirectMarketing', basis: 'consent', granted, text: 'I want the OptimeSys newsletter' }],
    processing: [],
  });
type Message = { type: string; data: { recordId: string; email: string } };
const messages = (deliveries: Delivery[]) => deliveries.filter((d) => d.verified).map((d) => ({ id: d.id, ...(d.payload as Message) }));

describe('webhooks from the receiver (#14)', () => {
  let smtp: TestSmtp;
  let endpoint: Awaited<ReturnType<typeof webhookEndpoint>>;
  let receiver: Served;
  let dataDir: string;
  let failuresLeft = 2;
  const open = () =>
    serveReceiver({
      dataDir,
      mail: { transport: createMailTransport({ smtpUrl: smtp.url, from: 'tietosuoja@optimesys.fi' }), sender: { intervalMs: 100 } },
      webhooks: { endpoints: [endpoint.url], secret: SECRET, sender: { schedule: [150, 150, 150, 150, 150], pollMs: 50, jitter: 0 } },
    });
  before(async () => {
    smtp = await startTestSmtp();
    endpoint = await webhookEndpoint((_d, _n, res) => (failuresLeft-- > 0 ? res.writeHead(500).end() : res.writeHead(204).end()));
    dataDir = tempDir();
    receiver = await open();
  });
  after(async () => {
    await receiver.close();
    await endpoint.close();
    await smtp.stop();
  });
  const post = (jws: string) => fetch(new URL('/api/records', receiver.url), { method: 'POST', headers: { 'content-type': 'application/jose' }, body: jws });

  it('delivers consent.granted after failed attempts under one webhook-id, then consent.confirmed after the link', async () => {
    const signer = keySigner();
    const email = `hooks-${Date.now()}@example.fi`;
    const { jws, record } = await signRecord(consent(email, true), signer);
    assert.equal((await post(jws)).status, 201);
    const delivered = async () => (await receiver.store.jobs({ kind: 'webhook', email })).every((j) => j.doneAt);
    await until(delivered, 10_000, 'consent.granted delivered');
    const attempts = endpoint.deliveries.filter((d) => (d.payload as Message | undefined)?.type === 'consent.granted');
    assert.equal(attempts.length, 3, 'two refused, the third accepted');
    assert.equal(new Set(attempts.map((d) => d.id)).size, 1, 'the same webhook-id on every attempt');
    assert.ok(attempts.every((d) => d.verified), 'standardwebhooks verifies each');
    assert.equal(messages(endpoint.deliveries)[0]!.data.recordId, record.id);
    // With another secret the same messages do not verify.
    const other = new Webhook(OTHER_SECRET);
    assert.throws(() => other.verify(attempts[0]!.body, { 'webhook-id': attempts[0]!.id, 'webhook-timestamp': attempts[0]!.timestamp, 'webhook-signature': 'v1,x' }));

    const mail = await smtp.waitFor((m) => m.envelope.to.includes(email));
    const link = String(mail.parsed.text).match(/https?:\/\/\S+\/confirm\/[A-Za-z0-9_-]+/)![0];
    await fetch(link, { method: 'POST' });
    await until(() => messages(endpoint.deliveries).some((m) => m.type === 'consent.confirmed'), 10_000, 'consent.confirmed');
  });

  it('keeps a message while the endpoint is down and the receiver restarts, and delivers it once both are back', async () => {
    const email = `down-${Date.now()}@example.fi`;
    const port = endpoint.port;
    await endpoint.close();
    const { jws } = await signRecord(consent(email, false), keySigner());
    assert.equal((await post(jws)).status, 201);
    await new Promise((r) => setTimeout(r, 400)); // attempts against a closed port
    await receiver.close();
    endpoint = await webhookEndpoint(undefined, { port });
    receiver = await open();
    await until(() => messages(endpoint.deliveries).some((m) => m.type === 'consent.withdrawn' && m.data.email === email), 15_000, 'consent.withdrawn');
    const [job] = await receiver.store.jobs({ kind: 'webhook', email });
    assert.ok(job!.attempts >= 2, `delivered after ${job!.attempts} attempts`);
  });

  it('lists what was given up after the schedule (webhooks --failed) and sends it again (--retry)', async () => {
    const port = endpoint.port;
    await endpoint.close(); // down for the whole (short) schedule
    const email = `given-up-${Date.now()}@example.fi`;
    await post((await signRecord(consent(email, false), keySigner())).jws);
    await until(async () => (await receiver.store.jobs({ kind: 'webhook', email })).every((j) => j.gaveUpAt), 15_000, 'given up');
    const cli = (...args: string[]) => spawnSync('node', ['--import', 'tsx', 'packages/receiver/src/cli/bin.ts', 'webhooks', ...args, '--data-dir', dataDir], { encoding: 'utf8' });
    const failed = JSON.parse(cli('--failed').stdout) as { type: string; messageId: string; attempts: number }[];
    const mine = failed.filter((f) => f.type === 'consent.withdrawn');
    assert.equal(mine.length, 1);
    assert.equal(mine[0]!.attempts, 6, 'the first attempt and five retries');
    endpoint = await webhookEndpoint(undefined, { port });
    assert.deepEqual(JSON.parse(cli('--retry').stdout), { retried: 1 });
    await until(() => endpoint.deliveries.some((d) => d.id === mine[0]!.messageId && d.verified), 10_000, 'redelivered under the same id');
  });
});
