// What a stranger could make the site's mail do, tried as an attacker would: links shaped by a
// request, words relayed to any address, caps spelled around or spent for the owner, a
// withdrawal the owner never hears of. A real SMTP server receives what the receiver sends.
import assert from 'node:assert/strict';
import { copyFileSync, readdirSync, readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { simpleParser } from 'mailparser';
import { createConsentRecord, createDataRequest } from '@optimesys/privacy-records/create';
import { Email } from '@optimesys/privacy-records/schemas';
import { keySigner, signRecord, type Signer } from '@optimesys/privacy-records/sign';
import { escapeHtml } from '../../src/mail/layout.js';
import { serializeMail } from '../../src/mail/mime.js';
import { createMailTransport } from '../../src/mail/transport.js';
import { currentConsents } from '../../src/derive.js';
import { createReceiver, startReceiver } from '../../src/receiver.js';
import { startPostgres, pgTestsDisabled } from '../helpers/postgres.js';
import { startTestSmtp, type ReceivedMail, type TestSmtp } from '../helpers/smtp.js';
import { config, signRaw, tempDir } from './helpers.js';
import { serveReceiver, type Served } from './serve.js';

const NOTICE = { version: '2018-05-24', digest: 'a'.repeat(64) };
const SITE_PAGE = 'https://www.optimesys.fi/uutiskirje';
const label = (lang: 'fi' | 'en' | 'sv', purpose: string) =>
  (JSON.parse(readFileSync(`packages/receiver/locales/${lang}/labels.json`, 'utf8')) as { purposes: Record<string, { label: string }> }).purposes[purpose]!.label;
let n = 0;
const unique = (what: string) => `${what}-${++n}-${Date.now()}@example.fi`;
const freshKey = () => keySigner();

function consent(email: string, granted: Record<string, boolean>, options: { text?: string; url?: string } = {}) {
  return createConsentRecord({
    subject: { email },
    locale: 'en',
    notice: NOTICE,
    source: { url: options.url ?? SITE_PAGE, element: 'consent-form' },
    decisions: Object.entries(granted).map(([purpose, g]) => ({
      purpose,
      dpv: 'dpv:DirectMarketing',
      basis: 'consent' as const,
      granted: g,
      text: options.text ?? label('en', purpose),
    })),
    processing: [],
  });
}
const request = (email: string) =>
  createDataRequest({ subject: { name: 'Maija Meikäläinen', email }, locale: 'en', notice: NOTICE, source: { url: SITE_PAGE, element: 'data-request-form' }, requestType: 'access' });
const sign = async (record: Parameters<typeof signRecord>[0], signer: Signer = freshKey()) => (await signRecord(record, signer)).jws;
const text = (mail: ReceivedMail) => `${String(mail.parsed.text)}\n${String(mail.parsed.html)}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A raw HTTP request with the Host (and request target) an attacker chooses. */
function rawPost(url: string, target: string, host: string, body: string, type = 'application/json'): Promise<number> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1');
    let out = '';
    socket.on('data', (d) => {
      out += d;
      const status = /^HTTP\/1\.1 (\d{3})/.exec(out)?.[1];
      if (status) {
        socket.destroy();
        resolve(Number(status));
      }
    });
    socket.on('error', reject);
    socket.write(`POST ${target} HTTP/1.1\r\nHost: ${host}\r\nContent-Type: ${type}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  });
}

