import { expect, waitUntil } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import { ADDRESS, STATS, fakeServer } from './fake-server.js';
import { deep, deepAll, deepText, mountConsole, restorePage, waitFor } from './helpers.js';

const cells = (row: Element) => [...row.children].map((cell) => (cell.textContent ?? '').trim());
// Numbers as the en view writes them (en-GB groups thousands with a comma).
const number = (n: number) => new Intl.NumberFormat('en-GB').format(n);

describe('console: consents', () => {
  afterEach(restorePage);

  it('tabulates granted, pending and withdrawn per purpose', async () => {
    const el = await mountConsole(fakeServer().api, { hash: '#/consents' });
    await waitFor(el, 'console-consents >> tbody tr');
    const table = deep(el, 'console-consents >> table[aria-labelledby=totals-title]')!;
    expect(cells(table.querySelector('thead tr')!)).to.deep.equal(['Purpose', 'Granted', 'Pending confirmation', 'Withdrawn']);
    expect([...table.querySelectorAll('tbody tr')].map(cells)).to.deep.equal(
      STATS.purposes.map((p) => [p.label, number(p.granted), number(p.pending), number(p.withdrawn)]),
    );
  });

  it('draws the weekly chart on a canvas, described by a table of the same numbers', async () => {
    const el = await mountConsole(fakeServer().api, { hash: '#/consents' });
    const chart = await waitFor(el, 'console-consent-chart');
    await waitFor(chart, 'canvas');
    const plot = deep(chart, '.plot')!;
    expect(plot.getAttribute('role')).to.equal('img');
    expect(deepText(chart.shadowRoot!.getElementById(plot.getAttribute('aria-labelledby')!)!)).to.include('Newsletter');
    const table = chart.shadowRoot!.getElementById(plot.getAttribute('aria-describedby')!)!;
    expect(table.localName).to.equal('table');
    const weeks = STATS.weeks.filter((w) => w.purpose === 'newsletter').sort((a, b) => a.start.localeCompare(b.start));
    const rows = [...table.querySelectorAll('tbody tr')].map(cells);
    expect(rows.map((r) => r.slice(1))).to.deep.equal(weeks.map((w) => [number(w.granted), number(w.pending), number(w.withdrawn)]));
    expect(rows.map((r) => r[0]!.slice(0, 8))).to.deep.equal(['2025-W09', '2025-W10', '2025-W11']);
    // The canvas has been drawn at the plot's width.
    const canvas = deep<HTMLCanvasElement>(chart, 'canvas')!;
    expect(canvas.width).to.be.greaterThan(0);
  });

  it('switches the chart and its table to another purpose from the select', async () => {
    const el = await mountConsole(fakeServer().api, { hash: '#/consents' });
    const chart = await waitFor(el, 'console-consent-chart');
    await waitFor(chart, 'canvas');
    const select = deep<HTMLSelectElement>(chart, '#purpose')!;
    select.focus();
    await sendKeys({ press: 'ArrowDown' });
    // Chromium changes a closed select on ArrowDown; a change event is what both browsers send in the end.
    if (select.value !== 'blog') {
      select.value = 'blog';
      select.dispatchEvent(new Event('change'));
    }
    await waitUntil(() => deepText(chart).includes('Blog updates'));
    await waitFor(chart, 'canvas');
    expect(deepAll(chart, 'tbody tr')).to.have.length(2);
    expect(cells(deep(chart, 'tbody tr')!).slice(1)).to.deep.equal(['300', '2', '10']);
  });

  it('searches an address and shows its state per purpose, and since when', async () => {
    const server = fakeServer();
    const el = await mountConsole(server.api, { hash: '#/consents' });
    const input = await waitFor<HTMLInputElement>(el, 'console-consents >> #email');
    input.focus();
    await sendKeys({ type: ADDRESS.email });
    await sendKeys({ press: 'Enter' });
    await waitFor(el, 'console-consents >> caption');
    expect(server.calls.find((c) => c.path === '/console/api/consents')!.query.get('email')).to.equal(ADDRESS.email);
    const rows = deepAll(el, 'console-consents >> #results tbody tr').map(cells);
    expect(rows.map((r) => r.slice(0, 2))).to.deep.equal([
      ['Newsletter', 'Granted'],
      ['Blog updates', 'Pending confirmation'],
      ['Event invitations', 'Withdrawn'],
    ]);
    expect(rows[0]![2]).to.match(/2025/);
  });

  it('says so when an address has no consents', async () => {
    const el = await mountConsole(fakeServer().api, { hash: '#/consents' });
    const input = await waitFor<HTMLInputElement>(el, 'console-consents >> #email');
    input.value = 'nobody@example.fi';
    deep<HTMLFormElement>(el, 'console-consents >> form')!.requestSubmit();
    await waitUntil(() => deepText(el).includes('No consents recorded for nobody@example.fi.'));
  });
});
