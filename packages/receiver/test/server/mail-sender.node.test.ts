import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createMemoryMailQueue } from '../../src/mail/memory-queue.js';
import { backoffDelay, DEFAULT_BACKOFF, startMailSender } from '../../src/mail/sender.js';
import { createMailTransport, type MailTransport, type OutgoingMail } from '../../src/mail/transport.js';
import { startTestSmtp, type TestSmtp } from '../helpers/smtp.js';

const FROM = 'OptimeSys <tietosuoja@optimesys.fi>';
const mail = (to: string): OutgoingMail => ({
  to,
  subject: 'Vahvista tilauksesi',
  text: `Hei ${to}`,
  html: `<p>Hei ${to}</p>`,
  headers: { 'Auto-Submitted': 'auto-generated' },
});
const fast = { baseMs: 40, capMs: 160, jitter: 0, maxAgeMs: 60_000 };
const quiet = () => {};

/** Wraps a transport to record when each attempt started. */
function recording(transport: MailTransport, delayMs = 0) {
  const starts: number[] = [];
  return {
    starts,
    transport: {
      async send(message: OutgoingMail) {
        starts.push(Date.now());
        if (delayMs) await sleep(delayMs);
        return transport.send(message);
      },
    },
  };
}

async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error('timed out');
    await sleep(10);
  }
}

