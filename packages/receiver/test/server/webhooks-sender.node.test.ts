// The delivery loop against real HTTP endpoints on 127.0.0.1: every delivery is
// verified by the spec's `standardwebhooks` package on the receiving side.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { consentRecordEvents } from '../../src/webhooks/events.js';
import { deliveriesFor, memoryWebhookQueue, type WebhookQueue } from '../../src/webhooks/queue.js';
import { STANDARD_RETRY_SCHEDULE, startWebhookSender, type AttemptOutcome } from '../../src/webhooks/sender.js';
import { OTHER_SECRET, SECRET, closedPort, storedConsent, until, webhookEndpoint } from './webhook-helpers.js';

const FAST = { schedule: [30, 30, 30, 30], jitter: 0, pollMs: 10, timeoutMs: 300, onError: () => undefined };

async function queued(endpoints: string[], queue = memoryWebhookQueue()) {
  const messages = consentRecordEvents(await storedConsent());
  await queue.enqueue(messages.flatMap((m) => deliveriesFor(m, endpoints)), new Date());
  return { queue, messages };
}

test('the schedule is the Standard Webhooks example: 10 attempts over about 3 days', () => {
  assert.equal(STANDARD_RETRY_SCHEDULE.length + 1, 10);
  assert.equal(STANDARD_RETRY_SCHEDULE[0], 5000);
  const total = STANDARD_RETRY_SCHEDULE.reduce((a, b) => a + b, 0);
  assert.equal(total, (75 * 3600 + 35 * 60 + 5) * 1000); // 75:35:05, the spec's last "time since start"
});

test('failed attempts (500, then a timeout) are retried with the same webhook-id until accepted', async () => {
  const endpoint = await webhookEndpoint((_d, attempt, res) => {
    if (attempt === 1) res.writeHead(500).end('down');
    else if (attempt === 2) setTimeout(() => res.writeHead(200).end(), 1000); // beyond the 300 ms timeout
    else res.writeHead(200).end('ok');
  });
  const { queue, messages } = await queued([endpoint.url]);
  const granted = messages[0]!;
  for (const row of [...queue.rows.values()]) if (row.messageId !== granted.id) queue.rows.delete(row.id);
  const outcomes: AttemptOutcome[] = [];
  const sender = startWebhookSender({ queue, secret: SECRET, ...FAST, onAttempt: (o) => outcomes.push(o) });
  try {
    await until(() => [...queue.rows.values()].every((r) => r.state === 'delivered'), 5000, 'delivery');
  } finally {
    await sender.stop();
    await endpoint.close();
  }
  assert.deepEqual(outcomes.map((o) => o.result), ['retry', 'retry', 'delivered']);
  assert.equal(outcomes[0]!.error, 'HTTP 500');
  assert.match(outcomes[1]!.error!, /timeout after 300 ms/);
  assert.equal(endpoint.deliveries.length, 3);
  assert.ok(endpoint.deliveries.every((d) => d.verified && d.id === granted.id && d.body === granted.body));
  assert.equal((endpoint.deliveries[2]!.payload as { type: string }).type, 'consent.granted');
  assert.equal([...queue.rows.values()][0]!.attempts, 3);
});

test('an endpoint that is down (closed port) gets the message once it is up again', async () => {
  const port = await closedPort();
  const { queue, messages } = await queued([`http://127.0.0.1:${port}/hooks`]);
  const outcomes: AttemptOutcome[] = [];
  const sender = startWebhookSender({ queue, secret: SECRET, ...FAST, schedule: Array(50).fill(40), onAttempt: (o) => outcomes.push(o) });
  await until(() => outcomes.length >= 2, 5000, 'failed attempts');
  assert.match(outcomes[0]!.error!, /ECONNREFUSED/);
  const endpoint = await webhookEndpoint(undefined, { port });
  try {
    await until(() => [...queue.rows.values()].every((r) => r.state === 'delivered'), 5000, 'delivery');
  } finally {
    await sender.stop();
    await endpoint.close();
  }
  assert.deepEqual(endpoint.deliveries.map((d) => d.id).sort(), messages.map((m) => m.id).sort());
  assert.ok(endpoint.deliveries.every((d) => d.verified));
});

test('nothing is lost across a restart while the endpoint is down, nor when a sender dies mid-attempt', async () => {
  const port = await closedPort();
  const url = `http://127.0.0.1:${port}/hooks`;
  const { queue, messages } = await queued([url]);
  // First process: fails against the closed port, then stops (SIGTERM).
  const first = startWebhookSender({ queue, secret: SECRET, ...FAST, schedule: Array(50).fill(40) });
  await until(() => [...queue.rows.values()].every((r) => r.attempts >= 1), 5000, 'first attempts');
  await first.stop();
  // A third message was claimed by a process that then died: its lease is all that is left.
  const third = consentRecordEvents(await storedConsent())[0]!;
  await queue.enqueue(deliveriesFor(third, [url]), new Date());
  const leased = await queue.claim(new Date(), 10, 300);
  assert.ok(leased.some((d) => d.messageId === third.id));
  // The endpoint comes up, a new process starts on the same queue.
  const endpoint = await webhookEndpoint(undefined, { port });
  const second = startWebhookSender({ queue, secret: SECRET, ...FAST });
  try {
    await until(() => [...queue.rows.values()].every((r) => r.state === 'delivered'), 5000, 'delivery after restart');
  } finally {
    await second.stop();
    await endpoint.close();
  }
  const ids = new Set(endpoint.deliveries.map((d) => d.id));
  assert.deepEqual([...ids].sort(), [...messages.map((m) => m.id), third.id].sort());
  assert.ok(endpoint.deliveries.every((d) => d.verified));
});

