import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { simpleParser } from 'mailparser';
import { composeConfirmation } from '../../src/mail/compose.js';
import { classifySendError, createMailTransport, emlName, MailSendError } from '../../src/mail/transport.js';
import { consentRecord, label, tempDir } from '../helpers/mail-records.js';
import { verifyDkim } from '../helpers/dkim.js';
import { startTestSmtp, type TestSmtp } from '../helpers/smtp.js';

const FROM = 'OptimeSys <tietosuoja@optimesys.fi>';
const message = (to = 'maija.meikalainen@example.fi') => ({
  ...composeConfirmation({
    record: { ...consentRecord('fi'), subject: { email: to } },
    confirmUrl: 'https://privacy.optimesys.fi/confirm/T0ken',
    expiresAt: new Date('2026-12-10T05:02:00Z'),
  }),
});

async function rejection(promise: Promise<unknown>): Promise<MailSendError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof MailSendError, String(error));
    return error;
  }
  assert.fail('expected a rejection');
}

describe('SMTP transport (real SMTP server on loopback)', () => {
  let smtp: TestSmtp;
  before(async () => {
    smtp = await startTestSmtp();
  });
  after(() => smtp.stop());

  it('delivers a message with a plain-text and an HTML part and the extra headers', async () => {
    const transport = createMailTransport({ smtpUrl: smtp.url, from: FROM });
    const { messageId } = await transport.send(message('a@example.fi'));
    transport.close();
    const mail = await smtp.waitFor((m) => m.envelope.to.includes('a@example.fi'));
    assert.equal(mail.parsed.messageId, messageId);
    assert.equal(mail.envelope.from, 'tietosuoja@optimesys.fi');
    assert.equal(mail.parsed.subject, 'Vahvista tilauksesi');
    assert.ok(mail.parsed.text?.includes(label('fi', 'newsletter')));
    assert.ok(typeof mail.parsed.html === 'string' && mail.parsed.html.includes('href="https://privacy.optimesys.fi/confirm/T0ken"'));
    assert.equal(mail.parsed.headers.get('auto-submitted'), 'auto-generated');
    assert.equal(mail.parsed.headers.get('content-language'), 'fi');
    assert.match(mail.raw.toString('latin1'), /multipart\/alternative/);
    assert.equal(mail.parsed.headers.get('dkim-signature'), undefined);
  });

  it('signs with DKIM when configured, with a signature that verifies', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const transport = createMailTransport({
      smtpUrl: smtp.url,
      from: FROM,
      dkim: { domainName: 'optimesys.fi', keySelector: 'mail2026', privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string },
    });
    await transport.send(message('dkim@example.fi'));
    transport.close();
    const mail = await smtp.waitFor((m) => m.envelope.to.includes('dkim@example.fi'));
    const signature = mail.raw.toString('latin1').match(/^DKIM-Signature:(.*(?:\r\n[ \t].*)*)/m)?.[1] ?? '';
    assert.match(signature, /\bd=optimesys\.fi;/);
    assert.match(signature, /\bs=mail2026;/);
    assert.match(signature, /\ba=rsa-sha256;/);
    assert.match(signature, /\bb=[A-Za-z0-9+/=\s]{100,}/);
    assert.deepEqual(verifyDkim(mail.raw, publicKey), { ok: true, domain: 'optimesys.fi', selector: 'mail2026' });
    // the verifier is not a rubber stamp: a changed body or another key fails
    const changed = Buffer.from(mail.raw.toString('latin1').replace('Hei,', 'Moi,'), 'latin1');
    assert.deepEqual(verifyDkim(changed, publicKey), { ok: false, reason: 'body hash' });
    assert.deepEqual(verifyDkim(mail.raw, generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey), { ok: false, reason: 'signature' });
  });

  it('a message with a CR/LF in a header is refused before it reaches the server, for good', async () => {
    const transport = createMailTransport({ smtpUrl: smtp.url, from: FROM });
    const before = smtp.attempts;
    const error = await rejection(transport.send({ ...message('inject@example.fi'), headers: { 'Content-Language': 'fi\r\nBcc: evil@example.com' } }));
    transport.close();
    assert.equal(error.retryable, false);
    assert.equal(smtp.attempts, before, 'nothing was sent');
  });

  it('a 451 is retryable, a 550 is permanent', async () => {
    const transport = createMailTransport({ smtpUrl: smtp.url, from: FROM });
    try {
      smtp.mode = 'temporary';
      const temporary = await rejection(transport.send(message('t@example.fi')));
      assert.equal(temporary.responseCode, 451);
      assert.equal(temporary.retryable, true);
      smtp.mode = 'permanent';
      const permanent = await rejection(transport.send(message('p@example.fi')));
      assert.equal(permanent.responseCode, 550);
      assert.equal(permanent.retryable, false);
    } finally {
      smtp.mode = 'accept';
      transport.close();
    }
    assert.equal(smtp.messages.some((m) => m.envelope.to.includes('t@example.fi') || m.envelope.to.includes('p@example.fi')), false);
  });

  it('a send the server has not finished within timeoutMs is abandoned then, retryable; the next send gets a new connection', async () => {
    const transport = createMailTransport({ smtpUrl: smtp.url, from: FROM, timeoutMs: 300 });
    assert.equal(transport.timeoutMs, 300);
    smtp.delayMs = 3000; // answers each message's data only after 3 s
    try {
      const slow = await rejection(transport.send(message('slow@example.fi')));
      assert.equal(slow.retryable, true);
      assert.match(slow.message, /within 300 ms/);
      assert.equal(smtp.messages.some((m) => m.envelope.to.includes('slow@example.fi')), false, 'given up before the server answered');
      smtp.delayMs = 0;
      await transport.send(message('after-slow@example.fi'));
      await smtp.waitFor((m) => m.envelope.to.includes('after-slow@example.fi'));
    } finally {
      smtp.delayMs = 0;
      transport.close();
    }
  });

  it('a server that is down is retryable, and check() says so', async () => {
    const up = createMailTransport({ smtpUrl: smtp.url, from: FROM, timeoutMs: 2000 });
    assert.deepEqual(await up.check(), { ok: true });
    up.close();
    await smtp.stop();
    const transport = createMailTransport({ smtpUrl: smtp.url, from: FROM, timeoutMs: 2000 });
    try {
      const check = await transport.check();
      assert.equal(check.ok, false);
      const down = await rejection(transport.send(message('down@example.fi')));
      assert.equal(down.retryable, true);
      assert.equal(down.responseCode, undefined);
    } finally {
      transport.close();
      await smtp.start();
    }
    const back = createMailTransport({ smtpUrl: smtp.url, from: FROM });
    await back.send(message('back@example.fi'));
    back.close();
    await smtp.waitFor((m) => m.envelope.to.includes('back@example.fi'));
  });
});

