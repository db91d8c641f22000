// The floor of "mail and webhooks on" (#17): what sending one confirmation mail and one webhook
// message costs with nothing of the receiver around it. One process sends `count` pre-built raw
// messages over one pooled SMTP connection (nodemailer, as the receiver) and `count` webhook POSTs
// (Standard Webhooks HMAC signature, keep-alive node:http), to the sinks in another process.
// Reported: CPU ms per mail and per webhook message of the sending process (process.cpuUsage).
// Standalone: `node scripts/bench/send-floor.mjs [count]`.
import { createHmac, randomUUID } from 'node:crypto';
import http from 'node:http';
import nodemailer from 'nodemailer';
import { startSinks } from './util.mjs';

/** Runs `task(0)` … `task(count - 1)`, at most `inFlight` at a time. */
async function inTurns(count, inFlight, task) {
  let next = 0;
  await Promise.all(Array.from({ length: inFlight }, async () => {
    while (next < count) await task(next++);
  }));
}

const cpu = async (run) => {
  const before = process.cpuUsage();
  await run();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000;
};

/** A confirmation-sized message (about 4 KB, text and HTML, quoted-printable), built once: no composing is counted. */
function rawMessage(to) {
  const line = 'Vahvista tilauksesi avaamalla linkki: https://www.optimesys.fi/confirm/' + 'x'.repeat(120);
  const part = Array.from({ length: 18 }, () => line.slice(0, 74) + '=\r\n' + line.slice(74)).join('\r\n');
  return Buffer.from(
    [`From: bench@localhost`, `To: ${to}`, 'Subject: Vahvista', `Message-ID: <${randomUUID()}@localhost>`, 'MIME-Version: 1.0',
      'Content-Type: multipart/alternative; boundary="b"', '', '--b', 'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: quoted-printable', '', part, '--b', 'Content-Type: text/html; charset=utf-8',
      'Content-Transfer-Encoding: quoted-printable', '', part, '--b--', ''].join('\r\n'),
  );
}

export async function benchSendFloor({ count = 2000 } = {}) {
  const sink = await startSinks();
  const transporter = nodemailer.createTransport({ url: sink.smtp, pool: true, maxConnections: 1, maxMessages: 100 });
  const messages = Array.from({ length: count + 200 }, (_, i) => ({ to: `floor-${i}@example.com`, raw: rawMessage(`floor-${i}@example.com`) }));
  // A few in flight, as the receiver's mail sender keeps them (the pool queues the rest).
  const send = (list) => inTurns(list.length, 4, (i) => transporter.sendMail({ envelope: { from: 'bench@localhost', to: list[i].to }, raw: list[i].raw }));
  await send(messages.slice(0, 200)); // warm-up
  const mailMs = await cpu(() => send(messages.slice(200)));
  transporter.close();

  const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  const secret = Buffer.from('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'base64');
  const body = JSON.stringify({ type: 'consent.granted', timestamp: new Date().toISOString(), data: { email: 'floor@example.com', purposes: [{ purpose: 'newsletter', granted: true, text: 'x'.repeat(80) }], record: { jws: 'x'.repeat(1500) } } });
  const post = () =>
    new Promise((resolve, reject) => {
      const id = `msg_${randomUUID()}`;
      const timestamp = String(Math.floor(Date.now() / 1000));
      const signature = createHmac('sha256', secret).update(`${id}.${timestamp}.${body}`).digest('base64');
      const request = http.request(
        sink.hooks,
        { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': `v1,${signature}` } },
        (response) => (response.resume(), response.on('end', resolve)),
      );
      request.on('error', reject);
      request.end(body);
    });
  const posts = (n) => inTurns(n, 8, post);
  await posts(200);
  const hookMs = await cpu(() => posts(count));
  agent.destroy();
  sink.stop();
  const perMail = mailMs / count;
  const perHook = hookMs / count;
  return {
    perMail,
    perHook,
    text:
      `Floor of sending, ${count} each, nothing of the receiver around it: ${perMail.toFixed(3)} ms CPU per mail (a pre-built 4 KB message over one pooled SMTP connection), ` +
      `${perHook.toFixed(3)} ms per webhook message (HMAC-signed POST, keep-alive): ${(perMail + perHook).toFixed(3)} ms per record that causes both.`,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log((await benchSendFloor(process.argv[2] ? { count: Number(process.argv[2]) } : {})).text);
}