describe('mail sender over a real SMTP server', () => {
  let smtp: TestSmtp;
  let transport: MailTransport;
  before(async () => {
    smtp = await startTestSmtp();
    transport = createMailTransport({ smtpUrl: smtp.url, from: FROM, timeoutMs: 2000 });
  });
  after(async () => {
    transport.close();
    await smtp.stop();
  });

  it('SMTP down: retried with growing delays, delivered once it is back', async () => {
    await smtp.stop();
    const queue = createMemoryMailQueue();
    queue.enqueue({ message: mail('outage@example.fi'), addressKey: 'a', kind: 'confirm' });
    const rec = recording(transport);
    const sender = startMailSender({ queue, transport: rec.transport, backoff: fast, intervalMs: 10, log: quiet });
    try {
      // four failures reported, not just four attempts started: a fourth still
      // connecting when the server comes back would be delivered instead
      await until(() => queue.rows[0]!.attempts >= 4 && queue.rows[0]!.leasedUntil === null);
      assert.equal(queue.rows[0]!.sentAt, null);
      assert.ok(queue.rows[0]!.lastError, 'the error is kept');
      const gaps = rec.starts.slice(1).map((t, i) => t - rec.starts[i]!);
      // 40, 80, 160 ms (base·2^n, no jitter here): each gap at least its delay, and they grow
      assert.ok(gaps[0]! >= 35 && gaps[1]! >= 75 && gaps[2]! >= 150, `gaps ${gaps.join(', ')}`);
      await smtp.start();
      const received = await smtp.waitFor((m) => m.envelope.to.includes('outage@example.fi'));
      await until(() => queue.rows[0]!.sentAt !== null);
      assert.equal(queue.rows[0]!.messageId, received.parsed.messageId);
      assert.ok(queue.rows[0]!.attempts >= 5);
      assert.equal(smtp.messages.filter((m) => m.envelope.to.includes('outage@example.fi')).length, 1, 'sent once');
    } finally {
      await sender.stop();
    }
  });

  it('a 451 is retried until accepted', async () => {
    smtp.mode = 'temporary';
    const queue = createMemoryMailQueue();
    queue.enqueue({ message: mail('greylisted@example.fi'), addressKey: 'b', kind: 'confirm' });
    const before = smtp.attempts;
    const sender = startMailSender({ queue, transport, backoff: fast, intervalMs: 10, log: quiet });
    try {
      await until(() => smtp.attempts - before >= 2);
      assert.equal(queue.rows[0]!.gaveUpAt, null);
      smtp.mode = 'accept';
      await smtp.waitFor((m) => m.envelope.to.includes('greylisted@example.fi'));
    } finally {
      smtp.mode = 'accept';
      await sender.stop();
    }
  });

  it('a 550 is given up at once, not retried', async () => {
    smtp.mode = 'permanent';
    const queue = createMemoryMailQueue();
    queue.enqueue({ message: mail('nobody@example.fi'), addressKey: 'c', kind: 'confirm' });
    const before = smtp.attempts;
    const sender = startMailSender({ queue, transport, backoff: fast, intervalMs: 10, log: quiet });
    try {
      await until(() => queue.rows[0]!.gaveUpAt !== null);
      await sleep(200);
      assert.equal(smtp.attempts - before, 1);
      assert.match(queue.rows[0]!.lastError!, /No such mailbox/);
    } finally {
      smtp.mode = 'accept';
      await sender.stop();
    }
  });

  it('stop() waits for the mail in flight and claims nothing after', async () => {
    const queue = createMemoryMailQueue();
    queue.enqueue({ message: mail('inflight@example.fi'), addressKey: 'd', kind: 'confirm' });
    queue.enqueue({ message: mail('later@example.fi'), addressKey: 'e', kind: 'confirm' });
    const rec = recording(transport, 300);
    const sender = startMailSender({ queue, transport: rec.transport, backoff: fast, intervalMs: 10, log: quiet });
    await until(() => rec.starts.length === 1);
    await sender.stop();
    assert.ok(queue.rows[0]!.sentAt, 'the mail in flight was sent and recorded before stop() resolved');
    assert.equal(rec.starts.length, 1, 'the second was not started');
    assert.equal(queue.rows[1]!.sentAt, null);
    assert.equal(queue.rows[1]!.leasedUntil, null, 'released for another process');
    assert.ok(queue.rows[1]!.nextAttemptAt.getTime() <= Date.now());
    assert.equal(queue.rows[1]!.attempts, 0, 'not counted as an attempt');
    assert.equal(queue.rows[1]!.lastError, null);
  });

  it('two senders, a slow SMTP server, a short lease: each mail sent once, none started with less than the transport timeout left of its lease, the rest of a batch renewed', async () => {
    const queue = createMemoryMailQueue();
    const addresses = Array.from({ length: 12 }, (_, i) => `slow-${i}@example.fi`);
    for (const [i, to] of addresses.entries()) queue.enqueue({ message: mail(to), addressKey: `slow-${i}`, kind: 'confirm' });
    let renewals = 0;
    const shared = { ...queue, renew: (...args: Parameters<typeof queue.renew>) => (args[2] && renewals++, queue.renew(...args)) };
    // Each sender as a process of its own: its own SMTP connection. 150 ms a message, ten in a batch, a 1 s lease.
    const transports = [0, 1].map(() => createMailTransport({ smtpUrl: smtp.url, from: FROM, timeoutMs: 400 }));
    const short: string[] = [];
    const senders = transports.map((transport) =>
      startMailSender({
        queue: shared,
        transport: {
          timeoutMs: transport.timeoutMs,
          send(message: OutgoingMail) {
            // The row's lease is the one the sending process holds: it must outlast the longest send.
            const left = queue.rows.find((r) => r.message.to === message.to)!.leasedUntil!.getTime() - Date.now();
            if (left < transport.timeoutMs) short.push(`${message.to}: ${left} ms left`);
            return transport.send(message);
          },
        },
        leaseMs: 1000,
        backoff: fast,
        intervalMs: 10,
        log: quiet,
      }),
    );
    smtp.delayMs = 150;
    try {
      await until(() => queue.rows.every((r) => r.sentAt !== null), 30_000);
    } finally {
      await Promise.all(senders.map((sender) => sender.stop()));
      for (const transport of transports) transport.close();
      smtp.delayMs = 0;
    }
    const counts = addresses.map((to) => smtp.messages.filter((m) => m.envelope.to.includes(to)).length);
    assert.deepEqual(counts, addresses.map(() => 1), 'each mail sent once');
    assert.deepEqual(short, []);
    assert.ok(renewals >= 1, 'a batch of ten outlasts one lease: the rest was renewed');
    assert.ok(queue.rows.every((r) => r.attempts === 1));
  });

  it('a mail whose lease another process took meanwhile is dropped from the batch, not sent', async () => {
    const queue = createMemoryMailQueue();
    for (const to of ['kept-1@example.fi', 'kept-2@example.fi', 'taken@example.fi']) queue.enqueue({ message: mail(to), addressKey: to, kind: 'confirm' });
    const taken = queue.rows[2]!;
    const logged: string[] = [];
    const racing = {
      ...queue,
      async renew(ids: readonly string[], leasedUntil: Date, until: Date | null) {
        // Another process claimed it just before this renewal (its lease had run out).
        if (until && ids.includes(taken.id)) taken.leasedUntil = new Date(Date.now() + 60_000);
        return queue.renew(ids, leasedUntil, until);
      },
    };
    const sent: string[] = [];
    // A stand-in transport (no timeoutMs: half the lease): 150 ms a send under a 400 ms lease, so the third needs a renewal.
    const slow = { send: async (message: OutgoingMail) => (sent.push(message.to), await sleep(150), { messageId: `<${sent.length}@test>` }) };
    const sender = startMailSender({ queue: racing, transport: slow, leaseMs: 400, backoff: fast, intervalMs: 10, log: (m) => logged.push(m) });
    try {
      await until(() => queue.rows[0]!.sentAt !== null && queue.rows[1]!.sentAt !== null);
      await sleep(200);
    } finally {
      await sender.stop();
    }
    assert.deepEqual(sent, ['kept-1@example.fi', 'kept-2@example.fi']);
    assert.equal(taken.sentAt, null);
    assert.ok(logged.some((m) => m.includes(taken.id) && m.includes('another process')), logged.join('\n'));
  });

  it('a lease shorter than twice the transport timeout is refused at start', () => {
    const queue = createMemoryMailQueue();
    assert.throws(() => startMailSender({ queue, transport: { timeoutMs: 600, send: transport.send }, leaseMs: 1000, log: quiet }), /at least twice/);
  });

  it('a mail leased by a process that died goes out after the lease, once', async () => {
    const queue = createMemoryMailQueue();
    queue.enqueue({ message: mail('crash@example.fi'), addressKey: 'f', kind: 'confirm' });
    const crashed = await queue.claim(new Date(), 10, new Date(Date.now() + 300));
    assert.equal(crashed.length, 1);
    const sender = startMailSender({ queue, transport, backoff: fast, intervalMs: 20, log: quiet });
    try {
      await sleep(150);
      assert.equal(queue.rows[0]!.sentAt, null, 'not while the lease holds');
      await smtp.waitFor((m) => m.envelope.to.includes('crash@example.fi'));
      await until(() => queue.rows[0]!.sentAt !== null);
    } finally {
      await sender.stop();
    }
  });

  it('sent but not recorded: not retried as a failure, goes once more only when the lease runs out', async () => {
    const queue = createMemoryMailQueue();
    queue.enqueue({ message: mail('unrecorded@example.fi'), addressKey: 'i', kind: 'confirm' });
    let first = true;
    const flaky = {
      ...queue,
      async sent(id: string, at: Date, messageId: string) {
        if (first) {
          first = false;
          throw new Error('store unavailable (test)');
        }
        return queue.sent(id, at, messageId);
      },
    };
    const rec = recording(transport);
    const sender = startMailSender({ queue: flaky, transport: rec.transport, backoff: fast, intervalMs: 10, leaseMs: 400, log: quiet });
    try {
      await until(() => queue.rows[0]!.sentAt !== null);
      assert.equal(rec.starts.length, 2);
      assert.ok(rec.starts[1]! - rec.starts[0]! >= 390, 'the second send waited for the lease, not for a backoff');
      assert.equal(queue.rows[0]!.lastError, null, 'never recorded as a failed send');
    } finally {
      await sender.stop();
    }
  });

  it('never throws out of the loop when the store fails', async () => {
    const queue = createMemoryMailQueue();
    queue.enqueue({ message: mail('storefail@example.fi'), addressKey: 'g', kind: 'confirm' });
    queue.failNext(3);
    const logged: string[] = [];
    const sender = startMailSender({ queue, transport, backoff: fast, intervalMs: 20, log: (m) => logged.push(m) });
    try {
      await smtp.waitFor((m) => m.envelope.to.includes('storefail@example.fi'));
      await until(() => queue.rows[0]!.sentAt !== null);
      assert.ok(logged.filter((m) => m.includes('could not claim')).length >= 3);
    } finally {
      await sender.stop();
    }
  });
});

