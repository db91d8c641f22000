import { expect, fixture, html, oneEvent, waitUntil } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import { configure } from '../../src/config.js';
import '../../src/consent/consent-form.define.js';
import type { ConsentForm } from '../../src/consent/consent-form.js';
import type { ConsentToggle } from '../../src/consent/consent-toggle.js';
import type { RecordFailedEvent, RecordQueuedEvent, RecordSentEvent } from '../../src/events.js';
import { openDb } from '../../src/outbox/idb.js';
import { noticeDigest } from '@optimesys/privacy-records/digest';
import type { ConsentRecord } from '@optimesys/privacy-records/schemas';
import fiNotice from '../../locales/fi/notice.json';
import { focused, recordEvents, rendered } from '../helpers/consent.js';

let bucket = '';
const endpoint = () => `/test-api/records?bucket=${bucket}`;

async function resetBucket(config: Record<string, unknown> = {}) {
  bucket = `consent-${Math.random().toString(36).slice(2)}`;
  await fetch(`/test-api/reset?bucket=${bucket}`, { method: 'POST', body: JSON.stringify(config) });
}
async function inspect(): Promise<{ attempts: Record<string, number>; stored: Record<string, number> }> {
  return (await fetch(`/test-api/inspect?bucket=${bucket}`)).json();
}
/** What jose alone (in Node) makes of a JWS. */
async function joseVerify(jws: string): Promise<{ ok: boolean; header: { kid: string }; payload: string }> {
  return (await fetch('/test-api/jose-verify', { method: 'POST', body: jws })).json();
}

/** A fresh browser state per test: no stored choices, nothing left in the outbox. */
async function clearChoices() {
  const db = await openDb();
  await db.delete('choices', 'consent');
  for (const entry of await db.getAll<{ id: string }>('outbox')) await db.delete('outbox', entry.id);
  db.close();
}

async function standalone(lang = 'fi', extra = '') {
  const el = await fixture<ConsentForm>(
    html`<consent-form lang=${lang} endpoint=${endpoint()} context=${extra || 'landing-1'}></consent-form>`,
  );
  await rendered(el, 'consent-toggle');
  const toggles = [...el.shadowRoot!.querySelectorAll<ConsentToggle>('consent-toggle')];
  await Promise.all(toggles.map((t) => rendered(t, 'input')));
  await el.updateComplete;
  return el;
}
const toggles = (el: ConsentForm) => [...el.shadowRoot!.querySelectorAll<ConsentToggle>('consent-toggle')];
const toggle = (el: ConsentForm, purpose: string) => toggles(el).find((t) => t.purpose === purpose)!;
const flip = (el: ConsentForm, purpose: string) => toggle(el, purpose).shadowRoot!.querySelector<HTMLElement>('.label')!.click();
const email = (el: ConsentForm) => el.shadowRoot!.querySelector<HTMLInputElement>('#email')!;
const statusText = (el: ConsentForm) =>
  [...el.shadowRoot!.querySelectorAll('[part="status"]')].map((p) => p.textContent!.trim()).join(' ');

