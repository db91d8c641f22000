// From a stored record to the link in the inbox: confirmationMail → queue (with
// the cap) → sender → real SMTP server → the link's token verifies for that
// record and address. Plus the mail settings from the environment.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createServerKey } from '../../src/records/countersign.js';
import { parseMailConfig, MailConfigError } from '../../src/mail/settings.js';
import { CONFIRM_PATH, confirmationMail, confirmUrl } from '../../src/confirmation/mail.js';
import { siteText } from '../../src/mail/site.js';
import { createMemoryMailQueue } from '../../src/mail/memory-queue.js';
import { startMailSender } from '../../src/mail/sender.js';
import { createLinkTokens } from '../../src/mail/link-tokens.js';
import { createMailTransport } from '../../src/mail/transport.js';
import { consentRecord, label, requestRecord, webinarRecord, tempDir } from '../helpers/mail-records.js';
import { startTestSmtp, type TestSmtp } from '../helpers/smtp.js';

describe('record to inbox', () => {
  let smtp: TestSmtp;
  before(async () => {
    smtp = await startTestSmtp();
  });
  after(() => smtp.stop());

  for (const lang of ['fi', 'en', 'sv'] as const) {
    it(`${lang}: the mailed link confirms exactly that record and address; the 4th mail in 24 h is not queued`, async () => {
      const tokens = createLinkTokens((await createServerKey()).d!);
      const queue = createMemoryMailQueue();
      const address = `flow-${lang}@example.fi`;
      const records = [
        { ...consentRecord(lang), subject: { email: address } },
        { ...webinarRecord(lang), id: '2b6f3c1e-8a41-4c52-9d3e-2f7a6b1c9e04', subject: { email: address } },
        requestRecord(lang, { subject: { name: 'Maija Meikäläinen', email: address } }),
        { ...consentRecord(lang), id: '3b6f3c1e-8a41-4c52-9d3e-2f7a6b1c9e04', subject: { email: address } },
      ];
      const results = records.map((record) => {
        const mail = confirmationMail({ record, tokens, publicUrl: 'https://privacy.optimesys.fi/', site: siteText({ origins: ['https://www.optimesys.fi'] }) })!;
        return queue.enqueue({ message: mail.message, addressKey: mail.addressKey, kind: mail.kind, recordId: mail.recordId });
      });
      assert.deepEqual(results.map((r) => r.queued), [true, true, true, false]);

      const transport = createMailTransport({ smtpUrl: smtp.url, from: 'OptimeSys <tietosuoja@optimesys.fi>' });
      const sender = startMailSender({ queue, transport, intervalMs: 20, log: () => {} });
      try {
        for (const record of records.slice(0, 3)) {
          const mail = await smtp.waitFor((m) => m.envelope.to.includes(address) && m.parsed.text!.includes(record.type === 'data-request' ? record.id : new URL(record.source.url).pathname));
          const link = mail.parsed.text!.match(/https:\/\/privacy\.optimesys\.fi\/confirm\/([A-Za-z0-9_-]+)/);
          assert.ok(link, 'the text part has the link');
          assert.ok(!link[0].includes(address.split('@')[0]!), 'no address in the URL');
          const verified = tokens.verify(link[1]!, { kind: 'confirm', expect: { recordId: record.id, address } });
          assert.ok(verified.ok);
          assert.equal(verified.locale, lang);
          assert.equal(mail.parsed.headers.get('content-language'), lang);
          if (record.type === 'consent') assert.ok(mail.parsed.text!.includes(label(lang, record.decisions[0]!.purpose)));
        }
        assert.ok(smtp.messages.some((m) => m.parsed.text!.includes(label(lang, 'newsletter'))));
      } finally {
        await sender.stop();
        transport.close();
      }
      assert.equal(smtp.messages.filter((m) => m.envelope.to.includes(address)).length, 3);
    });
  }

  it('a record that only withdraws gets no mail', async () => {
    const tokens = createLinkTokens(new Uint8Array(32).fill(1));
    const record = consentRecord('fi');
    record.decisions = record.decisions.map((d) => ({ ...d, granted: false }));
    assert.equal(confirmationMail({ record, tokens, publicUrl: 'https://x.example' }), undefined);
  });

  it('confirmUrl joins the origin, an optional base path and the token', () => {
    assert.equal(confirmUrl('https://a.example/', 'T'), `https://a.example${CONFIRM_PATH}T`);
    assert.equal(confirmUrl('https://a.example/privacy', 'T'), 'https://a.example/privacy/confirm/T');
  });
});

