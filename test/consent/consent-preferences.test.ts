import { expect, fixture, html, waitUntil } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import '../../src/consent/consent-preferences.define.js';
import type { ConsentPreferences } from '../../src/consent/consent-preferences.js';
import type { ConsentToggle } from '../../src/consent/consent-toggle.js';
import type { ConsentRecord } from '@optimesys/privacy-records/schemas';
import fiPreferences from '../../locales/fi/preferences.json';
import enPreferences from '../../locales/en/preferences.json';
import svPreferences from '../../locales/sv/preferences.json';
import { rendered } from '../helpers/consent.js';

const STRINGS = { fi: fiPreferences, en: enPreferences, sv: svPreferences };
const TOKEN = 'AgABAGmE2wAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';

interface Call {
  url: string;
  method: string;
  headers: Headers;
  body: string;
}

/** The receiver's preference API, answered in the page: what the element asked and sent. */
function fakeReceiver(state: Record<string, boolean> | 'expired' = {}) {
  const calls: Call[] = [];
  const real = window.fetch;
  window.fetch = async (input, init = {}) => {
    const url = new URL(String(input instanceof Request ? input.url : input), location.href);
    const call = { url: url.pathname, method: init.method ?? 'GET', headers: new Headers(init.headers), body: String(init.body ?? '') };
    if (!url.pathname.startsWith('/api/')) return real(input, init);
    calls.push(call);
    if (url.pathname === '/api/preferences/link') return Response.json({ status: 'accepted' }, { status: 202 });
    if (url.pathname === '/api/preferences') {
      if (state === 'expired') return Response.json({ error: { code: 'link-expired', message: '' } }, { status: 401 });
      return Response.json({
        email: 'maija@example.fi',
        locale: 'fi',
        purposes: Object.entries(state).map(([purpose, granted]) => ({ purpose, granted, text: purpose, decidedAt: new Date().toISOString() })),
      });
    }
    return Response.json({ recordId: 'x', receivedAt: new Date().toISOString() }, { status: 201 });
  };
  return { calls, restore: () => (window.fetch = real) };
}

async function mount(lang: 'fi' | 'en' | 'sv', token?: string) {
  const el = await fixture<ConsentPreferences>(
    token
      ? html`<consent-preferences lang=${lang} endpoint="/api/records" .token=${token}></consent-preferences>`
      : html`<consent-preferences lang=${lang} endpoint="/api/records"></consent-preferences>`,
  );
  await rendered(el, 'form');
  return el;
}
const toggles = (el: ConsentPreferences) => [...el.shadowRoot!.querySelectorAll<ConsentToggle>('consent-toggle')];
const text = (el: ConsentPreferences) => el.shadowRoot!.textContent!.replace(/\s+/g, ' ');