describe('classifySendError', () => {
  it('follows RFC 5321 reply classes', () => {
    assert.equal(classifySendError({ responseCode: 421 }).retryable, true);
    assert.equal(classifySendError({ responseCode: 552 }).retryable, false);
    assert.equal(classifySendError({ responseCode: 503 }).retryable, true, 'bad sequence is a session problem');
    assert.equal(classifySendError({ responseCode: 535, code: 'EAUTH' }).retryable, true, 'wrong password: fix and retry');
    assert.equal(classifySendError({ code: 'ECONNECTION' }).retryable, true);
    assert.equal(classifySendError(new Error('boom')).retryable, true);
  });
});

describe('.eml file transport (no SMTP_URL)', () => {
  it('writes each message as an RFC 5322 file, 0600 in a 0700 directory, names sorted by time', async () => {
    const dataDir = tempDir('pw-mail-');
    const transport = createMailTransport({ from: FROM, dataDir });
    assert.equal(transport.kind, 'file');
    const first = await transport.send(message('first@example.fi'));
    await new Promise((r) => setTimeout(r, 5));
    await transport.send(message('second@example.fi'));
    transport.close();
    const dir = join(dataDir, 'mail');
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    const files = readdirSync(dir);
    assert.equal(files.length, 2, 'no temporary files left behind');
    assert.deepEqual([...files].sort(), files.sort());
    for (const file of files) {
      assert.match(file, /^\d{8}T\d{9}Z-[0-9a-f]{12}\.eml$/);
      assert.equal(statSync(join(dir, file)).mode & 0o777, 0o600);
    }
    const raw = readFileSync(join(dir, files.sort()[0]!));
    assert.match(raw.toString('latin1'), /^[\x21-\x39\x3b-\x7e]+:/, 'starts with a header field');
    assert.ok(!/[^\r]\n/.test(raw.toString('latin1')), 'CRLF line ends');
    const parsed = await simpleParser(raw);
    assert.equal(parsed.messageId, first.messageId);
    assert.equal((parsed.to as { text: string }).text, 'first@example.fi');
    assert.equal((parsed.from as { value: { address: string }[] }).value[0]!.address, 'tietosuoja@optimesys.fi');
    assert.equal(parsed.subject, 'Vahvista tilauksesi');
    assert.ok(parsed.text?.includes('https://privacy.optimesys.fi/confirm/T0ken'));
    assert.ok(typeof parsed.html === 'string' && parsed.html.includes(label('fi', 'events')));
    assert.ok(parsed.date instanceof Date);
  });

  it('signs the file with DKIM when configured, with a signature that verifies', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const dataDir = tempDir('pw-mail-');
    const transport = createMailTransport({
      from: FROM,
      dataDir,
      dkim: { domainName: 'optimesys.fi', keySelector: 'mail2026', privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string },
    });
    const { messageId } = await transport.send(message('signed@example.fi'));
    transport.close();
    const dir = join(dataDir, 'mail');
    const [file, ...rest] = readdirSync(dir);
    assert.equal(rest.length, 0);
    const raw = readFileSync(join(dir, file!));
    assert.match(raw.toString('latin1'), /^DKIM-Signature: /m);
    assert.deepEqual(verifyDkim(raw, publicKey), { ok: true, domain: 'optimesys.fi', selector: 'mail2026' });
    assert.equal((await simpleParser(raw)).messageId, messageId);
  });

  it('a message with a header it will not write (CR/LF) fails for good, and no file is left', async () => {
    const dataDir = tempDir('pw-mail-');
    const transport = createMailTransport({ from: FROM, dataDir });
    const hostile = { ...message(), subject: 'Hei\r\nBcc: evil@example.com' };
    const error = await rejection(transport.send(hostile));
    assert.equal(error.retryable, false);
    assert.match(error.message, /control character/);
    assert.deepEqual(readdirSync(dataDir).flatMap((d) => readdirSync(join(dataDir, d))), []);
  });

  it('check() reports a mail directory it cannot write', async () => {
    const dataDir = tempDir('pw-mail-');
    assert.deepEqual(await createMailTransport({ from: FROM, dataDir }).check(), { ok: true });
    writeFileSync(join(dataDir, 'blocked'), '');
    const blocked = await createMailTransport({ from: FROM, dataDir: join(dataDir, 'blocked') }).check();
    assert.equal(blocked.ok, false);
  });

  it('needs a data directory', () => {
    assert.throws(() => createMailTransport({ from: FROM }), TypeError);
  });

  it('file names sort by time', () => {
    const a = emlName(new Date('2026-12-03T05:00:00.009Z'));
    const b = emlName(new Date('2026-12-03T05:00:00.010Z'));
    const c = emlName(new Date('2026-12-03T10:00:00.000Z'));
    assert.deepEqual([c, b, a].sort(), [a, b, c]);
  });
});