describe('give up and backoff', () => {
  it('a mail older than maxAge is given up instead of retried', async () => {
    const queue = createMemoryMailQueue();
    queue.enqueue({ message: mail('old@example.fi'), addressKey: 'h', kind: 'confirm' }, new Date(Date.now() - 8 * 86_400_000));
    let calls = 0;
    const failing = { send: async () => ((calls++, Promise.reject(Object.assign(new Error('down'), { retryable: true }))) as never) };
    const sender = startMailSender({ queue, transport: failing, intervalMs: 10, log: quiet });
    try {
      await until(() => queue.rows[0]!.gaveUpAt !== null);
      assert.equal(calls, 1);
    } finally {
      await sender.stop();
    }
  });

  it('backoffDelay: exponential, capped, jitter only shortens', () => {
    const o = { ...DEFAULT_BACKOFF, jitter: 0 };
    assert.deepEqual([1, 2, 3, 4].map((n) => backoffDelay(n, o)), [30_000, 60_000, 120_000, 240_000]);
    assert.equal(backoffDelay(50, o), 3_600_000);
    assert.equal(backoffDelay(1000, o), 3_600_000);
    assert.equal(backoffDelay(3, DEFAULT_BACKOFF, () => 0), 120_000);
    assert.equal(backoffDelay(3, DEFAULT_BACKOFF, () => 1), 60_000);
    assert.equal(backoffDelay(3, DEFAULT_BACKOFF, () => 0.5), 90_000);
  });
});