test('after the last scheduled attempt the message is given up, listed, and --retry sends it again with the same id', async () => {
  let accept = false;
  const endpoint = await webhookEndpoint((_d, _n, res) => res.writeHead(accept ? 200 : 503).end());
  const { queue, messages } = await queued([endpoint.url]);
  const sender = startWebhookSender({ queue, secret: SECRET, ...FAST, schedule: [20, 20] });
  try {
    await until(async () => (await queue.listFailed()).length === messages.length, 5000, 'give up');
    const failed = await queue.listFailed();
    assert.ok(failed.every((f) => f.attempts === 3 && /HTTP 503 \(attempt 3, schedule exhausted\)/.test(f.lastError)));
    assert.equal(endpoint.deliveries.length, 3 * messages.length);
    accept = true;
    assert.equal(await queue.retry(new Date()), messages.length);
    sender.wake();
    await until(() => [...queue.rows.values()].every((r) => r.state === 'delivered'), 5000, 'retried delivery');
  } finally {
    await sender.stop();
    await endpoint.close();
  }
  for (const m of messages) assert.equal(endpoint.deliveries.filter((d) => d.id === m.id).length, 4);
  assert.ok(endpoint.deliveries.every((d) => d.verified));
});

test('410 Gone gives up at once; a wrong secret is refused by the consumer', async () => {
  const gone = await webhookEndpoint((_d, _n, res) => res.writeHead(410).end());
  const wrong = await webhookEndpoint((d, _n, res) => res.writeHead(d.verified ? 200 : 401).end(), { secret: OTHER_SECRET });
  const { queue } = await queued([gone.url, wrong.url]);
  const sender = startWebhookSender({ queue, secret: SECRET, ...FAST, schedule: [20] });
  try {
    await until(async () => (await queue.listFailed()).length === 4, 5000, 'give up');
  } finally {
    await sender.stop();
    await gone.close();
    await wrong.close();
  }
  const failed = await queue.listFailed();
  assert.ok(failed.filter((f) => f.endpoint === gone.url).every((f) => f.attempts === 1 && /410/.test(f.lastError)));
  assert.equal(gone.deliveries.length, 2);
  assert.ok(wrong.deliveries.length === 4 && wrong.deliveries.every((d) => !d.verified && /No matching signature/.test(d.error!)));
});

test('Retry-After from the endpoint pushes the next attempt back', async () => {
  const endpoint = await webhookEndpoint((_d, _n, res) => res.writeHead(503, { 'retry-after': '120' }).end());
  const { queue } = await queued([endpoint.url]);
  const outcomes: AttemptOutcome[] = [];
  const sender = startWebhookSender({ queue, secret: SECRET, ...FAST, onAttempt: (o) => outcomes.push(o) });
  try {
    await until(() => outcomes.length === 2, 5000, 'attempts');
  } finally {
    await sender.stop();
    await endpoint.close();
  }
  for (const o of outcomes) assert.ok(+o.nextAttemptAt! - Date.now() > 100_000);
});

test('stop() waits for deliveries in flight; a failing store never stops the loop', async () => {
  const endpoint = await webhookEndpoint((_d, _n, res) => setTimeout(() => res.writeHead(200).end(), 150));
  const memory = memoryWebhookQueue();
  await queued([endpoint.url], memory);
  let claims = 0;
  const errors: unknown[] = [];
  const queue: WebhookQueue = {
    ...memory,
    claim: async (...args) => {
      if (++claims <= 2) throw new Error('database is locked');
      return memory.claim(...args);
    },
  };
  const sender = startWebhookSender({ queue, secret: SECRET, ...FAST, onError: (e) => errors.push(e) });
  await until(() => endpoint.deliveries.length === 2, 5000, 'requests in flight');
  await sender.stop();
  assert.ok([...memory.rows.values()].every((r) => r.state === 'delivered'), 'recorded before stop() resolved');
  assert.equal(errors.length, 2);
  await endpoint.close();
});

test('a lease shorter than twice the timeout is refused at start: an attempt must end well inside its lease', () => {
  assert.throws(() => startWebhookSender({ queue: memoryWebhookQueue(), secret: SECRET, ...FAST, leaseMs: 500 }), /at least twice/);
});

test('a claim that comes back with too little of its lease left starts nothing; those deliveries go once, after the lease', async () => {
  const endpoint = await webhookEndpoint();
  const memory = memoryWebhookQueue();
  const { messages } = await queued([endpoint.url], memory);
  let claims = 0;
  const errors: unknown[] = [];
  const queue: WebhookQueue = {
    ...memory,
    claim: async (...args) => {
      const claimed = await memory.claim(...args);
      // The first answer arrives 700 ms late (a store busy under load): 300 ms of the 1 s lease left, the timeout is 300.
      if (++claims === 1) await new Promise((r) => setTimeout(r, 700));
      return claimed;
    },
  };
  const sender = startWebhookSender({ queue, secret: SECRET, ...FAST, leaseMs: 1000, onError: (e) => errors.push(e) });
  try {
    await until(() => [...memory.rows.values()].every((r) => r.state === 'delivered'), 10_000, 'delivery after the lease');
  } finally {
    await sender.stop();
    await endpoint.close();
  }
  assert.deepEqual(endpoint.deliveries.map((d) => d.id).sort(), messages.map((m) => m.id).sort(), 'each message once');
  assert.ok(errors.some((e) => /too late/.test(String(e))), String(errors));
  assert.ok([...memory.rows.values()].every((r) => r.attempts === 1), 'the attempt not started is not counted');
});
