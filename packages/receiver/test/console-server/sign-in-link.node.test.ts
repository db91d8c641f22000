// The console's mailed one-time sign-in link over real SMTP: it works once, a second use is
// refused, an address not listed gets no mail (and the same 202), an expired link is refused,
// and the mail caps hold.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { emailKey } from '../../src/store/store.js';
import { createMailTransport } from '../../src/mail/transport.js';
import { openStore } from '../../src/store/open.js';
import { tempDir } from '../receiver/helpers.js';
import { startTestSmtp, type TestSmtp } from '../helpers/smtp.js';
import type { Served } from '../receiver/serve.js';
import { Agent, consoleReceiver, mailedLink, signInByLink, signInLink, STAFF } from './helpers.js';

describe('console: sign-in with a mailed link', () => {
  let smtp: TestSmtp;
  let receiver: Served;
  let clock = Date.now();
  before(async () => {
    smtp = await startTestSmtp();
    receiver = await consoleReceiver(smtp, { now: () => new Date(clock) });
  });
  after(async () => {
    await receiver?.close();
    await smtp?.stop();
  });

  it('works once: the page shows a button, its POST signs in, the session API answers', async () => {
    const agent = new Agent(receiver.url);
    const link = await mailedLink(agent, smtp, STAFF);
    const page = await agent.fetch(link);
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.match(html, /<form method="post"><button type="submit">/);
    assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'none'/);
    assert.equal(page.headers.get('set-cookie'), null, 'a GET signs nobody in');
    // A scanner's second GET changes nothing either.
    assert.equal((await agent.fetch(link)).status, 200);
    const signedIn = await agent.fetch(link, { method: 'POST' });
    assert.equal(signedIn.status, 303);
    const cookie = signedIn.headers.getSetCookie().find((c) => c.startsWith('pw-console='));
    assert.ok(cookie, 'a session cookie');
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Strict/);
    assert.match(cookie, /Path=\//);
    // Loopback http: a plain name without Secure (a __Host- cookie needs Secure, which http cannot set).
    assert.doesNotMatch(cookie, /Secure/);
    const session = await agent.session();
    assert.equal(session.user.email, STAFF);
    assert.ok(session.csrf.length >= 32);
    assert.ok(Date.parse(session.expiresAt) > Date.parse(session.idleExpiresAt));
    // The sign-in is the receiver's signed event about the staff member.
    const events = (await receiver.store.events(STAFF)).filter((e) => e.kind === 'console' && e.data.action === 'sign-in');
    assert.equal(events.at(-1)?.data.method, 'link');
  });

  it('used twice: refused, and the second POST signs nobody in', async () => {
    const first = new Agent(receiver.url);
    const link = await mailedLink(first, smtp, 'someone@staff.optimesys.fi');
    assert.equal((await first.fetch(link, { method: 'POST' })).status, 303);
    const second = new Agent(receiver.url);
    const again = await second.fetch(link, { method: 'POST' });
    assert.equal(again.status, 410);
    assert.equal(second.cookies.size, 0);
    assert.equal((await second.fetch('/console/api/session')).status, 401);
    assert.equal((await second.fetch(link)).status, 410, 'its page says it was used');
  });

  it('an address not listed gets no mail, and the same 202', async () => {
    const dataDir = tempDir();
    const own = await consoleReceiver(smtp, {}, { dataDir });
    const agent = new Agent(own.url);
    const stranger = 'stranger@example.com';
    const listed = 'listed@staff.optimesys.fi';
    const refused = await agent.fetch('/console/auth/link', { json: { email: stranger } });
    const accepted = await agent.fetch('/console/auth/link', { json: { email: listed } });
    assert.equal(refused.status, 202);
    assert.equal(accepted.status, 202);
    assert.equal(await refused.text(), await accepted.text());
    await smtp.waitFor((m) => m.envelope.to.includes(listed), 10_000);
    // Closing waits for the work the answers left behind: after it, nothing more will be queued.
    await own.close();
    const store = await openStore({ dataDir, databaseUrl: undefined });
    assert.deepEqual(await store.jobs({ kind: 'mail', email: emailKey(stranger) }), []);
    await store.close();
    assert.equal(smtp.messages.filter((m) => m.envelope.to.includes(stranger)).length, 0);
  });

  it('expired: refused after its 15 minutes, on GET and POST', async () => {
    const agent = new Agent(receiver.url);
    const link = await mailedLink(agent, smtp, 'late@staff.optimesys.fi');
    clock += 16 * 60_000;
    try {
      assert.equal((await agent.fetch(link)).status, 410);
      const post = await agent.fetch(link, { method: 'POST' });
      assert.equal(post.status, 410);
      assert.match(await post.text(), /expired|vanhentunut/);
      assert.equal(agent.cookies.size, 0);
    } finally {
      clock -= 16 * 60_000;
    }
  });

  it('a forged or changed link is refused', async () => {
    const agent = new Agent(receiver.url);
    const link = await mailedLink(agent, smtp, 'forger@staff.optimesys.fi');
    const token = link.slice(link.lastIndexOf('/') + 1);
    const changed = `${token.slice(0, 20)}${token[20] === 'A' ? 'B' : 'A'}${token.slice(21)}`;
    assert.equal((await agent.fetch(`/console/auth/link/${changed}`, { method: 'POST' })).status, 404);
    assert.equal((await agent.fetch(`/console/auth/link/${'x'.repeat(80)}`)).status, 404);
    assert.equal(agent.cookies.size, 0);
  });

  it('the mail caps hold: a mailbox gets only so many links', async () => {
    const dataDir = tempDir();
    const own = await consoleReceiver(smtp, {}, { dataDir, mail: { transport: createMailTransport({ smtpUrl: smtp.url, from: 'OptimeSys <tietosuoja@optimesys.fi>' }), cap: { max: 2, windowMs: 86_400_000 } } });
    const agent = new Agent(own.url);
    const email = 'capped@staff.optimesys.fi';
    for (let i = 0; i < 4; i++) assert.equal((await agent.fetch('/console/auth/link', { json: { email } })).status, 202);
    await own.close();
    const store = await openStore({ dataDir, databaseUrl: undefined });
    assert.equal((await store.jobs({ kind: 'mail', email })).length, 2);
    await store.close();
  });

  it('the sent mail is kept with its link redacted', async () => {
    const agent = new Agent(receiver.url);
    const email = 'redacted@staff.optimesys.fi';
    await signInByLink(agent, smtp, email);
    const jobs = await receiver.store.jobs({ kind: 'mail', email });
    const sent = jobs.find((j) => j.doneAt);
    assert.ok(sent, 'the link mail was sent');
    const text = String((sent.payload as { message: { text: string } }).message.text);
    assert.match(text, /\/console\/auth\/link\/redacted/);
    assert.doesNotMatch(text, /\/console\/auth\/link\/[A-Za-z0-9_-]{20,}/);
    // What the SMTP server got was the working link.
    const mail = smtp.messages.find((m) => m.envelope.to.includes(email))!;
    assert.ok(signInLink(mail));
  });
});
