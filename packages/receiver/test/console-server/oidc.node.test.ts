// Sign-in with the company's accounts against a real OpenID Connect provider (oidc-provider,
// PKCE required): it works and the session API answers; an address not allowed, or not verified,
// is refused; a wrong or missing state, a wrong PKCE verifier and a replayed callback are refused.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestSmtp, type TestSmtp } from '../helpers/smtp.js';
import type { Served } from '../receiver/serve.js';
import { Agent, consoleReceiver, STAFF } from './helpers.js';
import { startProvider, type TestProvider } from './oidc-provider.js';

/** A browser at the provider: its own cookies, redirects followed by hand. */
class ProviderBrowser {
  readonly cookies = new Map<string, string>();
  async get(url: string): Promise<Response> {
    const response = await fetch(url, { headers: { cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ') }, redirect: 'manual' });
    for (const cookie of response.headers.getSetCookie()) {
      const [pair] = cookie.split(';');
      const eq = pair!.indexOf('=');
      this.cookies.set(pair!.slice(0, eq), pair!.slice(eq + 1));
    }
    return response;
  }
}

describe('console: sign-in with OpenID Connect', () => {
  let smtp: TestSmtp;
  let provider: TestProvider;
  let receiver: Served;
  let callbackPath: string;

  before(async () => {
    smtp = await startTestSmtp();
    provider = await startProvider({
      dpo: { email: STAFF, email_verified: true },
      colleague: { email: 'colleague@staff.optimesys.fi', email_verified: true },
      outsider: { email: 'someone@example.com', email_verified: true },
      unverified: { email: 'unverified@staff.optimesys.fi', email_verified: false },
    });
    receiver = await consoleReceiver(smtp, { oidc: { issuer: provider.issuer, clientId: provider.clientId, clientSecret: provider.clientSecret } });
    callbackPath = '/console/auth/oidc/callback';
    provider.configure(new URL(callbackPath, receiver.url).href);
  });
  after(async () => {
    await receiver?.close();
    await provider?.stop();
    await smtp?.stop();
  });

  /** Starts a sign-in in `agent` and goes through the provider as `account`; the callback URL it redirects to (not yet opened). */
  async function authorize(agent: Agent, account: string): Promise<URL> {
    provider.account = account;
    const start = await agent.fetch('/console/auth/oidc');
    assert.equal(start.status, 302);
    const tx = start.headers.getSetCookie().find((c) => c.startsWith('pw-console-oidc='));
    assert.ok(tx, 'the transaction is bound to the browser');
    assert.match(tx, /HttpOnly/);
    assert.match(tx, /SameSite=Lax/);
    let location = start.headers.get('location')!;
    const authorization = new URL(location);
    assert.equal(authorization.origin, provider.issuer);
    assert.equal(authorization.searchParams.get('code_challenge_method'), 'S256');
    assert.ok(authorization.searchParams.get('code_challenge'));
    assert.ok(authorization.searchParams.get('state'));
    assert.ok(authorization.searchParams.get('nonce'));
    const browser = new ProviderBrowser();
    for (let hops = 0; hops < 10; hops++) {
      const response = await browser.get(location);
      assert.ok([302, 303].includes(response.status), `the provider redirects (${response.status} ${await response.clone().text()})`);
      location = new URL(response.headers.get('location')!, location).href;
      if (location.startsWith(new URL(callbackPath, receiver.url).href)) return new URL(location);
    }
    assert.fail('the provider never redirected back');
  }

  const pathOf = (url: URL) => `${url.pathname}${url.search}`;

  it('signs in an allowed, verified address; the session API answers', async () => {
    const agent = new Agent(receiver.url);
    const callback = await authorize(agent, 'dpo');
    const answer = await agent.fetch(pathOf(callback));
    assert.equal(answer.status, 303, await answer.clone().text());
    assert.equal(answer.headers.get('location'), '/console');
    assert.ok(!agent.cookies.has('pw-console-oidc'), 'the transaction cookie is cleared');
    const session = await agent.session();
    assert.equal(session.user.email, STAFF);
    const signIn = (await receiver.store.events(STAFF)).filter((e) => e.kind === 'console' && e.data.action === 'sign-in' && e.data.method === 'oidc');
    assert.equal(signIn.length, 1);
    assert.equal(signIn[0]!.data.issuer, provider.issuer);
  });

  it('an address not allowed is refused', async () => {
    const agent = new Agent(receiver.url);
    const answer = await agent.fetch(pathOf(await authorize(agent, 'outsider')));
    assert.equal(answer.status, 403);
    assert.equal((await agent.fetch('/console/api/session')).status, 401);
  });

  it('an address the provider has not verified is refused', async () => {
    const agent = new Agent(receiver.url);
    const answer = await agent.fetch(pathOf(await authorize(agent, 'unverified')));
    assert.equal(answer.status, 403);
    assert.equal((await agent.fetch('/console/api/session')).status, 401);
  });

  it('a wrong state is refused', async () => {
    const agent = new Agent(receiver.url);
    const callback = await authorize(agent, 'dpo');
    callback.searchParams.set('state', 'not-the-state-this-browser-began-with');
    assert.equal((await agent.fetch(pathOf(callback))).status, 400);
    assert.equal((await agent.fetch('/console/api/session')).status, 401);
  });

  it('a missing state is refused', async () => {
    const agent = new Agent(receiver.url);
    const callback = await authorize(agent, 'dpo');
    callback.searchParams.delete('state');
    assert.equal((await agent.fetch(pathOf(callback))).status, 400);
    assert.equal((await agent.fetch('/console/api/session')).status, 401);
  });

  it('a callback without the browser-bound transaction is refused', async () => {
    const agent = new Agent(receiver.url);
    const callback = await authorize(agent, 'dpo');
    const other = new Agent(receiver.url);
    assert.equal((await other.fetch(pathOf(callback))).status, 400);
    assert.equal((await other.fetch('/console/api/session')).status, 401);
  });

  it('a wrong PKCE verifier is refused: a code from one sign-in, used with another browser\'s transaction', async () => {
    // The attacker's code (from their own sign-in at the provider) injected into the victim's
    // browser with the victim's state: state and nonce then match, the verifier does not.
    const victim = new Agent(receiver.url);
    const victimCallback = await authorize(victim, 'dpo');
    const attacker = new Agent(receiver.url);
    const attackerCallback = await authorize(attacker, 'colleague');
    const injected = new URL(victimCallback);
    injected.searchParams.set('code', attackerCallback.searchParams.get('code')!);
    const answer = await victim.fetch(pathOf(injected));
    assert.equal(answer.status, 400);
    assert.equal((await victim.fetch('/console/api/session')).status, 401);
  });

  it('a replayed callback is refused', async () => {
    const agent = new Agent(receiver.url);
    const callback = await authorize(agent, 'colleague');
    const transaction = agent.cookies.get('pw-console-oidc')!;
    assert.equal((await agent.fetch(pathOf(callback))).status, 303);
    // The same request again, transaction cookie and all, from another browser that captured it.
    const replay = new Agent(receiver.url);
    replay.cookies.set('pw-console-oidc', transaction);
    const answer = await replay.fetch(pathOf(callback));
    assert.equal(answer.status, 400);
    assert.equal(replay.cookies.has('pw-console'), false);
    assert.equal((await replay.fetch('/console/api/session')).status, 401);
    // One sign-in event for the transaction, whatever the provider would have said.
    const signIns = (await receiver.store.events('colleague@staff.optimesys.fi')).filter((e) => e.kind === 'console' && e.data.action === 'sign-in');
    assert.equal(signIns.length, 1);
  });

  it('the session signs in fresh: a cookie the browser had before is not the session after', async () => {
    const agent = new Agent(receiver.url);
    await agent.fetch(pathOf(await authorize(agent, 'dpo')));
    const before = agent.cookies.get('pw-console')!;
    const first = await agent.session();
    await agent.fetch(pathOf(await authorize(agent, 'dpo')));
    const after = agent.cookies.get('pw-console')!;
    assert.notEqual(after, before);
    const second = await agent.session();
    assert.notEqual(second.csrf, first.csrf, 'a new session id');
    // The earlier cookie was ended by the new sign-in.
    const old = new Agent(receiver.url);
    old.cookies.set('pw-console', before);
    assert.equal((await old.fetch('/console/api/session')).status, 401);
  });
});