describe('<consent-form>', () => {
  beforeEach(async () => {
    await clearChoices();
    await resetBucket();
    configure({ notices: {} });
  });

  for (const [lang, expected, saved] of [
    ['fi', 'lähetimme sähköpostiisi linkin', 'Valintasi on tallennettu'],
    ['en', 'we sent a link to your e-mail address', 'Your choices have been saved'],
  ] as const) {
    it(`asks to confirm from the inbox, not "saved", when the receiver mails a link (${lang})`, async () => {
      await resetBucket({ confirmation: true });
      const el = await standalone(lang);
      flip(el, 'newsletter');
      email(el).value = 'maija@example.fi';
      const sent = oneEvent(el, 'record-sent') as Promise<RecordSentEvent>;
      el.shadowRoot!.querySelector<HTMLButtonElement>('[part="submit"]')!.click();
      const { detail } = await sent;
      await waitUntil(() => statusText(el).includes(detail.record.id), 'no status with the reference');
      expect(statusText(el)).to.include(expected);
      expect(statusText(el)).not.to.include(saved);
      await expect(el).to.be.accessible();
    });
  }

  for (const [lang, otherDevice] of [
    ['fi', 'Jos olet tehnyt valintoja aiemmin toisella laitteella, viestissä on linkki myös kaikkiin valintoihisi.'],
    ['en', 'If you have made choices before on another device, the message also has a link to all your choices.'],
  ] as const) {
    it(`after a first record from this browser, says the mail also links to choices from another device, the same for any address (${lang})`, async () => {
      await resetBucket({ confirmation: true });
      const send = async (el: ConsentForm, address: string) => {
        flip(el, 'newsletter');
        email(el).value = address;
        const sent = oneEvent(el, 'record-sent') as Promise<RecordSentEvent>;
        el.shadowRoot!.querySelector<HTMLButtonElement>('[part="submit"]')!.click();
        const { detail } = await sent;
        await waitUntil(() => statusText(el).includes(detail.record.id), 'no status with the reference');
        return statusText(el).replace(detail.record.id, '<id>');
      };
      const messages: string[] = [];
      for (const address of ['tuttu.osoite@example.fi', 'uusi.osoite@example.fi']) {
        await clearChoices();
        const el = await standalone(lang);
        messages.push(await send(el, address));
        expect(el.shadowRoot!.querySelector('[part="prefs-link"]'), 'the mail replaces the separate button').to.equal(null);
        await expect(el).to.be.accessible();
      }
      expect(messages[0]).to.include(otherDevice);
      expect(messages[1]).to.equal(messages[0]);
      // Not the first record from this browser: the plain message.
      const again = await standalone(lang);
      await waitUntil(() => again.shadowRoot!.querySelector('.returning'), 'the remembered choices');
      const second = await send(again, 'uusi.osoite@example.fi');
      expect(second).not.to.include(otherDevice);
      await expect(again).to.be.accessible();
    });
  }

  it('offers each purpose as its own toggle, all off, in the order given', async () => {
    const el = await fixture<ConsentForm>(html`<consent-form lang="en" purposes="events newsletter" endpoint=${endpoint()}></consent-form>`);
    await rendered(el, 'consent-toggle');
    expect(toggles(el).map((t) => t.purpose)).to.deep.equal(['events', 'newsletter']);
    expect(toggles(el).map((t) => t.checked)).to.deep.equal([false, false]);
    const all = await standalone('en');
    expect(toggles(all).map((t) => t.purpose)).to.deep.equal(['newsletter', 'blog', 'events']);
  });

  it('by keyboard alone: Tab to a toggle, Space, type the address, Enter sends a signed record jose verifies', async () => {
    const el = await standalone('fi');
    const events = recordEvents(el, ['consent-change', 'record-sent', 'record-queued', 'record-failed']);
    expect(events, 'nothing fires before the visitor acts').to.have.length(0);
    await sendKeys({ press: 'Tab' }); // newsletter switch
    expect(focused()).to.equal('input#control.visually-hidden');
    await sendKeys({ press: ' ' });
    await sendKeys({ press: 'Tab' }); // its info button
    await sendKeys({ press: 'Tab' }); // blog switch
    await sendKeys({ press: 'Tab' }); // blog info
    await sendKeys({ press: 'Tab' }); // events switch
    await sendKeys({ press: ' ' });
    await sendKeys({ press: 'Tab' }); // events info
    await sendKeys({ press: 'Tab' }); // e-mail
    expect(focused()).to.equal('input#email');
    await sendKeys({ type: 'maija.meikalainen+uutiset@example.fi' });
    const sent = oneEvent(el, 'record-sent') as Promise<RecordSentEvent>;
    await sendKeys({ press: 'Enter' });
    const { detail } = await sent;

    const verified = await joseVerify(detail.jws);
    expect(verified.ok).to.equal(true);
    const record = JSON.parse(verified.payload) as ConsentRecord;
    expect(record.subject.email).to.equal('maija.meikalainen+uutiset@example.fi');
    expect(record.decisions.map(({ purpose, granted, basis }) => ({ purpose, granted, basis }))).to.deep.equal([
      { purpose: 'newsletter', granted: true, basis: 'consent' },
      { purpose: 'blog', granted: false, basis: 'consent' },
      { purpose: 'events', granted: true, basis: 'consent' },
    ]);
    expect(record.decisions.map((d) => d.text)).to.deep.equal(toggles(el).map((t) => t.label));
    expect(record.decisions[0]!.text).to.equal('Haluan OptimeSysin uutiskirjeen sähköpostiini');
    expect(record.decisions[0]!.dpv).to.equal('dpv:DirectMarketing');
    expect(record.notice).to.deep.equal({ version: '2018-05-24', digest: await noticeDigest(fiNotice) });
    expect(record.locale).to.equal('fi');
    expect(record.source).to.deep.equal({ url: `${location.origin}${location.pathname}`, element: 'consent-form', context: 'landing-1' });
    expect(events.filter((e) => e.type === 'consent-change')).to.have.length(2);
    expect((await inspect()).stored[record.id]).to.equal(1);
    await waitUntil(() => statusText(el).includes(record.id), 'no confirmation with the reference');
    expect(statusText(el)).to.include('Valintasi on tallennettu');
  });

  for (const [lang, missing, invalid] of [
    ['fi', 'Anna sähköpostiosoite', 'Tarkista sähköpostiosoite'],
    ['en', 'Enter the e-mail address', 'Check the e-mail address'],
  ] as const) {
    it(`refuses a missing or invalid address in ${lang}, at the field, keeping what was typed and sending nothing`, async () => {
      const el = await standalone(lang);
      flip(el, 'blog');
      const form = el.shadowRoot!.querySelector('form')!;
      form.requestSubmit();
      const error = () => el.shadowRoot!.querySelector('#email-error')?.textContent ?? '';
      await waitUntil(() => error(), 'no message at the field');
      expect(error()).to.include(missing);
      expect(email(el).getAttribute('aria-invalid')).to.equal('true');
      expect(email(el).getAttribute('aria-describedby')).to.equal('email-error');
      await waitUntil(() => focused() === 'input#email', 'focus did not move to the field');

      email(el).value = 'maija@@example';
      email(el).dispatchEvent(new Event('input', { bubbles: true, composed: true }));
      form.requestSubmit();
      await waitUntil(() => error().includes(invalid), 'no message for the invalid address');
      expect(email(el).value).to.equal('maija@@example');
      expect(toggle(el, 'blog').checked).to.equal(true);
      await new Promise((r) => setTimeout(r, 100));
      expect(Object.keys((await inspect()).attempts)).to.have.length(0);
      await expect(el).to.be.accessible();
    });
  }

  it('inside a webinar signup form: one host submission carries the choices and record id, and one record is stored', async () => {
    const host = await fixture<HTMLFormElement>(html`<form>
      <label>Nimi <input name="name" value="Matti Virtanen" /></label>
      <label>Sähköposti <input name="email" type="email" value="matti.virtanen@example.fi" /></label>
      <label>Organisaatio <input name="organisation" value="Esimerkki Oy" /></label>
      <consent-form lang="fi" purposes="newsletter events" processing="event-participation" context="webinar-2026-12" endpoint=${endpoint()}></consent-form>
      <button>Ilmoittaudu</button>
    </form>`);
    const el = host.querySelector('consent-form')!;
    await rendered(el, 'consent-toggle');
    await Promise.all(toggles(el).map((t) => rendered(t, 'input')));
    expect(el.shadowRoot!.querySelector('#email'), 'no e-mail field of its own').to.equal(null);
    expect(el.shadowRoot!.querySelector('[part="submit"]'), 'no button of its own').to.equal(null);
    expect(el.shadowRoot!.textContent).to.include('Oikeutettu etu');
    expect(toggles(el).map((t) => t.purpose), 'processing is never a toggle').to.deep.equal(['newsletter', 'events']);
    flip(el, 'events');

    let submitted: FormData | undefined;
    let defaultPrevented = false;
    host.addEventListener('submit', (e) => {
      submitted = new FormData(host);
      // the page's own handler, after ours: was the submission left alone?
      setTimeout(() => (defaultPrevented = e.defaultPrevented));
      e.preventDefault(); // keep the test page; a real signup page would navigate
    });
    const sent = oneEvent(el, 'record-sent') as Promise<RecordSentEvent>;
    host.querySelector('button')!.click();
    const { detail } = await sent;
    await new Promise((r) => setTimeout(r));
    expect(defaultPrevented, 'only the test prevented it').to.equal(true);
    expect(submitted!.get('name')).to.equal('Matti Virtanen');
    expect(submitted!.get('consent-newsletter')).to.equal('denied');
    expect(submitted!.get('consent-events')).to.equal('granted');
    expect(submitted!.get('consent-record-id')).to.equal(detail.record.id);
    const record = detail.record as ConsentRecord;
    expect(record.subject.email).to.equal('matti.virtanen@example.fi');
    expect(record.source.context).to.equal('webinar-2026-12');
    expect(record.processing).to.deep.equal([
      { purpose: 'event-participation', dpv: 'dpv:RequestedServiceProvision', basis: 'legitimate-interest', basisDpv: 'dpv:LegitimateInterest' },
    ]);
    const { attempts, stored } = await inspect();
    expect(Object.keys(attempts)).to.deep.equal([record.id]);
    expect(stored[record.id]).to.equal(1);
    // the next submission gets a new record id
    expect(new FormData(host).get('consent-record-id')).to.not.equal(record.id);
  });

  it('holds a host form that navigates until its record is stored, then lets it go on as it was', async () => {
    const wrapper = await fixture<HTMLDivElement>(html`<div>
      <form action="/test-api/form-echo" method="post" target="crm">
        <input name="email" type="email" value="navigoija@example.fi" aria-label="Email" />
        <consent-form lang="fi" purposes="newsletter" processing="event-participation" endpoint=${endpoint()}></consent-form>
        <button name="intent" value="signup">Ilmoittaudu</button>
      </form>
      <iframe name="crm" title="CRM"></iframe>
    </div>`);
    const host = wrapper.querySelector('form')!;
    const el = host.querySelector('consent-form')!;
    await rendered(el, 'consent-toggle');
    await Promise.all(toggles(el).map((t) => rendered(t, 'input')));
    flip(el, 'newsletter');
    let pageHandlers = 0;
    host.addEventListener('submit', () => pageHandlers++);
    const frame = wrapper.querySelector('iframe')!;
    // The echo's load, not the first one: Firefox may still fire the empty frame's own load after this.
    const arrived = new Promise<void>((resolve) => {
      const loaded = () => {
        if (!frame.contentDocument?.querySelector('#echo')) return;
        frame.removeEventListener('load', loaded);
        resolve();
      };
      frame.addEventListener('load', loaded);
    });
    host.querySelector('button')!.click();
    await arrived;
    const echo = JSON.parse(frame.contentDocument!.querySelector('#echo')!.textContent!) as {
      form: Record<string, string>;
      storedBefore: boolean;
    };
    expect(echo.storedBefore, 'the record was stored before the form left').to.equal(true);
    expect(echo.form['consent-newsletter']).to.equal('granted');
    expect(echo.form.intent, 'the button the visitor used still counts').to.equal('signup');
    expect(pageHandlers, "the page's own handler ran once").to.equal(1);
    const { stored } = await inspect();
    expect(stored[echo.form['consent-record-id']!]).to.equal(1);
  });

  it('stops a host submission without a usable address and says so at the host field', async () => {
    const host = await fixture<HTMLFormElement>(html`<form>
      <input name="email" aria-label="Email" />
      <consent-form lang="en" endpoint=${endpoint()}></consent-form>
    </form>`);
    const el = host.querySelector('consent-form')!;
    await rendered(el, 'consent-toggle');
    let prevented = false;
    host.addEventListener('submit', (e) => {
      prevented = e.defaultPrevented;
      e.preventDefault();
    });
    host.requestSubmit();
    const field = host.querySelector('input')!;
    expect(prevented).to.equal(true);
    expect(field.validationMessage).to.include('Enter the e-mail address');
    expect(document.activeElement).to.equal(field);
  });

  it('remembers the choices, and turning one off sends a withdrawal from the same device key', async () => {
    const first = await standalone('en');
    flip(first, 'newsletter');
    flip(first, 'blog');
    email(first).value = 'liisa@example.com';
    const given = oneEvent(first, 'record-sent') as Promise<RecordSentEvent>;
    first.shadowRoot!.querySelector('form')!.requestSubmit();
    const consent = (await given).detail;
    first.remove();

    // the next visit
    const again = await standalone('en');
    const events = recordEvents(again, ['consent-change']);
    await waitUntil(() => toggle(again, 'newsletter').checked, 'the earlier choice was not shown');
    expect(toggles(again).map((t) => t.checked)).to.deep.equal([true, true, false]);
    expect(email(again).value).to.equal('liisa@example.com');
    expect(again.shadowRoot!.textContent).to.include('Your choices of');
    expect(events, 'showing earlier choices fires nothing').to.have.length(0);

    flip(again, 'newsletter');
    const withdrawn = oneEvent(again, 'record-sent') as Promise<RecordSentEvent>;
    again.shadowRoot!.querySelector('form')!.requestSubmit();
    const withdrawal = (await withdrawn).detail;
    const decisions = (withdrawal.record as ConsentRecord).decisions;
    expect(decisions.find((d) => d.purpose === 'newsletter')!.granted).to.equal(false);
    expect(decisions.find((d) => d.purpose === 'blog')!.granted).to.equal(true);
    const [a, b] = await Promise.all([joseVerify(consent.jws), joseVerify(withdrawal.jws)]);
    expect(a.ok && b.ok).to.equal(true);
    expect(b.header.kid).to.equal(a.header.kid);
  });

  it('withdraws everything with one action, as easily as it was given', async () => {
    const first = await standalone('fi');
    flip(first, 'newsletter');
    flip(first, 'events');
    email(first).value = 'pekka@example.fi';
    const given = oneEvent(first, 'record-sent');
    first.shadowRoot!.querySelector('form')!.requestSubmit();
    await given;
    await first.updateComplete;
    const withdrawAll = first.shadowRoot!.querySelector<HTMLButtonElement>('[part="withdraw-all"]')!;
    expect(withdrawAll.textContent).to.include('Peru kaikki suostumukset');
    const withdrawn = oneEvent(first, 'record-sent') as Promise<RecordSentEvent>;
    withdrawAll.click();
    const record = (await withdrawn).detail.record as ConsentRecord;
    expect(record.decisions.every((d) => d.granted === false)).to.equal(true);
    await first.updateComplete;
    expect(toggles(first).map((t) => t.checked)).to.deep.equal([false, false, false]);
    expect(first.shadowRoot!.querySelector('[part="withdraw-all"]')).to.equal(null);
  });

  it('asks the visitor to review when the notice changed since the stored consent', async () => {
    const first = await standalone('fi');
    flip(first, 'blog');
    email(first).value = 'aino@example.fi';
    const given = oneEvent(first, 'record-sent');
    first.shadowRoot!.querySelector('form')!.requestSubmit();
    await given;
    first.remove();

    configure({ notices: { fi: { ...fiNotice, version: '2026-11-25', updated: '2026-11-25' } as never } });
    const again = await standalone('fi');
    await waitUntil(() => again.shadowRoot!.querySelector('.review'), 'no review request');
    expect(again.shadowRoot!.querySelector('.review')!.textContent).to.include('Tietosuojaselosteemme on muuttunut');
    expect(again.shadowRoot!.textContent).to.not.include('Valintasi ');
  });

  it('keeps a record that cannot be sent, says so, and delivers it once when back online', async () => {
    await resetBucket({ failFirst: 1, failStatus: 503 });
    const el = await standalone('en');
    flip(el, 'newsletter');
    email(el).value = 'offline@example.com';
    const queued = oneEvent(el, 'record-queued') as Promise<RecordQueuedEvent>;
    const sent = oneEvent(el, 'record-sent') as Promise<RecordSentEvent>;
    el.shadowRoot!.querySelector('form')!.requestSubmit();
    const { detail } = await queued;
    await el.updateComplete;
    expect(statusText(el)).to.include('saved in this browser');
    window.dispatchEvent(new Event('online'));
    expect((await sent).detail.record.id).to.equal(detail.record.id);
    const { attempts, stored } = await inspect();
    expect(attempts[detail.record.id]).to.equal(2);
    expect(stored[detail.record.id]).to.equal(1);
  });

  it('shows a rejection with the input intact', async () => {
    await resetBucket({ reject: { status: 400, code: 'bad-schema' } });
    const el = await standalone('fi');
    flip(el, 'events');
    email(el).value = 'hylatty@example.fi';
    const failed = oneEvent(el, 'record-failed') as Promise<RecordFailedEvent>;
    el.shadowRoot!.querySelector('form')!.requestSubmit();
    expect((await failed).detail.error.code).to.equal('bad-schema');
    await el.updateComplete;
    expect(el.shadowRoot!.querySelector('[role="alert"]')!.textContent).to.include('Palvelin ei hyväksynyt');
    expect(email(el).value).to.equal('hylatty@example.fi');
    expect(toggle(el, 'events').checked).to.equal(true);
  });

  it("lets a page style its toggles' parts through the form (exportparts)", async () => {
    const style = document.createElement('style');
    style.textContent = 'consent-form.themed::part(toggle-track) { border-color: rgb(1, 2, 3); }';
    document.head.append(style);
    try {
      const el = await standalone('en');
      el.classList.add('themed');
      const track = toggle(el, 'blog').shadowRoot!.querySelector('.track')!;
      expect(getComputedStyle(track).borderTopColor).to.equal('rgb(1, 2, 3)');
    } finally {
      style.remove();
    }
  });

  for (const lang of ['fi', 'en', 'sv']) {
    it(`passes axe in ${lang}, with a popover open and closed`, async () => {
      const el = await standalone(lang);
      await expect(el).to.be.accessible();
      const info = toggle(el, 'blog').shadowRoot!.querySelector<HTMLButtonElement>('.info')!;
      info.click();
      await waitUntil(() => toggle(el, 'blog').shadowRoot!.querySelector('[popover]')!.matches(':popover-open'));
      await expect(el).to.be.accessible();
    });
  }
});
