import { expect, waitUntil } from '@open-wc/testing';
import { HOSTILE, fakeServer } from './fake-server.js';
import { deep, deepAll, deepText, mountConsole, restorePage, waitFor } from './helpers.js';

// Elements a hostile value would create if it were parsed as markup; the console's own templates use none.
const INJECTED = 'img, script, iframe, svg, b, i, u, marquee, a[href^="javascript"], a[href="x"]';

declare global {
  interface Window {
    __pwned?: number;
  }
}

describe('console: what visitors typed is shown as text', () => {
  afterEach(restorePage);

  it('in the list: name and e-mail', async () => {
    const el = await mountConsole(fakeServer().api, { hash: '#/requests?status=all' });
    await waitFor(el, 'console-requests >> tbody tr');
    const text = deepText(el);
    expect(text).to.include(HOSTILE.name);
    expect(text).to.include(HOSTILE.email);
    expect(deepAll(el, INJECTED)).to.have.length(0);
  });

  it('on the request page: name, e-mail, organisation, details, source URL, mail subject and text, the record and a note', async () => {
    const server = fakeServer();
    server.state.trails.get('r-overdue')!.push({
      at: '2025-03-01T10:00:00Z',
      kind: 'action',
      summary: HOSTILE.note,
      detail: { who: 'tietosuoja@optimesys.fi', what: 'note', note: HOSTILE.note },
    });
    const el = await mountConsole(server.api, { hash: '#/requests/r-overdue?kid=kid-overdue' });
    const page = await waitFor(el, 'console-request');
    await waitFor(page, 'ol.trail');
    const text = deepText(page);
    for (const value of [HOSTILE.name, HOSTILE.email, HOSTILE.organisation, HOSTILE.url, HOSTILE.mailSubject, HOSTILE.note]) {
      expect(text, value).to.include(value);
    }
    // Multi-line text keeps its lines, in <pre>: the details, the mail's content, the record as JSON.
    const pres = deepAll(page, 'pre').map((pre) => pre.textContent ?? '');
    expect(pres).to.include(HOSTILE.details);
    expect(pres).to.include(HOSTILE.mailText);
    expect(pres.some((pre) => pre.includes(JSON.stringify(HOSTILE.recordText)))).to.equal(true);
    expect(deepAll(page, INJECTED)).to.have.length(0);
    // The source URL is text, not a link; the only links are the console's own.
    expect(deepAll(page, 'a').map((a) => a.getAttribute('href'))).to.deep.equal(['#/requests', '/console/api/requests/r-overdue/answer?kid=kid-overdue']);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(window.__pwned).to.equal(undefined);
  });

  it('in the search result: an address typed with markup', async () => {
    const el = await mountConsole(fakeServer().api, { hash: '#/consents' });
    const input = await waitFor<HTMLInputElement>(el, 'console-consents >> #email');
    input.value = '<img src=x onerror="window.__pwned=1">@example.fi';
    deep<HTMLFormElement>(el, 'console-consents >> form')!.requestSubmit();
    await waitUntil(() => deepText(deep(el, 'console-consents')!).includes(input.value));
    expect(deepAll(el, INJECTED)).to.have.length(0);
  });

  it('never links to a download URL on another origin', async () => {
    const server = fakeServer();
    const api = server.api;
    const request = api.request.bind(api);
    api.request = async (id, kid) => ({ ...(await request(id, kid)), answerUrl: 'javascript:window.__pwned=1' });
    const el = await mountConsole(api, { hash: '#/requests/r-open?kid=kid-open' });
    const link = await waitFor<HTMLAnchorElement>(el, 'console-request >> a[download]');
    expect(link.getAttribute('href')).to.equal('#');
  });
});
