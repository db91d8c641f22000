import { expect, waitUntil } from '@open-wc/testing';
import { LOCALES } from '../../console/i18n.js';
import { ADDRESS, fakeServer } from './fake-server.js';
import { deep, mountConsole, restorePage, waitFor } from './helpers.js';

// axe over each view, in each language: labels, names, landmarks, contrast, ARIA, lang.
for (const lang of LOCALES) {
  describe(`console views are axe-clean (${lang})`, () => {
    afterEach(restorePage);

    it('sign-in, with both ways to sign in', async () => {
      const el = await mountConsole(fakeServer({ signedIn: false }).api, { lang });
      await waitFor(el, 'console-sign-in >> form');
      await expect(el).to.be.accessible();
    });

    it('sign-in, after the link was asked for', async () => {
      const el = await mountConsole(fakeServer({ signedIn: false }).api, { lang });
      const input = await waitFor<HTMLInputElement>(el, 'console-sign-in >> #email');
      input.value = 'someone@optimesys.fi';
      deep<HTMLFormElement>(el, 'console-sign-in >> form')!.requestSubmit();
      await waitFor(el, 'console-sign-in >> #sent');
      await expect(el).to.be.accessible();
    });

    it('sign-in, with an invalid address', async () => {
      const el = await mountConsole(fakeServer({ signedIn: false }).api, { lang });
      await waitFor(el, 'console-sign-in >> #email');
      deep<HTMLFormElement>(el, 'console-sign-in >> form')!.requestSubmit();
      await waitFor(el, 'console-sign-in >> #email-error');
      await expect(el).to.be.accessible();
    });

    for (const status of ['open', 'all']) {
      it(`requests (${status})`, async () => {
        const el = await mountConsole(fakeServer().api, { lang, hash: `#/requests?status=${status}` });
        await waitFor(el, 'console-requests >> tbody tr');
        await expect(el).to.be.accessible();
      });
    }

    it('requests, a list longer than a page (with "Show more")', async () => {
      const el = await mountConsole(fakeServer({ more: 150 }).api, { lang });
      await waitFor(el, 'console-requests >> button.more');
      await expect(el).to.be.accessible();
    });

    it('requests, none to show', async () => {
      const server = fakeServer();
      server.state.rows = server.state.rows.filter((r) => !r.overdue);
      const el = await mountConsole(server.api, { lang, hash: '#/requests?status=overdue' });
      await waitUntil(() => deep(el, 'console-requests >> section p:not(.muted)'));
      await expect(el).to.be.accessible();
    });

    it('a request with its trail and every action', async () => {
      const el = await mountConsole(fakeServer().api, { lang, hash: '#/requests/r-overdue?kid=kid-overdue' });
      await waitFor(el, 'console-request >> ol.trail');
      await expect(el).to.be.accessible();
    });

    it('a request, after a refused close (the field in error)', async () => {
      const el = await mountConsole(fakeServer().api, { lang, hash: '#/requests/r-open?kid=kid-open' });
      await waitFor(el, 'console-request >> #close-value');
      deep<HTMLFormElement>(el, 'console-request >> #close-value')!.closest('form')!.requestSubmit();
      await waitFor(el, 'console-request >> #close-error');
      await expect(el).to.be.accessible();
    });

    it('a closed request', async () => {
      const el = await mountConsole(fakeServer().api, { lang, hash: '#/requests/r-closed?kid=kid-closed' });
      await waitFor(el, 'console-request >> ol.trail');
      await expect(el).to.be.accessible();
    });

    it('consents, with the chart and a search result', async () => {
      const el = await mountConsole(fakeServer().api, { lang, hash: '#/consents' });
      await waitFor(el, 'console-consent-chart >> canvas');
      deep<HTMLInputElement>(el, 'console-consents >> #email')!.value = ADDRESS.email;
      deep<HTMLFormElement>(el, 'console-consents >> form')!.requestSubmit();
      await waitFor(el, 'console-consents >> caption');
      await expect(el).to.be.accessible();
    });

    it('a page that does not exist', async () => {
      const el = await mountConsole(fakeServer().api, { lang, hash: '#/nowhere' });
      await waitFor(el, 'main h1');
      await expect(el).to.be.accessible();
    });
  });
}
