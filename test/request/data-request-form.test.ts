import { expect, fixture, html, oneEvent, waitUntil } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import '../../src/request/data-request-form.define.js';
import type { DataRequestForm } from '../../src/request/data-request-form.js';
import type { RecordQueuedEvent, RecordSentEvent } from '../../src/events.js';
import { openDb } from '../../src/outbox/idb.js';
import type { DataRequest } from '@optimesys/privacy-records/schemas';
import { REQUEST_TYPE_IDS } from '@optimesys/privacy-records/vocabulary';
import { focused, recordEvents, rendered } from '../helpers/consent.js';

let bucket = '';
const endpoint = () => `/test-api/records?bucket=${bucket}`;
async function resetBucket(config: Record<string, unknown> = {}) {
  bucket = `request-${Math.random().toString(36).slice(2)}`;
  await fetch(`/test-api/reset?bucket=${bucket}`, { method: 'POST', body: JSON.stringify(config) });
}
async function attempts(): Promise<number> {
  const { attempts: all } = (await (await fetch(`/test-api/inspect?bucket=${bucket}`)).json()) as { attempts: Record<string, number> };
  return Object.values(all).reduce((a, b) => a + b, 0);
}
async function joseVerify(jws: string): Promise<{ ok: boolean; payload: string }> {
  return (await fetch('/test-api/jose-verify', { method: 'POST', body: jws })).json();
}

async function form(lang = 'fi', attrs: { type?: string; email?: string; minFill?: number } = {}) {
  const el = await fixture<DataRequestForm>(html`<data-request-form
    lang=${lang}
    endpoint=${endpoint()}
    request-type=${attrs.type ?? ''}
    email=${attrs.email ?? ''}
    min-fill-ms=${attrs.minFill ?? 0}
  ></data-request-form>`);
  await rendered(el, 'form');
  return el;
}
const root = (el: DataRequestForm) => el.shadowRoot!;
const field = (el: DataRequestForm, name: string) => root(el).querySelector<HTMLInputElement & HTMLTextAreaElement>(`[name="${name}"]`)!;

/** Types into a field the way a visitor does: value, then an input event. */
function fill(el: DataRequestForm, values: Record<string, string>) {
  for (const [name, value] of Object.entries(values)) {
    if (name === 'requestType') {
      root(el).querySelector<HTMLInputElement>(`input[value="${value}"]`)!.click();
      continue;
    }
    const input = field(el, name);
    input.value = value;
    input.dispatchEvent(new Event('input', { bubbles: true, composed: true }));
  }
}
const submit = async (el: DataRequestForm) => {
  root(el).querySelector('form')!.requestSubmit();
  await el.updateComplete;
};
const errorOf = (el: DataRequestForm, name: string) => root(el).querySelector(`#${name}-error`)?.textContent?.trim() ?? '';

async function clearOutbox() {
  const db = await openDb();
  for (const entry of await db.getAll<{ id: string }>('outbox')) await db.delete('outbox', entry.id);
  db.close();
}

