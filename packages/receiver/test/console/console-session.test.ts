import { expect, waitUntil } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import { CSRF, USER, fakeServer } from './fake-server.js';
import { deep, deepActive, deepText, mountConsole, restorePage, tabTo, waitFor } from './helpers.js';

describe('console session', () => {
  afterEach(restorePage);

  it('shows the sign-in view without a session: the company link and the mailed-link form', async () => {
    const el = await mountConsole(fakeServer({ signedIn: false }).api);
    const oidc = await waitFor<HTMLAnchorElement>(el, 'console-sign-in >> a.button');
    expect(oidc.getAttribute('href')).to.equal('/console/auth/oidc');
    expect(deepText(oidc)).to.include('Sign in with your company account');
    expect(deep(el, 'console-sign-in >> #email')).to.exist;
    expect(deep(el, 'nav'), 'no navigation before signing in').to.equal(undefined);
    expect(document.title).to.include('Sign in');
  });

  it('offers only what the server has: the form alone, or the company link alone', async () => {
    let el = await mountConsole(fakeServer({ signedIn: false, signIn: { oidc: false, link: true } }).api);
    await waitFor(el, 'console-sign-in >> #email');
    expect(deep(el, 'console-sign-in >> a.button')).to.equal(undefined);
    restorePage();
    el = await mountConsole(fakeServer({ signedIn: false, signIn: { oidc: true, link: false } }).api);
    await waitFor(el, 'console-sign-in >> a.button');
    expect(deep(el, 'console-sign-in >> form')).to.equal(undefined);
  });

  it('posts the sign-in form and shows the same neutral message, focused', async () => {
    const server = fakeServer({ signedIn: false });
    const el = await mountConsole(server.api);
    const input = await waitFor<HTMLInputElement>(el, 'console-sign-in >> #email');
    input.focus();
    await sendKeys({ type: 'someone@optimesys.fi' });
    await sendKeys({ press: 'Enter' });
    await waitUntil(() => deepActive()?.id === 'sent', 'focus did not move to the message');
    const link = server.calls.find((c) => c.path === '/console/auth/link')!;
    expect(link.method).to.equal('POST');
    expect(link.headers.get('content-type')).to.equal('application/json');
    expect(link.body).to.deep.equal({ email: 'someone@optimesys.fi' });
    const sent = deepActive()!;
    expect(sent.getAttribute('role')).to.equal('status');
    expect(deepText(sent)).to.include('If the address is allowed to use the console, a sign-in link is on its way');
  });

  it('refuses an address that is no address, at the field, without asking the server', async () => {
    const server = fakeServer({ signedIn: false });
    const el = await mountConsole(server.api);
    const input = await waitFor<HTMLInputElement>(el, 'console-sign-in >> #email');
    input.focus();
    await sendKeys({ type: 'not-an-address' });
    await sendKeys({ press: 'Enter' });
    await waitFor(el, 'console-sign-in >> #email-error');
    expect(input.getAttribute('aria-invalid')).to.equal('true');
    expect(input.getAttribute('aria-describedby')).to.include('email-error');
    expect(server.calls.some((c) => c.path === '/console/auth/link')).to.equal(false);
  });

  it('goes to the sign-in view when any call answers 401', async () => {
    const server = fakeServer();
    const el = await mountConsole(server.api);
    await waitFor(el, 'console-requests >> tbody tr');
    expect(deepText(el)).to.include(`Signed in as ${USER}`);
    server.state.signedIn = false; // the session ended on the server
    location.hash = '#/consents';
    await waitFor(el, 'console-sign-in');
    expect(server.calls.filter((c) => c.path === '/console/api/session')).to.have.length(2);
    expect(deep(el, 'console-consents')).to.equal(undefined);
    await waitUntil(() => deepActive()?.localName === 'h1', 'focus did not go to the sign-in heading');
  });

  it('goes to the sign-in view when an action answers 401 (no-session)', async () => {
    const server = fakeServer();
    const el = await mountConsole(server.api, { hash: '#/requests/r-open?kid=kid-open' });
    const note = await waitFor<HTMLTextAreaElement>(el, 'console-request >> #close-value');
    server.state.signedIn = false;
    note.value = 'done';
    note.closest('form')!.requestSubmit();
    await waitFor(el, 'console-sign-in');
  });

  it('signs out with the csrf header, then shows the sign-in view', async () => {
    const server = fakeServer();
    const el = await mountConsole(server.api);
    await waitFor(el, 'console-requests >> tbody tr');
    await tabTo((a) => a.localName === 'button' && deepText(a).includes('Sign out'), 'Sign out');
    await sendKeys({ press: 'Enter' });
    await waitFor(el, 'console-sign-in');
    const logout = server.calls.find((c) => c.path === '/console/auth/logout')!;
    expect(logout.method).to.equal('POST');
    expect(logout.headers.get('x-csrf-token')).to.equal(CSRF);
  });

  it('shows a refused action by its code, in the console language', async () => {
    const server = fakeServer();
    const el = await mountConsole(server.api, { hash: '#/requests/r-open?kid=kid-open', lang: 'fi' });
    const note = await waitFor<HTMLTextAreaElement>(el, 'console-request >> #close-value');
    server.state.rows.find((r) => r.id === 'r-open')!.status = 'closed'; // closed meanwhile by a colleague
    note.value = 'valmis';
    note.closest('form')!.requestSubmit();
    await waitUntil(() => deepActive()?.id === 'outcome', 'focus did not move to the status message');
    expect(deepText(deepActive()!)).to.include('Pyyntö oli jo suljettu.');
  });
});
