import { expect } from '@open-wc/testing';
import { ApiError, httpApi } from '../../console/api.js';
import { dueText, errorText, formatDay, formatTime, identityText } from '../../console/format.js';
import { translator } from '../../console/i18n.js';
import { parseRoute, routeHash } from '../../console/route.js';
import { consentState, weeklySeries } from '../../console/stats.js';
import { detailRows, sortTrail } from '../../console/trail.js';
import { STATS, fakeServer } from './fake-server.js';

describe('console modules', () => {
  it('routes: the hash names the view, and a route writes back the same hash', () => {
    expect(parseRoute('')).to.deep.equal({ view: 'requests', status: 'open' });
    expect(parseRoute('#/requests?status=overdue')).to.deep.equal({ view: 'requests', status: 'overdue' });
    expect(parseRoute('#/requests?status=bogus')).to.deep.equal({ view: 'requests', status: 'open' });
    expect(parseRoute('#/requests/a%2Fb?kid=k1')).to.deep.equal({ view: 'request', id: 'a/b', kid: 'k1' });
    expect(parseRoute('#/requests/abc')).to.deep.equal({ view: 'not-found' });
    expect(parseRoute('#/requests/%E0%A4%A?kid=k')).to.deep.equal({ view: 'not-found' });
    expect(parseRoute('#/consents')).to.deep.equal({ view: 'consents' });
    for (const hash of ['#/requests?status=closed', '#/requests/a%2Fb?kid=k1', '#/consents']) expect(routeHash(parseRoute(hash))).to.equal(hash);
  });

  it('formats due dates with days left or overdue, in plural forms of each language', () => {
    const row = { dueBy: '2025-03-10', daysLeft: 1, overdue: false, status: 'open' } as Parameters<typeof dueText>[2];
    const en = translator('en');
    const fi = translator('fi');
    expect(dueText(en, 'en', row)).to.equal('10 Mar 2025 · 1 day left');
    expect(dueText(en, 'en', { ...row, daysLeft: 4 })).to.equal('10 Mar 2025 · 4 days left');
    expect(dueText(en, 'en', { ...row, daysLeft: 0 })).to.equal('10 Mar 2025 · due today');
    expect(dueText(en, 'en', { ...row, daysLeft: -3, overdue: true })).to.equal('10 Mar 2025 · 3 days overdue');
    expect(dueText(fi, 'fi', { ...row, daysLeft: -1, overdue: true })).to.equal('10.3.2025 · 1 päivän myöhässä');
    expect(dueText(fi, 'fi', { ...row, status: 'closed' })).to.equal('10.3.2025');
    // Swedish as written in Finland, dates as the receiver's Swedish mails write them.
    const sv = translator('sv');
    expect(dueText(sv, 'sv', row)).to.equal('10.3.2025 · 1 dag kvar');
    expect(dueText(sv, 'sv', { ...row, daysLeft: -3, overdue: true })).to.equal('10.3.2025 · 3 dagar försenad');
    expect(formatTime('sv', '2025-03-10T12:05:00Z')).to.match(/^10\.3\.2025 kl\. \d{1,2}\.05$/);
    expect(formatDay('fi', 'not a day')).to.equal('not a day');
  });

  it('states identity: confirmed when, verified how, or not', () => {
    const en = translator('en');
    const row = { identity: 'unconfirmed' } as Parameters<typeof identityText>[2];
    expect(identityText(en, 'en', row)).to.equal('Not confirmed');
    expect(identityText(en, 'en', { ...row, identityVerified: { how: 'by phone', by: 'x', at: 'y' } })).to.equal('Verified by other means: by phone');
    expect(identityText(en, 'en', { ...row, identity: 'confirmed' })).to.equal('Confirmed');
  });

  it('words errors by code, and others by the server message', () => {
    const en = translator('en');
    expect(errorText(en, new ApiError(409, 'already-closed', 'x'))).to.equal('The request was already closed.');
    expect(errorText(en, new ApiError(500, 'boom', 'Database down'))).to.equal('Something went wrong (Database down).');
    expect(errorText(en, new ApiError(502, 'http-502', ''))).to.equal('Something went wrong (HTTP 502).');
  });

  it('orders the trail by time, keeping the order of equal times', () => {
    const entries = [
      { at: '2025-01-02T00:00:00Z', kind: 'mail', summary: 'b' },
      { at: '2025-01-01T00:00:00Z', kind: 'record', summary: 'a' },
      { at: '2025-01-02T00:00:00Z', kind: 'receipt', summary: 'c' },
    ] as Parameters<typeof sortTrail>[0];
    expect(sortTrail(entries).map((e) => e.summary)).to.deep.equal(['a', 'b', 'c']);
    expect(detailRows({ a: 'x', b: 2, c: { d: 1 }, e: null, skip: 'no' }, ['skip'])).to.deep.equal([
      { key: 'a', value: 'x', block: false },
      { key: 'b', value: '2', block: false },
      { key: 'c', value: '{\n  "d": 1\n}', block: true },
    ]);
  });

  it("makes uPlot's columns of one purpose's weeks, oldest first", () => {
    const { data } = weeklySeries(STATS.weeks, 'newsletter');
    expect(data).to.deep.equal([
      [Date.UTC(2025, 1, 24) / 1000, Date.UTC(2025, 2, 3) / 1000, Date.UTC(2025, 2, 10) / 1000],
      [1150, 1190, 1234],
      [35, 40, 56],
      [66, 70, 78],
    ]);
    expect(consentState({ granted: true, pending: true })).to.equal('pending');
    expect(consentState({ granted: true })).to.equal('granted');
    expect(consentState({ granted: false })).to.equal('withdrawn');
  });

  it('client: answers the session or the ways to sign in, and sends the csrf token only once it has one', async () => {
    const server = fakeServer({ signedIn: false });
    expect(await server.api.session()).to.deep.equal({ signedIn: false, signIn: { oidc: true, link: true } });
    await server.api.requestLink('a@b.fi');
    expect(server.calls.at(-1)!.headers.has('x-csrf-token')).to.equal(false);
    server.state.signedIn = true;
    const session = await server.api.session();
    expect(session.signedIn && session.user.email).to.equal('tietosuoja@optimesys.fi');
    await server.api.close('r-open', 'kid-open', 'done');
    expect(server.calls.at(-1)!.headers.get('x-csrf-token')).to.equal('csrf-7f3a9c');
  });

  it('client: fires `unauthorized` on a 401 and throws an ApiError with the code', async () => {
    const server = fakeServer({ signedIn: false });
    let fired = 0;
    server.api.addEventListener('unauthorized', () => fired++);
    const error = await server.api.requests('all').catch((e: unknown) => e);
    expect(error).to.be.instanceOf(ApiError);
    expect((error as ApiError).status).to.equal(401);
    expect((error as ApiError).code).to.equal('no-session');
    expect(fired).to.equal(1);
  });

  it('client: a network failure is an ApiError coded `network`', async () => {
    const api = httpApi({ fetch: () => Promise.reject(new TypeError('Failed to fetch')) });
    const error = (await api.consentStats().catch((e: unknown) => e)) as ApiError;
    expect(error.code).to.equal('network');
    expect(error.status).to.equal(0);
  });
});
