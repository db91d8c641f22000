// The console's server against attacks, one test each: every console route without a session;
// another Origin on a state-changing call; a missing or wrong anti-CSRF token; a forged or expired
// cookie; session fixation; markup in every field a visitor controls, which must come out as data.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createConsentRecord } from '@optimesys/privacy-records/create';
import { signRecord } from '@optimesys/privacy-records/sign';
import { consoleKeys } from '../../src/console/session.js';
import { startTestSmtp, type TestSmtp } from '../helpers/smtp.js';
import type { Served } from '../receiver/serve.js';
import { Agent, consoleReceiver, formSigner, mailedLink, NOTICE, postRequest, signInByLink, STAFF } from './helpers.js';

/** Markup in every field a visitor can fill. */
const HOSTILE = {
  name: '<img src=x onerror="window.__pwned=1">Eve <b>Evil</b>',
  organisation: '<iframe src="javascript:window.__pwned=1"></iframe>Acme & Co',
  details: '<script>window.__pwned=1</script>Please send <i>everything</i>.\nSecond line & more.',
  url: 'https://www.optimesys.fi/"><script>window.__pwned=1</script>',
  context: '<svg onload="window.__pwned=1">',
  decisionText: '<a href="javascript:alert(1)">I want the newsletter</a>',
  // An address may hold an apostrophe and an ampersand (RFC 5322 atext).
  email: `o'hara&{x}@example.fi`,
};