describe('mail abuse through the receiver', () => {
  let smtp: TestSmtp;
  let receiver: Served;
  before(async () => {
    smtp = await startTestSmtp();
    receiver = await serveReceiver({
      dataDir: tempDir(),
      allowedOrigins: ['https://www.optimesys.fi'],
      trustProxy: 1,
      mail: {
        transport: createMailTransport({ smtpUrl: smtp.url, from: 'OptimeSys <tietosuoja@optimesys.fi>' }),
        sender: { intervalMs: 50, backoff: { baseMs: 100, capMs: 300, jitter: 0 } },
      },
    });
  });
  after(async () => {
    await receiver.close();
    await smtp.stop();
  });

  const post = (jws: string, client: string, headers: Record<string, string> = {}) =>
    fetch(new URL('/api/records', receiver.url), {
      method: 'POST',
      headers: { 'content-type': 'application/jose', 'x-forwarded-for': client, ...headers },
      body: jws,
    });
  const askLink = (email: string, client: string) =>
    fetch(new URL('/api/preferences/link', receiver.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': client },
      body: JSON.stringify({ email, locale: 'en' }),
    });
  const mailsTo = (email: string) => smtp.messages.filter((m) => m.envelope.to.includes(email));
  /** Waits until the receiver has sent every mail it queued (nothing due is left). */
  const drained = async () => {
    for (let i = 0; i < 200; i++) {
      const jobs = await receiver.store.jobs({ kind: 'mail' });
      if (jobs.every((j) => j.doneAt || j.gaveUpAt)) return;
      await sleep(50);
    }
    throw new Error('mail queue did not drain');
  };
  const consents = async (email: string) =>
    Object.fromEntries(currentConsents(await receiver.store.byEmail(email), await receiver.store.events(email)).map((s) => [s.purpose, s.granted]));
  /** Subscribes from `signer` and confirms from the mailed link, as the owner. */
  async function subscribe(email: string, signer: Signer, client = '192.0.2.10') {
    assert.equal((await post(await sign(consent(email, { newsletter: true, blog: true }), signer), client)).status, 201);
    const mail = await smtp.waitFor((m) => m.envelope.to.includes(email) && /\/confirm\//.test(String(m.parsed.text)));
    const link = String(mail.parsed.text).match(/http:\/\/\S+\/confirm\/[A-Za-z0-9_-]+/)![0];
    assert.equal((await fetch(link, { method: 'POST' })).status, 200);
  }

  it('links in mails open the configured origin, whatever Host or absolute target the request names', async () => {
    const email = unique('host');
    await subscribe(email, freshKey());
    const own = new URL(receiver.url).origin;
    // A link request and a record, both with Host: evil.example; one in absolute form.
    assert.equal(await rawPost(receiver.url, '/api/preferences/link', 'evil.example', JSON.stringify({ email })), 202);
    assert.equal(await rawPost(receiver.url, 'http://evil.example/api/preferences/link', 'evil.example', JSON.stringify({ email })), 202);
    const jws = await sign(consent(email, { events: true }));
    assert.equal(await rawPost(receiver.url, 'http://evil.example/api/records', 'evil.example', jws, 'application/jose'), 201);
    await smtp.waitFor(() => mailsTo(email).length >= 4, 8000);
    for (const mail of mailsTo(email)) {
      const urls = text(mail).match(/https?:\/\/[^\s"<]+/g) ?? [];
      assert.ok(!urls.some((u) => u.includes('evil.example')), urls.join(' '));
      assert.ok(urls.some((u) => u.startsWith(own)), 'the links open the receiver');
    }
  });

  it('a page that rebinds its name to the receiver is not same-origin: Origin and Host both evil.example are refused', async () => {
    const jws = await sign(consent(unique('rebind'), { newsletter: true }));
    const refused = await new Promise<number>((resolve, reject) => {
      const { port } = new URL(receiver.url);
      const req = httpRequest({ host: '127.0.0.1', port, path: '/api/records', method: 'POST', headers: { host: 'evil.example', origin: 'http://evil.example', 'content-type': 'application/jose' } }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
      req.on('error', reject);
      req.end(jws);
    });
    assert.equal(refused, 403);
  });

  it("a client's thirty posts for thirty addresses: at most the client's hourly mails, and none carries its words or page", async () => {
    const before = smtp.messages.length;
    const lure = 'Your account is locked: log in at https://evil.example/login';
    const statuses = [];
    for (let i = 0; i < 30; i++) statuses.push((await post(await sign(consent(unique('relay'), { newsletter: true }, { text: lure, url: 'https://evil.example/login' })), '198.51.100.7')).status);
    assert.deepEqual(new Set(statuses), new Set([201]), 'every record is stored: only the mails are capped');
    await drained();
    const sent = smtp.messages.slice(before);
    assert.equal(sent.length, 20, 'the per-client cap (20 an hour)');
    for (const mail of sent) {
      assert.ok(!text(mail).includes('evil.example') && !text(mail).includes('locked'), text(mail));
      assert.ok(text(mail).includes(label('en', 'newsletter')), "the site's own label");
    }
    // Another client is not held back by that one.
    const other = unique('other');
    assert.equal((await post(await sign(consent(other, { newsletter: true })), '198.51.100.8')).status, 201);
    await smtp.waitFor((m) => m.envelope.to.includes(other));
  });

  it('one device key posting for ten addresses from ten clients: at most its hourly mails', async () => {
    const signer = freshKey();
    const addresses = Array.from({ length: 10 }, () => unique('key'));
    for (const [i, email] of addresses.entries()) assert.equal((await post(await sign(consent(email, { newsletter: true }), signer), `203.0.113.${i + 1}`)).status, 201);
    await drained();
    assert.equal(addresses.filter((email) => mailsTo(email).length > 0).length, 5, 'the per-key cap (5 an hour)');
  });

  it('ten spellings of one Gmail mailbox are one mailbox: three mails from one client, ten at most from all', async () => {
    const spellings = ['victim', 'Victim', 'v.ictim', 'victim+1', 'vic.tim+news', 'VICTIM', 'v.i.c.t.i.m', 'victim+2', 'victim+x', 'vi.ctim'];
    const domains = ['gmail.com', 'googlemail.com'];
    const all = spellings.flatMap((local, i) => [`${local}@${domains[i % 2]}`, `${local}+more${i}@${domains[(i + 1) % 2]}`]);
    const before = smtp.messages.length;
    for (const email of all.slice(0, 10)) assert.equal((await post(await sign(consent(email, { newsletter: true })), '192.0.2.50')).status, 201);
    await drained();
    assert.equal(smtp.messages.length - before, 3, 'one client: the mailbox cap (3 a day)');
    // Four more clients: each may add three, but the mailbox takes ten consent mails a day at most.
    for (const [i, email] of all.slice(10).entries()) assert.equal((await post(await sign(consent(email, { newsletter: true })), `192.0.2.${60 + (i % 4)}`)).status, 201);
    await drained();
    assert.equal(smtp.messages.length - before, 10, 'the per-mailbox ceiling (10 a day)');
  });

  it("a stranger cannot spend the owner's allowance: after their three posts and three link requests, the owner's request and link still go out", async () => {
    const email = unique('owner');
    const stranger = '198.51.100.99';
    for (let i = 0; i < 3; i++) assert.equal((await post(await sign(consent(email, { blog: true })), stranger)).status, 201);
    for (let i = 0; i < 3; i++) assert.equal((await askLink(email, stranger)).status, 202);
    for (let i = 0; i < 2; i++) assert.equal((await post(await sign(consent(email, { blog: true })), stranger)).status, 201); // capped
    await sleep(700); // the link requests' work runs a moment after their answers
    await drained();
    const spent = mailsTo(email).length;
    assert.equal(spent, 6, "the stranger's allowance: three of each kind");
    // The owner, from their own network: a data request and a link.
    const owner = '203.0.113.200';
    assert.equal((await post(await sign(request(email)), owner)).status, 201);
    assert.equal((await askLink(email, owner)).status, 202);
    await smtp.waitFor((m) => m.envelope.to.includes(email) && String(m.parsed.subject).includes('data request'), 8000);
    await smtp.waitFor((m) => m.envelope.to.includes(email) && /#token=/.test(String(m.parsed.text)) && mailsTo(email).indexOf(m) >= spent, 8000);
  });

  it('a withdrawal from an unknown device counts at once, and the owner is told with one button that turns it back on', async () => {
    const email = unique('withdrawn');
    await subscribe(email, freshKey());
    assert.deepEqual(await consents(email), { newsletter: true, blog: true });
    const stranger = await sign(consent(email, { newsletter: false }, { text: 'Unsubscribe me, says the stranger', url: 'https://evil.example/x' }));
    assert.equal((await post(stranger, '198.51.100.77')).status, 201);
    assert.deepEqual(await consents(email), { newsletter: false, blog: true }, 'the withdrawal counts at once');
    const notice = await smtp.waitFor((m) => m.envelope.to.includes(email) && /\/restore\//.test(String(m.parsed.text)));
    const body = text(notice);
    assert.ok(body.includes(label('en', 'newsletter')) && !body.includes(label('en', 'blog')), body);
    assert.ok(!body.includes('stranger') && !body.includes('evil.example'), 'nothing the stranger wrote');
    const link = String(notice.parsed.text).match(/http:\/\/\S+\/restore\/[A-Za-z0-9_-]+/)![0];
    // A mail scanner's GETs change nothing.
    for (let i = 0; i < 2; i++) {
      const page = await fetch(link);
      assert.equal(page.status, 200);
      assert.ok((await page.text()).includes(escapeHtml(label('en', 'newsletter'))), 'the page lists what it would turn back on');
    }
    assert.deepEqual(await consents(email), { newsletter: false, blog: true });
    assert.equal((await fetch(link, { method: 'POST' })).status, 200);
    assert.deepEqual(await consents(email), { newsletter: true, blog: true }, 'turned back on from the mailbox');
    const restoration = (await receiver.store.events(email)).find((e) => e.kind === 'restoration')!;
    assert.deepEqual(restoration.data.purposes, ['newsletter']);
    assert.match((await (await fetch(link, { method: 'POST' })).text()), /already/i);
    assert.equal((await receiver.store.events(email)).filter((e) => e.kind === 'restoration').length, 1, 'once');
  });

  it('a withdrawal from the device that proved the mailbox sends no notice', async () => {
    const email = unique('own-device');
    const signer = freshKey();
    await subscribe(email, signer);
    const before = mailsTo(email).length;
    assert.equal((await post(await sign(consent(email, { newsletter: false }), signer), '192.0.2.10')).status, 201);
    await sleep(300);
    await drained();
    assert.equal(mailsTo(email).length, before);
  });

  it('a sent mail is kept with its link redacted; the link itself still works', async () => {
    const email = unique('at-rest');
    assert.equal((await post(await sign(consent(email, { newsletter: true })), '192.0.2.20')).status, 201);
    const mail = await smtp.waitFor((m) => m.envelope.to.includes(email));
    const token = String(mail.parsed.text).match(/\/confirm\/([A-Za-z0-9_-]+)/)![1]!;
    await drained();
    const stored = JSON.stringify((await receiver.store.jobs({ kind: 'mail', email })).map((j) => j.payload));
    assert.ok(!stored.includes(token), 'no live token in the store');
    assert.ok(stored.includes('/confirm/redacted'), 'the mail is kept, its link redacted');
    assert.equal((await fetch(new URL(`/confirm/${token}`, receiver.url), { method: 'POST' })).status, 200);
    assert.deepEqual(await consents(email), { newsletter: true });
  });
});

describe('addresses as mail can carry them', () => {
  const encoded = '=?utf-8?q?spam=40evil.example?=@example.fi';
  it('an RFC 2047 encoded word is not an address: the schema, the receiver and the mail serializer refuse it', async () => {
    assert.equal(Email.safeParse(encoded).success, false);
    assert.equal(Email.safeParse('a=b?c@example.fi').success, true, 'one = or ? alone is a valid dot-atom');
    assert.throws(() => serializeMail({ from: 'a@example.fi', to: encoded, subject: 's', text: 't', html: '<p>t</p>', headers: {} }), /Not a mail address/);
    const receiver = await serveReceiver({ dataDir: tempDir(), mail: false });
    try {
      const record = consent('placeholder@example.fi', { newsletter: true });
      const jws = await signRaw({ ...record, subject: { email: encoded } });
      const answer = await fetch(new URL('/api/records', receiver.url), { method: 'POST', headers: { 'content-type': 'application/jose' }, body: jws });
      assert.equal(answer.status, 400);
      assert.equal(((await answer.json()) as { error: { code: string } }).error.code, 'bad-schema');
    } finally {
      await receiver.close();
    }
  });
});

describe('one receiver key per database', () => {
  it('SQLite: a key file swapped for another refuses the start, naming both keys', async () => {
    const dataDir = tempDir();
    const first = await createReceiver({ dataDir, mail: false });
    const kid = first.key.kid;
    await first.close();
    const other = tempDir();
    (await createReceiver({ dataDir: other, mail: false })).close();
    copyFileSync(join(other, 'receiver-key.json'), join(dataDir, 'receiver-key.json'));
    await assert.rejects(createReceiver({ dataDir, mail: false }), (error: Error) => error.name === 'ReceiverStartError' && error.message.includes(kid));
  });

  it('PostgreSQL: a second instance with another key refuses to start; with the same key it starts', { skip: pgTestsDisabled }, async () => {
    const pg = await startPostgres();
    try {
      const one = tempDir();
      const first = await createReceiver({ dataDir: one, databaseUrl: pg.url, mail: false });
      try {
        await assert.rejects(createReceiver({ dataDir: tempDir(), databaseUrl: pg.url, mail: false }), (error: Error) =>
          error.name === 'ReceiverStartError' && error.message.includes(first.key.kid),
        );
        const same = tempDir();
        copyFileSync(join(one, 'receiver-key.json'), join(same, 'receiver-key.json'));
        await (await createReceiver({ dataDir: same, databaseUrl: pg.url, mail: false })).close();
      } finally {
        await first.close();
      }
    } finally {
      pg.stop();
    }
  });
});

describe('the receiver started from the command line without PUBLIC_URL', () => {
  it('mails links to the address it listens on, never to the Host a request names', async () => {
    const cfg = config({ rateLimit: false });
    const running = await startReceiver(cfg);
    try {
      const email = unique('cli');
      const jws = await sign(consent(email, { newsletter: true }));
      assert.equal(await rawPost(running.url, 'http://evil.example/api/records', 'evil.example', jws, 'application/jose'), 201);
      const dir = join(cfg.dataDir, 'mail');
      let files: string[] = [];
      for (let i = 0; i < 100 && !files.length; i++) {
        await sleep(50);
        files = readdirSync(dir).filter((f) => f.endsWith('.eml'));
      }
      const mail = await simpleParser(readFileSync(join(dir, files[0]!)));
      const link = String(mail.text).match(/https?:\/\/\S+\/confirm\/[A-Za-z0-9_-]+/)?.[0] ?? '';
      assert.ok(link.startsWith(`${running.url}confirm/`), `the listening address: ${link}`);
      assert.ok(!String(mail.text).includes('evil.example'));
    } finally {
      await running.close();
    }
  });
});
