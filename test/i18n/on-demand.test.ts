// i18next is fetched only when a string needs it (src/i18n.ts): the package's
// own strings never do, on load or while a visitor uses every element. Its own
// file: each test file runs in a fresh page, so nothing else has fetched i18next.
import { expect, fixture, html, oneEvent, waitUntil } from '@open-wc/testing';
import '../../src/define.js';
import '../../src/consent/consent-toggle.define.js';
import { resourceBundle } from '../../src/i18n.js';
import { rendered } from '../helpers/consent.js';

const i18nextFetched = () => performance.getEntriesByType('resource').some((entry) => entry.name.includes('/node_modules/i18next/'));
const settle = () => new Promise((resolve) => setTimeout(resolve, 300));
const root = (el: Element) => el.shadowRoot!;
const type = (input: HTMLInputElement | HTMLTextAreaElement, value: string) => {
  input.value = value;
  input.dispatchEvent(new Event('input', { bubbles: true, composed: true }));
};
const text = (el: Element) => root(el).textContent!.replace(/\s+/g, ' ');

describe('i18next on demand', () => {
  let bucket = '';
  before(async () => {
    bucket = `on-demand-${Math.random().toString(36).slice(2)}`;
    await fetch(`/test-api/reset?bucket=${bucket}`, { method: 'POST', body: '{}' });
  });

  it('is not fetched by a page with every element, on load or while a visitor uses them', async () => {
    const endpoint = `/test-api/records?bucket=${bucket}`;
    const page = await fixture<HTMLElement>(html`<div lang="fi">
      <privacy-notice></privacy-notice>
      <consent-toggle purpose="newsletter"></consent-toggle>
      <consent-form endpoint=${endpoint}></consent-form>
      <data-request-form endpoint=${endpoint} min-fill-ms="0"></data-request-form>
      <consent-preferences endpoint=${endpoint}></consent-preferences>
    </div>`);
    const [notice, toggle, form, request, preferences] = [...page.children] as HTMLElement[];
    await rendered(notice!, 'h2');
    await rendered(form!, 'consent-toggle');
    await rendered(request!, 'form');
    await rendered(preferences!, 'form');
    await rendered(toggle!, 'input');
    await settle();
    expect(i18nextFetched(), 'on load').to.equal(false);

    // toggling, an info popover, validation errors, the character counter, a too-long text
    root(toggle!).querySelector<HTMLElement>('.label')!.click();
    root(toggle!).querySelector<HTMLElement>('.info')?.click();
    root(form!).querySelector('form')!.requestSubmit();
    root(request!).querySelector('form')!.requestSubmit();
    // the inline errors of an empty request, the request type's included (its message names no field)
    await waitUntil(() => root(request!).querySelector('#requestType-error'), 'no error for the request type', { timeout: 5000 });
    expect(root(request!).querySelector('#requestType-error')!.textContent).to.include('Valitse, mitä pyydät.');
    expect(root(request!).querySelector('#name-error')!.textContent).to.include('Kirjoita nimesi.');
    type(root(request!).querySelector('textarea')!, 'x'.repeat(5000));
    root(request!).querySelector('form')!.requestSubmit();
    type(root(preferences!).querySelector('input[type="email"]')!, 'not an address');
    root(preferences!).querySelector('form')!.requestSubmit();
    await settle();
    expect(text(request!)).to.include('5000 /');


    // sending both forms
    const formToggle = root(form!).querySelector('consent-toggle')!;
    root(formToggle).querySelector<HTMLElement>('.label')!.click();
    type(root(form!).querySelector<HTMLInputElement>('#email')!, 'maija@example.fi');
    const sent = Promise.all([oneEvent(form!, 'record-sent'), oneEvent(request!, 'record-sent')]);
    root(form!).querySelector('form')!.requestSubmit();
    root(request!).querySelector<HTMLInputElement>('input[value="access"]')!.click();
    type(root(request!).querySelector('textarea')!, 'What do you hold on me?');
    type(root(request!).querySelector<HTMLInputElement>('[name="name"]')!, 'Maija Meikäläinen');
    type(root(request!).querySelector<HTMLInputElement>('[name="email"]')!, 'maija@example.fi');
    root(request!).querySelector('form')!.requestSubmit();
    await sent;
    await settle();

    // switching the page's language, and the notice's own language switch
    page.lang = 'en';
    const shown = (el: Element) => root(el).querySelector('[lang]')?.getAttribute('lang');
    await waitUntil(() => [notice, toggle, form, request, preferences].every((el) => shown(el!) === 'en'), 'not in English');
    root(notice!).querySelector<HTMLButtonElement>('button[lang="fi"]')?.click();
    await settle();
    expect(i18nextFetched(), 'while in use').to.equal(false);
  });

  it('is fetched by a string that needs it (a plural), once, and the element renders its answer', async () => {
    const el = await fixture<HTMLElement>(html`<data-request-form lang="en" endpoint="/nowhere"></data-request-form>`);
    await rendered(el, 'textarea');
    // a test-only plural form of the counter
    const fields = (resourceBundle('en', 'request') as { fields: Record<string, string> }).fields;
    fields.counter_one = 'one character of {{max}}';
    fields.counter_other = '{{count}} characters of {{max}}';
    type(root(el).querySelector('textarea')!, 'x');
    await waitUntil(() => text(el).includes('one character of'), 'i18next\'s plural never rendered', { timeout: 10000 });
    expect(i18nextFetched()).to.equal(true);
    type(root(el).querySelector('textarea')!, 'xyz');
    await waitUntil(() => text(el).includes('3 characters of'), 'no plural after');
    expect(performance.getEntriesByType('resource').filter((e) => e.name.includes('/node_modules/i18next/')).length).to.equal(1);
  });
});