describe('console: attacks on the server', () => {
  let smtp: TestSmtp;
  let receiver: Served;
  let clock = Date.now();
  let staff: Agent;
  let csrf: string;
  before(async () => {
    smtp = await startTestSmtp();
    receiver = await consoleReceiver(smtp, { now: () => new Date(clock) });
    staff = new Agent(receiver.url);
    csrf = (await signInByLink(staff, smtp)).csrf;
  });
  after(async () => {
    await receiver?.close();
    await smtp?.stop();
  });

  const isOpen = async (id: string) => !(await receiver.store.closures()).some((c) => c.requestId === id);

  it('every console route answers 401 no-session without a session', async () => {
    const { record, kid } = await postRequest(receiver);
    const request = `/console/api/requests/${record.id}`;
    const routes: [string, string, unknown?][] = [
      ['GET', '/console/api/session'],
      ['GET', '/console/api/requests?status=open'],
      ['GET', '/console/api/requests?status=all'],
      ['GET', `${request}?kid=${encodeURIComponent(kid)}`],
      ['GET', `${request}/answer?kid=${encodeURIComponent(kid)}`],
      ['POST', `${request}/close`, { kid, note: 'closed' }],
      ['POST', `${request}/verify-identity`, { kid, how: 'a phone call' }],
      ['POST', `${request}/message`, { kid, template: 'received' }],
      ['GET', '/console/api/consents/stats'],
      ['GET', `/console/api/consents?email=${encodeURIComponent(record.subject.email)}`],
      ['GET', '/console/api/nothing-here'],
      ['POST', '/console/auth/logout', {}],
    ];
    const stranger = new Agent(receiver.url);
    for (const [method, path, json] of routes) {
      const response = await stranger.fetch(path, { method, ...(json !== undefined ? { json } : {}) });
      assert.equal(response.status, 401, `${method} ${path}`);
      const body = (await response.json()) as { error: { code: string } };
      assert.equal(body.error.code, 'no-session', `${method} ${path}`);
      assert.equal(response.headers.get('cache-control'), 'no-store');
    }
    // Nothing of it acted: the request is open, and no console action was recorded about it.
    assert.ok(await isOpen(record.id));
    assert.deepEqual((await receiver.store.events(record.subject.email)).filter((e) => e.kind === 'console'), []);
  });

  it('another Origin on a state-changing call is refused and changes nothing', async () => {
    const { record, kid } = await postRequest(receiver);
    const path = `/console/api/requests/${record.id}/close`;
    for (const headers of [{ origin: 'https://evil.example' }, { origin: 'null' }, { origin: new URL(receiver.url).origin.replace('127.0.0.1', 'localhost') }]) {
      const response = await staff.fetch(path, { json: { kid, note: 'closed by a forged form' }, csrf, headers });
      assert.equal(response.status, 403, JSON.stringify(headers));
      assert.equal(((await response.json()) as { error: { code: string } }).error.code, 'origin');
    }
    // No Origin at all (a browser always sends one on a POST): refused too.
    const bare = await fetch(new URL(path, receiver.url), {
      method: 'POST',
      headers: { cookie: staff.cookieHeader(), 'content-type': 'application/json', 'x-csrf-token': csrf },
      body: JSON.stringify({ kid, note: 'no origin' }),
    });
    assert.equal(bare.status, 403);
    // The right Origin, but the browser says the request came from another site.
    const crossSite = await staff.fetch(path, { json: { kid, note: 'cross-site' }, csrf, headers: { 'sec-fetch-site': 'cross-site' } });
    assert.equal(crossSite.status, 403);
    // Sign-out and a link request are state-changing too.
    assert.equal((await staff.fetch('/console/auth/logout', { json: {}, csrf, headers: { origin: 'https://evil.example' } })).status, 403);
    assert.equal((await staff.fetch('/console/auth/link', { json: { email: STAFF }, headers: { origin: 'https://evil.example' } })).status, 403);
    assert.ok(await isOpen(record.id));
    assert.equal((await staff.fetch('/console/api/session')).status, 200, 'still signed in');

    // The sign-in link's page posts with `Origin: null` (its policy is no-referrer): only the browser's
    // `Sec-Fetch-Site: same-origin` vouches for it. Another site's form, or a browser that says nothing, signs nobody in.
    const link = await mailedLink(new Agent(receiver.url), smtp, 'origin-test@staff.optimesys.fi');
    const refused: Record<string, string>[] = [
      { origin: 'https://evil.example' },
      { origin: 'null' },
      { origin: 'null', 'sec-fetch-site': 'cross-site' },
      { origin: 'https://evil.example', 'sec-fetch-site': 'same-origin' },
    ];
    for (const headers of refused) {
      const victim = new Agent(receiver.url);
      assert.equal((await victim.fetch(link, { method: 'POST', headers })).status, 400, JSON.stringify(headers));
      assert.equal(victim.cookies.size, 0);
    }
    // The link is still unused: its owner's own browser signs in with it.
    const owner = new Agent(receiver.url);
    assert.equal((await owner.fetch(link, { method: 'POST', headers: { origin: 'null', 'sec-fetch-site': 'same-origin' } })).status, 303);
  });

  it('a missing or wrong anti-CSRF token is refused and changes nothing', async () => {
    const { record, kid } = await postRequest(receiver);
    const path = `/console/api/requests/${record.id}/verify-identity`;
    const missing = await staff.fetch(path, { json: { kid, how: 'a phone call' } });
    assert.equal(missing.status, 403);
    assert.equal(((await missing.json()) as { error: { code: string } }).error.code, 'csrf');
    const wrong = await staff.fetch(path, { json: { kid, how: 'a phone call' }, csrf: `${csrf.slice(0, -2)}AA` });
    assert.equal(wrong.status, 403);
    // Another session's token is no token for this one.
    const other = new Agent(receiver.url);
    const otherCsrf = (await signInByLink(other, smtp, 'other@staff.optimesys.fi')).csrf;
    assert.equal((await staff.fetch(path, { json: { kid, how: 'a phone call' }, csrf: otherCsrf })).status, 403);
    assert.equal((await staff.fetch('/console/auth/logout', { json: {} })).status, 403, 'sign-out needs it too');
    // Not JSON (a form post needs no preflight): refused even with the token.
    const form = await staff.fetch(path, { method: 'POST', body: `kid=${kid}&how=x`, csrf, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    assert.equal(form.status, 415);
    const rows = (await (await staff.fetch('/console/api/requests?status=open')).json()) as { requests: { id: string; identityVerified?: unknown }[] };
    assert.equal(rows.requests.find((r) => r.id === record.id)?.identityVerified, undefined);
    // With the token it works, once.
    assert.equal((await staff.fetch(path, { json: { kid, how: 'a phone call' }, csrf })).status, 200);
  });

  it('a forged cookie is refused', async () => {
    const real = staff.cookies.get('pw-console')!;
    const [body, mac] = real.split('.') as [string, string];
    const claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Record<string, unknown>;
    const forgedBody = Buffer.from(JSON.stringify({ ...claims, email: 'attacker@staff.optimesys.fi' })).toString('base64url');
    // Sealed with another receiver's key: the right shape, the wrong MAC.
    const otherKeys = consoleKeys(randomBytes(32));
    const now = Date.now();
    const values = [
      'x',
      `${forgedBody}.${mac}`,
      `${body}.${mac.slice(0, -2)}AA`,
      otherKeys.sealSession({ sid: 'abc', email: STAFF, via: 'link', iat: now, seen: now }),
      `${body}.`,
      '',
    ];
    for (const value of values) {
      const agent = new Agent(receiver.url);
      agent.cookies.set('pw-console', value);
      assert.equal((await agent.fetch('/console/api/session')).status, 401, value);
      assert.equal((await agent.fetch('/console/api/requests?status=all')).status, 401, value);
    }
  });

  it('an expired cookie is refused: idle for 30 minutes, or 8 hours after sign-in', async () => {
    const idle = new Agent(receiver.url);
    await signInByLink(idle, smtp, 'idle@staff.optimesys.fi');
    clock += 31 * 60_000;
    try {
      assert.equal((await idle.fetch('/console/api/session')).status, 401);
    } finally {
      clock -= 31 * 60_000;
    }
    // Busy all day: each call within the idle time, yet the session ends 8 hours after sign-in.
    const busy = new Agent(receiver.url);
    await signInByLink(busy, smtp, 'busy@staff.optimesys.fi');
    const start = clock;
    try {
      for (let t = 0; t < 8 * 60; t += 25) {
        clock = start + t * 60_000;
        assert.equal((await busy.fetch('/console/api/session')).status, 200, `at ${t} minutes`);
      }
      clock = start + 8 * 3_600_000 + 60_000;
      assert.equal((await busy.fetch('/console/api/session')).status, 401);
    } finally {
      clock = start;
    }
  });

  it('a signed-out session is refused, wherever its cookie went', async () => {
    const agent = new Agent(receiver.url);
    const { csrf: token } = await signInByLink(agent, smtp, 'leaving@staff.optimesys.fi');
    const copy = agent.cookies.get('pw-console')!;
    const out = await agent.fetch('/console/auth/logout', { json: {}, csrf: token });
    assert.equal(out.status, 204);
    assert.equal(agent.cookies.has('pw-console'), false, 'the cookie is cleared');
    const thief = new Agent(receiver.url);
    thief.cookies.set('pw-console', copy);
    assert.equal((await thief.fetch('/console/api/session')).status, 401);
  });

  it('session fixation: a cookie set before sign-in is not the session after', async () => {
    // A value an attacker planted, and a real session of the attacker's: neither survives a sign-in.
    const victim = new Agent(receiver.url);
    victim.cookies.set('pw-console', 'planted-by-the-attacker');
    await signInByLink(victim, smtp, 'victim@staff.optimesys.fi');
    assert.notEqual(victim.cookies.get('pw-console'), 'planted-by-the-attacker');

    const attacker = new Agent(receiver.url);
    await signInByLink(attacker, smtp, 'attacker@staff.optimesys.fi');
    const planted = attacker.cookies.get('pw-console')!;
    const target = new Agent(receiver.url);
    target.cookies.set('pw-console', planted);
    const session = await signInByLink(target, smtp, 'target@staff.optimesys.fi');
    assert.equal(session.user.email, 'target@staff.optimesys.fi');
    assert.notEqual(target.cookies.get('pw-console'), planted);
    // The planted session was ended by the sign-in over it: the attacker holds nothing that works.
    assert.equal((await attacker.fetch('/console/api/session')).status, 401);
  });

  it('markup in every visitor-controlled field comes back as data', async () => {
    const { record, kid } = await postRequest(receiver, {
      name: HOSTILE.name,
      email: HOSTILE.email,
      organisation: HOSTILE.organisation,
      details: HOSTILE.details,
      url: HOSTILE.url,
    });
    // A consent record of the same address with markup in its label and context.
    const consent = createConsentRecord({
      subject: { email: HOSTILE.email },
      locale: 'en',
      notice: NOTICE,
      source: { url: HOSTILE.url, element: 'consent-form', context: HOSTILE.context },
      decisions: [{ purpose: 'newsletter', dpv: 'dpv:DirectMarketing', basis: 'consent', granted: true, text: HOSTILE.decisionText }],
      processing: [],
    });
    const posted = await fetch(new URL('/api/records', receiver.url), { method: 'POST', headers: { 'content-type': 'application/jose' }, body: (await signRecord(consent, formSigner())).jws });
    assert.equal(posted.status, 201);
    const note = '<marquee>closed</marquee> & done';
    assert.equal((await staff.fetch(`/console/api/requests/${record.id}/verify-identity`, { json: { kid, how: '<b>called</b>' }, csrf })).status, 200);

    const list = await staff.fetch('/console/api/requests?status=all');
    const detail = await staff.fetch(`/console/api/requests/${record.id}?kid=${encodeURIComponent(kid)}`);
    const consents = await staff.fetch(`/console/api/consents?email=${encodeURIComponent(HOSTILE.email)}`);
    for (const response of [list, detail, consents]) {
      assert.equal(response.status, 200);
      assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
      assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
      // Not even a sniffing client could find markup: no raw angle bracket or ampersand at all.
      assert.doesNotMatch(await response.clone().text(), /[<>&]/);
    }
    const listed = ((await list.json()) as { requests: Record<string, unknown>[] }).requests.find((r) => r.id === record.id)!;
    assert.equal(listed.name, HOSTILE.name);
    assert.equal(listed.email, HOSTILE.email);
    const shown = (await detail.json()) as { request: Record<string, unknown> & { identityVerified: { how: string } }; trail: { kind: string; detail?: Record<string, unknown> }[] };
    assert.equal(shown.request.name, HOSTILE.name);
    assert.equal(shown.request.organisation, HOSTILE.organisation);
    assert.equal(shown.request.details, HOSTILE.details);
    assert.deepEqual(shown.request.source, { url: HOSTILE.url, element: 'data-request-form' });
    assert.equal(shown.request.identityVerified.how, '<b>called</b>');
    const records = shown.trail.filter((e) => e.kind === 'record').map((e) => e.detail!.record as Record<string, unknown>);
    assert.ok(records.some((r) => (r.subject as { name?: string }).name === HOSTILE.name));
    const consentRecord = records.find((r) => r.type === 'consent')!;
    assert.equal((consentRecord.decisions as { text: string }[])[0]!.text, HOSTILE.decisionText);
    assert.equal((consentRecord.source as { context: string }).context, HOSTILE.context);

    // The Art. 15 answer: an HTML file, every one of those values escaped in it.
    const answer = await staff.fetch(`/console/api/requests/${record.id}/answer?kid=${encodeURIComponent(kid)}`);
    assert.equal(answer.status, 200);
    assert.match(answer.headers.get('content-disposition') ?? '', /^attachment; filename="art15-/);
    assert.match(answer.headers.get('content-security-policy') ?? '', /sandbox/);
    const html = await answer.text();
    assert.doesNotMatch(html, /<script|<img|<iframe|<svg|<marquee|<a href="javascript|<b>|<i>/i);
    assert.ok(html.includes('&lt;img src=x onerror=&quot;window.__pwned=1&quot;&gt;Eve &lt;b&gt;Evil&lt;/b&gt;'));
    assert.ok(html.includes('&lt;script&gt;window.__pwned=1&lt;/script&gt;Please send'));

    // And closing with markup in the note: the note comes back as data in the trail.
    assert.equal((await staff.fetch(`/console/api/requests/${record.id}/close`, { json: { kid, note }, csrf })).status, 200);
    const after = (await (await staff.fetch(`/console/api/requests/${record.id}?kid=${encodeURIComponent(kid)}`)).json()) as { trail: { kind: string; detail?: Record<string, unknown> }[] };
    assert.equal(after.trail.find((e) => e.kind === 'closure')?.detail?.note, note);
    assert.equal(after.trail.find((e) => e.kind === 'action' && e.detail?.what === 'close')?.detail?.note, note);
  });

  it('the console page is served under the strict policy, and a session cannot reach another route family', async () => {
    const page = await staff.fetch('/console');
    if (page.status === 200) {
      const csp = page.headers.get('content-security-policy') ?? '';
      assert.match(csp, /default-src 'self'/);
      assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    } else {
      assert.equal(page.status, 404, 'only when the front end is not built');
    }
    // The console's cookie opens nothing but the console API.
    assert.equal((await staff.fetch('/api/preferences')).status, 401);
    // Unknown actions on a request are not found, with a session.
    const { record, kid } = await postRequest(receiver);
    assert.equal((await staff.fetch(`/console/api/requests/${record.id}/delete`, { json: { kid }, csrf })).status, 404);
    assert.equal((await staff.fetch(`/console/api/requests/${record.id}?kid=wrong-kid`)).status, 404);
  });
});