describe('<data-request-form>', () => {
  beforeEach(async () => {
    await clearOutbox();
    await resetBucket();
  });

  it('sends every request type as a DataRequest that jose verifies', async () => {
    for (const type of REQUEST_TYPE_IDS) {
      const el = await form('en');
      fill(el, {
        requestType: type,
        name: 'Maija Meikäläinen',
        email: 'maija@example.fi',
        ...(type === 'rectification' ? { details: 'My title is wrong: it should read CTO.' } : {}),
      });
      const sent = oneEvent(el, 'record-sent') as Promise<RecordSentEvent>;
      await submit(el);
      const { detail } = await sent;
      const verified = await joseVerify(detail.jws);
      expect(verified.ok, type).to.equal(true);
      const record = JSON.parse(verified.payload) as DataRequest;
      expect(record.type).to.equal('data-request');
      expect(record.requestType).to.equal(type);
      expect(record.subject).to.deep.equal({ name: 'Maija Meikäläinen', email: 'maija@example.fi' });
      expect(record.source.element).to.equal('data-request-form');
    }
  });

  for (const [lang, messages] of [
    ['fi', { type: 'Valitse, mitä pyydät', name: 'Kirjoita nimesi', email: 'Tarkista sähköpostiosoite', control: 'ohjausmerkit', long: 'Liian pitkä: enintään 4000', rect: 'Kerro, mikä tiedoissasi on väärin' }],
    ['en', { type: 'Choose what you are asking for', name: 'Enter your name', email: 'Check the e-mail address', control: 'control characters', long: 'Too long: at most 4000', rect: 'Say what is wrong in your data' }],
  ] as const) {
    it(`shows each bad input's message in ${lang}, moves focus to the first, keeps everything typed and sends nothing`, async () => {
      const el = await form(lang);
      fill(el, { name: '   ', email: 'maija(at)example.fi', phone: '+358 40 123 4567', details: 'x'.repeat(4001) });
      await submit(el);
      expect(errorOf(el, 'requestType')).to.include(messages.type);
      expect(errorOf(el, 'name')).to.include(messages.name);
      expect(errorOf(el, 'email')).to.include(messages.email);
      expect(errorOf(el, 'details')).to.include(messages.long);
      expect(errorOf(el, 'phone'), 'a valid phone is fine').to.equal('');
      await waitUntil(() => focused() === 'input#type-access', 'focus did not move to the first problem');
      for (const name of ['name', 'email', 'details']) {
        expect(field(el, name).getAttribute('aria-invalid')).to.equal('true');
        expect(field(el, name).getAttribute('aria-describedby')).to.include(`${name}-error`);
      }
      expect(field(el, 'email').value).to.equal('maija(at)example.fi');
      expect(field(el, 'details').value).to.have.length(4001);

      fill(el, { requestType: 'rectification', name: 'Maija\u0007 Meikäläinen', email: 'maija@example.fi', details: '  ' });
      await submit(el);
      expect(errorOf(el, 'name')).to.include(messages.control);
      expect(errorOf(el, 'details')).to.include(messages.rect);
      expect(errorOf(el, 'email')).to.equal('');
      await waitUntil(() => focused() === 'input#name');
      await expect(el).to.be.accessible();
      await new Promise((r) => setTimeout(r, 50));
      expect(await attempts()).to.equal(0);
    });
  }

  it('accepts unusual but valid input', async () => {
    const el = await form('fi');
    fill(el, {
      requestType: 'access',
      name: "Åsa-Öljy D'Artagnan",
      email: 'åsa+tietosuoja@yhtiö.fi',
      organisation: 'Oy Ääkkönen & Co',
      phone: '(+44) 20 7946 0958',
    });
    const sent = oneEvent(el, 'record-sent') as Promise<RecordSentEvent>;
    await submit(el);
    expect(errorOf(el, 'email')).to.include('Tarkista'); // the local part must be ASCII
    fill(el, { email: 'asa+tietosuoja@yhtiö.fi' });
    await submit(el);
    const record = (await sent).detail.record as DataRequest;
    expect(record.subject).to.deep.equal({
      name: "Åsa-Öljy D'Artagnan",
      email: 'asa+tietosuoja@xn--yhti-8qa.fi',
      organisation: 'Oy Ääkkönen & Co',
      phone: '(+44) 20 7946 0958',
    });
  });

  it('refuses an RFC 2047 encoded word as an address inline, keeping what was typed', async () => {
    const el = await form('en');
    const events = recordEvents(el, ['record-sent', 'record-queued', 'record-failed']);
    const encoded = '=?utf-8?q?spam=40evil.example?=@example.fi';
    fill(el, { requestType: 'access', name: 'Maija', email: encoded });
    await submit(el);
    expect(errorOf(el, 'email')).to.include('Check the e-mail address');
    expect(field(el, 'email').value).to.equal(encoded);
    expect(events).to.deep.equal([]);
  });

  it('drops a bot that fills the hidden field, silently', async () => {
    const el = await form('en');
    const events = recordEvents(el, ['record-sent', 'record-queued', 'record-failed']);
    fill(el, { requestType: 'erasure', name: 'Bot', email: 'bot@example.com' });
    field(el, 'pw-company-url').value = 'https://spam.example';
    await submit(el);
    await new Promise((r) => setTimeout(r, 100));
    expect(events).to.have.length(0);
    expect(await attempts()).to.equal(0);
    const honeypot = field(el, 'pw-company-url');
    expect(honeypot.tabIndex).to.equal(-1);
    expect(honeypot.closest('[aria-hidden="true"]')).to.exist;
    expect(honeypot.getBoundingClientRect().right).to.be.below(0);
  });

  it('a keyboard-only visitor sends a request, past the honeypot and the minimum fill time', async () => {
    const el = await form('fi', { minFill: 60_000 });
    await sendKeys({ press: 'Tab' }); // first request type
    expect(focused()).to.equal('input#type-access');
    await sendKeys({ press: 'ArrowDown' }); // rectification
    await sendKeys({ press: 'ArrowDown' }); // erasure
    await sendKeys({ press: 'Tab' });
    expect(focused()).to.equal('input#name');
    await sendKeys({ type: 'Pekka Näppäimistö' });
    await sendKeys({ press: 'Tab' });
    await sendKeys({ type: 'pekka@example.fi' });
    await sendKeys({ press: 'Tab' }); // organisation
    await sendKeys({ press: 'Tab' }); // phone
    await sendKeys({ press: 'Tab' }); // details
    expect(focused()).to.equal('textarea#details');
    await sendKeys({ press: 'Tab' }); // the send button: the honeypot is skipped
    expect(focused()).to.equal('button');
    await sendKeys({ press: 'Enter' });
    await el.updateComplete;
    // within the minimum fill time: asked to confirm, not refused
    expect(root(el).querySelector('.confirm')!.textContent).to.include('Lomake lähetettiin hyvin nopeasti');
    expect(field(el, 'name').value).to.equal('Pekka Näppäimistö');
    const sent = oneEvent(el, 'record-sent') as Promise<RecordSentEvent>;
    await sendKeys({ press: 'Enter' });
    const record = (await sent).detail.record as DataRequest;
    expect(record.requestType).to.equal('erasure');
    await waitUntil(() => focused() === 'h3#receipt-title.receipt-title', 'focus did not move to the confirmation');
  });

  it('a run by accessible names, as a screen reader user would, succeeds', async () => {
    const el = await form('en');
    const byLabel = (text: string) => {
      const label = [...root(el).querySelectorAll('label')].find((l) => l.textContent!.trim().startsWith(text))!;
      return label.control as HTMLInputElement;
    };
    byLabel('Data portability').click();
    for (const [label, value] of [['Name', 'Sam Screenreader'], ['E-mail address', 'sam@example.org']] as const) {
      const input = byLabel(label);
      input.focus();
      await sendKeys({ type: value });
    }
    expect(byLabel('Data portability').getAttribute('aria-describedby')).to.equal('type-portability-help');
    const sent = oneEvent(el, 'record-sent') as Promise<RecordSentEvent>;
    root(el).querySelector<HTMLButtonElement>('[part="submit"]')!.click();
    expect(((await sent).detail.record as DataRequest).subject.name).to.equal('Sam Screenreader');
  });

  for (const [lang, expected] of [
    ['fi', 'Lähetimme sähköpostiisi linkin'],
    ['en', 'We sent a link to your e-mail address'],
  ] as const) {
    it(`tells the requester to confirm from the inbox when the receiver mails a link (${lang})`, async () => {
      await resetBucket({ confirmation: true });
      const el = await form(lang, { type: 'erasure', email: 'liisa@example.fi' });
      fill(el, { name: 'Liisa Virtanen' });
      const sent = oneEvent(el, 'record-sent') as Promise<RecordSentEvent>;
      await submit(el);
      await sent;
      await el.updateComplete;
      expect(root(el).querySelector('.inbox')?.textContent).to.include(expected);
      await expect(el).to.be.accessible();
    });
  }

  it('says nothing about an inbox when the receiver mails nothing', async () => {
    const el = await form('en', { type: 'access', email: 'liisa@example.fi' });
    fill(el, { name: 'Liisa Virtanen' });
    const sent = oneEvent(el, 'record-sent') as Promise<RecordSentEvent>;
    await submit(el);
    await sent;
    await el.updateComplete;
    expect(root(el).querySelector('[part="receipt"]')).to.exist;
    expect(root(el).querySelector('.inbox')).to.equal(null);
  });

  it('shows the reference, the due date and a receipt file holding both signatures', async () => {
    const el = await form('fi', { type: 'access', email: 'liisa@example.fi' });
    fill(el, { name: 'Liisa Virtanen' });
    const sent = oneEvent(el, 'record-sent') as Promise<RecordSentEvent>;
    await submit(el);
    const { detail } = await sent;
    await el.updateComplete;
    const text = root(el).textContent!.replace(/\s+/g, ' ');
    expect(text).to.include(`Viitenumero: ${detail.record.id}`);
    const due = (detail.receipt as { dueBy: string }).dueBy;
    const [y, m, d] = due.split('-').map(Number);
    expect(text).to.include(`Vastaamme viimeistään ${d}.${m}.${y}`);

    // the download: the file the visitor's browser would save
    let href = '';
    let name = '';
    const click = HTMLAnchorElement.prototype.click;
    HTMLAnchorElement.prototype.click = function (this: HTMLAnchorElement) {
      href = this.href;
      name = this.download;
    };
    try {
      [...root(el).querySelectorAll('button')].find((b) => b.textContent!.includes('Tallenna kuitti'))!.click();
    } finally {
      HTMLAnchorElement.prototype.click = click;
    }
    expect(name).to.equal(`data-request-${detail.record.id}.json`);
    const file = (await (await fetch(href)).json()) as { requestJws: string; receiptJws: string };
    expect(file.requestJws).to.equal(detail.jws);
    expect(file.receiptJws).to.equal((detail.receipt as { receipt: string }).receipt);
    expect((await joseVerify(file.requestJws)).ok).to.equal(true);
    await expect(el).to.be.accessible();
  });

  it('keeps a request the server failed (500) queued, says so, and keeps the form as typed', async () => {
    await resetBucket({ failFirst: 5, failStatus: 500 });
    const el = await form('en', { type: 'objection', email: 'olli@example.fi' });
    fill(el, { name: 'Olli Offline', details: 'Please stop sending me marketing.' });
    const queued = oneEvent(el, 'record-queued') as Promise<RecordQueuedEvent>;
    await submit(el);
    const { detail } = await queued;
    await el.updateComplete;
    expect(root(el).querySelector('[role="status"]')!.textContent).to.include('saved in this browser');
    expect(root(el).querySelector('[role="status"]')!.textContent).to.include(detail.record.id);
    expect(field(el, 'name').value).to.equal('Olli Offline');
    expect(field(el, 'details').value).to.equal('Please stop sending me marketing.');
    const db = await openDb();
    expect((await db.get<{ id: string }>('outbox', detail.record.id))?.id).to.equal(detail.record.id);
    db.close();
    await expect(el).to.be.accessible();
  });

  it('explains a rejection with the input intact', async () => {
    await resetBucket({ reject: { status: 400, code: 'bad-schema' } });
    const el = await form('fi', { type: 'erasure', email: 'r@example.fi' });
    fill(el, { name: 'Riikka' });
    const failed = oneEvent(el, 'record-failed');
    await submit(el);
    await failed;
    await el.updateComplete;
    expect(root(el).querySelector('[role="alert"]')!.textContent).to.include('Palvelin ei hyväksynyt pyyntöä');
    expect(field(el, 'name').value).to.equal('Riikka');
    await expect(el).to.be.accessible();
  });

  it('opens ready to send from a deep link, by attribute or URL parameter', async () => {
    const byAttribute = await form('en', { type: 'withdraw-consent', email: 'deep@example.com' });
    expect(root(byAttribute).querySelector<HTMLInputElement>('#type-withdraw-consent')!.checked).to.equal(true);
    expect(field(byAttribute, 'email').value).to.equal('deep@example.com');
    const before = location.href;
    history.replaceState(null, '', `${location.pathname}?request-type=objection&email=param%40example.com`);
    try {
      const byUrl = await form('fi');
      expect(root(byUrl).querySelector<HTMLInputElement>('#type-objection')!.checked).to.equal(true);
      expect(field(byUrl, 'email').value).to.equal('param@example.com');
    } finally {
      history.replaceState(null, '', before);
    }
  });

  it('says what the seed promises where it matters, and offers no marketing consent', async () => {
    const el = await form('fi', { type: 'access' });
    const text = root(el).textContent!.replace(/\s+/g, ' ');
    expect(text).to.include('maksuton kerran vuodessa');
    expect(text).to.include('henkilöllisyystodistusta vastaan');
    expect(text).to.include('kuukauden kuluessa');
    expect(text).to.include('Tietosuojavaltuutetun toimistolle');
    expect(root(el).querySelector('consent-toggle, input[type="checkbox"]')).to.equal(null);
  });

  for (const lang of ['fi', 'en', 'sv']) {
    it(`passes axe in ${lang}, fresh`, async () => {
      const el = await form(lang);
      await expect(el).to.be.accessible();
    });
  }
});