describe('per-address cap (reference for the stores)', () => {
  it('at most 3 confirmation mails to one address in 24 h', () => {
    const queue = createMemoryMailQueue();
    const t0 = new Date('2026-12-03T05:00:00Z');
    const at = (ms: number) => new Date(t0.getTime() + ms);
    for (let i = 0; i < 3; i++) assert.equal(queue.enqueue({ message: mail('x@example.fi'), addressKey: 'x', kind: 'confirm' }, at(i * 1000)).queued, true);
    assert.deepEqual(queue.enqueue({ message: mail('x@example.fi'), addressKey: 'x', kind: 'confirm' }, at(3000)), { queued: false, reason: 'cap' });
    assert.equal(queue.enqueue({ message: mail('y@example.fi'), addressKey: 'y', kind: 'confirm' }, at(3000)).queued, true, 'other addresses are not affected');
    assert.equal(queue.enqueue({ message: mail('x@example.fi'), addressKey: 'x', kind: 'notice' }, at(3000)).queued, true, 'only confirmation mails count');
    assert.equal(queue.enqueue({ message: mail('x@example.fi'), addressKey: 'x', kind: 'confirm' }, at(86_399_999)).queued, false);
    // the window is (now − 24 h, now]: at 24 h the first mail no longer counts
    assert.equal(queue.enqueue({ message: mail('x@example.fi'), addressKey: 'x', kind: 'confirm' }, at(86_400_000)).queued, true, 'the window slides');
    assert.equal(queue.enqueue({ message: mail('x@example.fi'), addressKey: 'x', kind: 'confirm' }, at(86_400_500)).queued, false);
  });
});