for (const lang of ['fi', 'en', 'sv'] as const) {
  describe(`<consent-preferences> ${lang}`, () => {
    let receiver: ReturnType<typeof fakeReceiver>;
    afterEach(() => receiver.restore());

    it('without a token: asks for a link, the same answer for any address; axe finds nothing', async () => {
      receiver = fakeReceiver();
      const el = await mount(lang);
      await expect(el).to.be.accessible();
      el.shadowRoot!.querySelector<HTMLButtonElement>('button[type=submit]')!.click();
      await waitUntil(() => el.shadowRoot!.querySelector('#email-error'));
      expect(receiver.calls).to.have.length(0);
      await expect(el).to.be.accessible();
      el.shadowRoot!.querySelector<HTMLInputElement>('#email')!.value = 'Maija@Example.fi';
      el.shadowRoot!.querySelector<HTMLButtonElement>('button[type=submit]')!.click();
      await waitUntil(() => text(el).includes(STRINGS[lang].asked));
      expect(receiver.calls[0]!.url).to.equal('/api/preferences/link');
      expect(JSON.parse(receiver.calls[0]!.body)).to.deep.equal({ email: 'Maija@Example.fi', locale: lang });
      expect(receiver.calls[0]!.headers.get('authorization')).to.equal(null);
      await expect(el).to.be.accessible();
    });

    it('with a token: shows the current state, and by keyboard alone turns one purpose off and another on and saves with the token', async () => {
      receiver = fakeReceiver({ newsletter: true, blog: false, events: false });
      const el = await mount(lang, TOKEN);
      await rendered(el, 'consent-toggle');
      await Promise.all(toggles(el).map((t) => rendered(t, 'input')));
      expect(receiver.calls[0]!.headers.get('authorization')).to.equal(`Bearer ${TOKEN}`);
      expect(toggles(el).map((t) => t.checked)).to.deep.equal([true, false, false]);
      expect(text(el)).to.include('maija@example.fi');
      await expect(el).to.be.accessible();

      el.focus();
      await sendKeys({ press: 'Tab' }); // newsletter switch
      await sendKeys({ press: ' ' });
      await sendKeys({ press: 'Tab' }); // its info button
      await sendKeys({ press: 'Tab' }); // blog switch
      await sendKeys({ press: ' ' });
      await sendKeys({ press: 'Tab' }); // blog info
      await sendKeys({ press: 'Tab' }); // events switch
      await sendKeys({ press: 'Tab' }); // events info
      await sendKeys({ press: 'Tab' }); // save
      await sendKeys({ press: 'Enter' });
      await waitUntil(() => receiver.calls.some((c) => c.url === '/api/records'), 'record sent', { timeout: 5000 });
      const post = receiver.calls.find((c) => c.url === '/api/records')!;
      expect(post.headers.get('authorization')).to.equal(`Bearer ${TOKEN}`);
      expect(post.headers.get('content-type')).to.equal('application/jose');
      const record = JSON.parse(atob(post.body.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/'))) as ConsentRecord;
      expect(record.subject.email).to.equal('maija@example.fi');
      expect(record.source.element).to.equal('consent-preferences');
      expect(Object.fromEntries(record.decisions.map((d) => [d.purpose, d.granted]))).to.deep.equal({ newsletter: false, blog: true, events: false });
      await waitUntil(() => text(el).includes(STRINGS[lang].saved.split('{{')[0]!.trim()));
      await expect(el).to.be.accessible();
    });

    it('an expired link offers a new one', async () => {
      receiver = fakeReceiver('expired');
      const el = await mount(lang, TOKEN);
      await waitUntil(() => text(el).includes(STRINGS[lang].expired));
      expect(el.shadowRoot!.querySelector('#email')).to.exist;
      await expect(el).to.be.accessible();
    });
  });
}

describe('<consent-form> on a new device offers the mailed link', () => {
  for (const lang of ['fi', 'en', 'sv'] as const) {
    it(`${lang}: after the first record from this browser, one button asks for the link; the same for any address`, async () => {
      const { openDb } = await import('../../src/outbox/idb.js');
      const db = await openDb();
      await db.delete('choices', 'consent');
      db.close();
      const bucket = `prefs-offer-${Math.random().toString(36).slice(2)}`;
      await fetch(`/test-api/reset?bucket=${bucket}`, { method: 'POST', body: '{}' });
      const asked: string[] = [];
      const real = window.fetch;
      window.fetch = async (input, init) => {
        if (String(input).includes('/preferences/link')) {
          asked.push(String(init?.body));
          return Response.json({ status: 'accepted' }, { status: 202 });
        }
        return real(input, init);
      };
      try {
        await import('../../src/consent/consent-form.define.js');
        const el = await fixture<HTMLElement>(html`<consent-form lang=${lang} endpoint=${`/test-api/records?bucket=${bucket}`}></consent-form>`);
        await rendered(el, 'consent-toggle');
        const toggle = el.shadowRoot!.querySelector<ConsentToggle>('consent-toggle[purpose="newsletter"]')!;
        await rendered(toggle, '.label');
        toggle.shadowRoot!.querySelector<HTMLElement>('.label')!.click();
        el.shadowRoot!.querySelector<HTMLInputElement>('#email')!.value = 'uusi.laite@example.fi';
        el.shadowRoot!.querySelector<HTMLButtonElement>('[part="submit"]')!.click();
        const button = await waitUntil(() => el.shadowRoot!.querySelector<HTMLButtonElement>('[part="prefs-link"]'), 'the offer', { timeout: 5000 }).then(
          () => el.shadowRoot!.querySelector<HTMLButtonElement>('[part="prefs-link"]')!,
        );
        await expect(el).to.be.accessible();
        button.click();
        await waitUntil(() => asked.length === 1);
        expect(JSON.parse(asked[0]!)).to.deep.equal({ email: 'uusi.laite@example.fi', locale: lang });
        await waitUntil(() => text(el as ConsentPreferences).includes(STRINGS[lang].asked));
        await expect(el).to.be.accessible();
      } finally {
        window.fetch = real;
      }
    });
  }
});