describe('mail settings from the environment', () => {
  const dataDir = '/tmp/data';
  it('without SMTP_URL: .eml files and the demo origin', () => {
    const config = parseMailConfig({}, { dataDir, port: 9000 });
    assert.equal(config.transport.smtpUrl, undefined);
    assert.equal(config.transport.dataDir, dataDir);
    assert.equal(config.publicUrl, 'http://127.0.0.1:9000');
    assert.equal(config.cap.max, 3);
    assert.equal(config.cap.windowMs, 86_400_000);
  });

  it('with SMTP_URL: MAIL_FROM and PUBLIC_URL are required', () => {
    const env = { SMTP_URL: 'smtp://u:p@mail.example.fi:587' };
    assert.throws(() => parseMailConfig(env, { dataDir }), /MAIL_FROM/);
    assert.throws(() => parseMailConfig({ ...env, MAIL_FROM: 'a@b.fi' }, { dataDir }), /PUBLIC_URL/);
    // A From no mail could carry fails the start, not every send.
    for (const from of ['OptimeSys', 'OptimeSys <tietosuoja@optimesys.fi', 'a@b.fi\r\nBcc: x@evil.example', '"quoted local"@b.fi']) {
      assert.throws(() => parseMailConfig({ ...env, MAIL_FROM: from, PUBLIC_URL: 'https://privacy.optimesys.fi/' }, { dataDir }), /MAIL_FROM/, from);
    }
    assert.doesNotThrow(() => parseMailConfig({ ...env, MAIL_FROM: 'Tietosuoja – OptimeSys <tietosuoja@optimesys.fi>', PUBLIC_URL: 'https://privacy.optimesys.fi/' }, { dataDir }));
    const config = parseMailConfig({ ...env, MAIL_FROM: 'a@b.fi', PUBLIC_URL: 'https://privacy.optimesys.fi/', MAIL_CAP: '5' }, { dataDir });
    assert.equal(config.transport.smtpUrl, env.SMTP_URL);
    assert.equal(config.publicUrl, 'https://privacy.optimesys.fi');
    assert.equal(config.cap.max, 5);
  });

  it('refuses what would fail later', () => {
    for (const [env, message] of [
      [{ SMTP_URL: 'http://mail.example.fi' }, /smtp:\/\//],
      [{ PUBLIC_URL: 'ftp://x.example' }, /http\(s\)/],
      [{ PUBLIC_URL: 'https://x.example/?a=1' }, /http\(s\)/],
      [{ MAIL_CAP: '0' }, /MAIL_CAP/],
      [{ DKIM_DOMAIN: 'optimesys.fi' }, /all three|together/],
      [{ DKIM_DOMAIN: 'optimesys.fi', DKIM_SELECTOR: 's', DKIM_KEY_FILE: '/nonexistent/key.pem' }, /DKIM_KEY_FILE/],
    ] as const) {
      assert.throws(() => parseMailConfig(env, { dataDir }), (e: unknown) => e instanceof MailConfigError && message.test((e as Error).message));
    }
  });

  it('reads the DKIM key file content', () => {
    const file = join(tempDir('pw-dkim-'), 'dkim.pem');
    const pem = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    writeFileSync(file, pem, { mode: 0o600 });
    const config = parseMailConfig({ DKIM_DOMAIN: 'optimesys.fi', DKIM_SELECTOR: 'mail2026', DKIM_KEY_FILE: file }, { dataDir });
    assert.deepEqual(config.transport.dkim, { domainName: 'optimesys.fi', keySelector: 'mail2026', privateKey: pem });
  });
});
