import { expect, waitUntil } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import { CSRF, fakeServer } from './fake-server.js';
import { deep, deepActive, deepAll, deepText, describe as name, mountConsole, restorePage, tabTo, waitFor } from './helpers.js';

describe('console by keyboard alone', () => {
  afterEach(restorePage);

  it('filters to overdue, opens a request and closes it with a note, and the close carries the csrf header', async () => {
    const server = fakeServer();
    const el = await mountConsole(server.api);
    await waitFor(el, 'console-requests >> table');

    // The filter is a radio group: Tab reaches the checked radio, an arrow key picks the next.
    const open = await tabTo((a) => a.matches('input[type=radio]'), 'the status filter');
    expect((open as HTMLInputElement).value).to.equal('open');
    await sendKeys({ press: 'ArrowRight' });
    await waitUntil(() => location.hash === '#/requests?status=overdue', `hash is ${location.hash}`);
    await waitUntil(() => server.calls.some((c) => c.path === '/console/api/requests' && c.query.get('status') === 'overdue'));
    await waitUntil(() => deepAll(el, 'console-requests >> tbody tr').length === 1, 'the list did not narrow to the overdue request');
    expect(name(deepActive())).to.equal('input[value=overdue]');

    // The next stop is the one request's link; Enter opens its page and focus goes to its heading.
    const link = await tabTo((a) => a.localName === 'a', 'the request link', 3);
    expect(link.getAttribute('href')).to.equal('#/requests/r-overdue?kid=kid-overdue');
    await sendKeys({ press: 'Enter' });
    await waitUntil(() => deepActive()?.localName === 'h1' && deepText(deepActive()!).includes('Access to data'), `focus is on ${name(deepActive())}`);

    // To the note, type it, to the button, press it.
    await tabTo((a) => a.id === 'close-value', 'the close note');
    await sendKeys({ type: 'Copy of the data sent by post.' });
    await tabTo((a) => a.localName === 'button' && deepText(a).includes('Close the request'), 'the close button', 3);
    await sendKeys({ press: 'Enter' });

    await waitUntil(() => server.calls.some((c) => c.path.endsWith('/close')), 'no close call reached the server');
    const close = server.calls.find((c) => c.path.endsWith('/close'))!;
    expect(close.method).to.equal('POST');
    expect(close.path).to.equal('/console/api/requests/r-overdue/close');
    expect(close.headers.get('x-csrf-token')).to.equal(CSRF);
    expect(close.headers.get('content-type')).to.equal('application/json');
    expect(close.body).to.deep.equal({ kid: 'kid-overdue', note: 'Copy of the data sent by post.' });

    // The trail reloads and focus lands on the status message, which says what happened.
    await waitUntil(() => deepActive()?.id === 'outcome', `focus is on ${name(deepActive())}`);
    const outcome = deepActive()!;
    expect(outcome.getAttribute('role')).to.equal('status');
    expect(deepText(outcome)).to.include('The request is closed');
    const page = deep(el, 'console-request')!;
    expect(deepText(page)).to.include('Copy of the data sent by post.');
    expect(deepText(page)).to.include('Closure');
    expect(deep(page, '#close-value'), 'a closed request offers no close form').to.equal(undefined);
  });

  it('keeps a required note: an empty close is refused at the field, and nothing is sent', async () => {
    const server = fakeServer();
    const el = await mountConsole(server.api, { hash: '#/requests/r-open?kid=kid-open' });
    const note = await waitFor<HTMLTextAreaElement>(el, '#close-value');
    note.focus();
    await tabTo((a) => a.localName === 'button' && deepText(a).includes('Close the request'), 'the close button', 3);
    await sendKeys({ press: 'Enter' });
    await waitUntil(() => deepActive()?.id === 'close-value', 'focus did not go back to the note');
    expect(note.getAttribute('aria-invalid')).to.equal('true');
    expect(note.getAttribute('aria-describedby')).to.include('close-error');
    expect(deepText(deep(el, '#close-error')!)).to.include('Write a note');
    expect(server.calls.some((c) => c.path.endsWith('/close'))).to.equal(false);
  });

  it('reads the filter from the hash, and records identity verified by other means and sends a template', async () => {
    const server = fakeServer();
    const el = await mountConsole(server.api, { hash: '#/requests?status=closed' });
    await waitFor(el, 'console-requests >> tbody tr');
    expect(deep<HTMLInputElement>(el, 'input[value=closed]')!.checked).to.equal(true);
    expect(server.calls.find((c) => c.path === '/console/api/requests')!.query.get('status')).to.equal('closed');

    location.hash = '#/requests/r-open?kid=kid-open';
    const how = await waitFor<HTMLTextAreaElement>(el, '#verify-value');
    how.focus();
    await sendKeys({ type: 'Called the customer register number' });
    await sendKeys({ press: 'Tab' });
    await sendKeys({ press: 'Enter' });
    await waitUntil(() => deepActive()?.id === 'outcome', `focus is on ${name(deepActive())}`);
    const verify = server.calls.find((c) => c.path.endsWith('/verify-identity'))!;
    expect(verify.body).to.deep.equal({ kid: 'kid-open', how: 'Called the customer register number' });
    expect(verify.headers.get('x-csrf-token')).to.equal(CSRF);
    await waitUntil(() => deepText(deep(el, 'console-request')!).includes('Verified by other means: Called the customer register number'));

    const select = deep<HTMLSelectElement>(el, '#message-value')!;
    select.focus();
    await sendKeys({ press: 'ArrowDown' });
    await sendKeys({ press: 'Tab' });
    await sendKeys({ press: 'Enter' });
    await waitUntil(() => server.calls.some((c) => c.path.endsWith('/message')), 'no message call');
    const message = server.calls.find((c) => c.path.endsWith('/message'))!;
    expect(message.body).to.deep.equal({ kid: 'kid-open', template: 'identify' });
    expect(message.headers.get('x-csrf-token')).to.equal(CSRF);
  });

  it('shows a long list a page at a time: "Show more" by keyboard adds the next page and takes focus to its first request', async () => {
    const server = fakeServer({ more: 150 });
    const el = await mountConsole(server.api);
    await waitUntil(() => deepAll(el, 'console-requests >> tbody tr').length === 100, 'the first page did not show');
    // The caption counts the whole list, not the page.
    expect(deepText(deep(el, 'console-requests >> caption')!)).to.include('153 requests');
    const more = await tabTo((a) => a.localName === 'button' && deepText(a).includes('Show more'), 'the show-more button', 110);
    expect(deepText(more)).to.include('100 of 153');
    await sendKeys({ press: 'Enter' });
    await waitUntil(() => deepAll(el, 'console-requests >> tbody tr').length === 153, 'the next page was not added');
    const page = server.calls.filter((c) => c.path === '/console/api/requests').at(-1)!;
    expect(page.query.get('offset')).to.equal('100');
    // Focus on the 101st request's link; the list is whole now, so the button is gone.
    await waitUntil(() => deepActive()?.localName === 'a', `focus is on ${name(deepActive())}`);
    const links = deepAll(el, 'console-requests >> tbody tr th a');
    expect(deepActive()).to.equal(links[100]);
    expect(deepAll(el, 'console-requests >> button').filter((b) => deepText(b).includes('Show more'))).to.have.length(0);
    // The pages in the receiver's order, one after the other: nothing re-sorted, nothing twice.
    const order = server.state.rows.filter((r) => r.status === 'open').sort((a, b) => a.dueBy.localeCompare(b.dueBy)).map((r) => r.id);
    expect(links.map((a) => decodeURIComponent(/#\/requests\/([^?]+)/.exec(a.getAttribute('href')!)![1]!))).to.deep.equal(order);
  });

  it('keeps the rows shown when "Show more" fails, says why beside the button, and tries again', async () => {
    const server = fakeServer({ more: 150 });
    const el = await mountConsole(server.api);
    await waitUntil(() => deepAll(el, 'console-requests >> tbody tr').length === 100, 'the first page did not show');
    server.state.failPages = true;
    const more = await tabTo((a) => a.localName === 'button' && deepText(a).includes('Show more'), 'the show-more button', 110);
    await sendKeys({ press: 'Enter' });
    await waitUntil(() => deep(el, 'console-requests >> p.error[role=alert]'), 'no error was said');
    expect(deepText(deep(el, 'console-requests >> p.error')!)).to.include('Database unavailable');
    expect(deepAll(el, 'console-requests >> tbody tr')).to.have.length(100);
    expect(deepActive()).to.equal(more);
    server.state.failPages = false;
    await sendKeys({ press: 'Enter' });
    await waitUntil(() => deepAll(el, 'console-requests >> tbody tr').length === 153, 'the retry did not add the page');
    expect(deep(el, 'console-requests >> p.error')).to.equal(undefined);
  });
});
