import { expect, fixture, html, waitUntil } from '@open-wc/testing';
import { resetMouse, sendKeys, sendMouse, setViewport } from '@web/test-runner-commands';
import { configure } from '../../src/config.js';
import '../../src/consent/consent-toggle.define.js';
import type { ConsentToggle } from '../../src/consent/consent-toggle.js';
import type { ConsentChangeEvent } from '../../src/events.js';
import { captureConsoleErrors, focused, recordEvents, rendered } from '../helpers/consent.js';

async function toggle(template = html`<consent-toggle purpose="newsletter" lang="fi"></consent-toggle>`) {
  const el = await fixture<ConsentToggle>(template);
  await rendered(el, 'input');
  return el;
}
const input = (el: ConsentToggle) => el.shadowRoot!.querySelector<HTMLInputElement>('input')!;
const panel = (el: ConsentToggle) => el.shadowRoot!.querySelector<HTMLElement>('[popover]')!;
const isOpen = (el: ConsentToggle) => panel(el).matches(':popover-open');

describe('<consent-toggle>', () => {
  afterEach(async () => {
    await resetMouse();
  });

  it('starts off, as a switch labelled with the purpose', async () => {
    const el = await toggle();
    expect(el.checked).to.equal(false);
    expect(input(el).checked).to.equal(false);
    expect(input(el).getAttribute('role')).to.equal('switch');
    expect(el.label).to.equal('Haluan OptimeSysin uutiskirjeen sähköpostiini');
    expect(input(el).labels?.[0]?.textContent).to.include(el.label);
  });

  it('fires consent-change, change and input when the visitor clicks, and nothing when set from code', async () => {
    const el = await toggle();
    const events = recordEvents(el, ['consent-change', 'change', 'input']);
    el.checked = true;
    el.checked = false;
    await el.updateComplete;
    expect(events).to.have.length(0);

    el.shadowRoot!.querySelector<HTMLElement>('.label')!.click();
    await el.updateComplete;
    expect(el.checked).to.equal(true);
    expect(events.map((e) => e.type)).to.deep.equal(['input', 'change', 'consent-change']);
    const change = events[2] as ConsentChangeEvent;
    expect(change.detail).to.deep.equal({ purpose: 'newsletter', granted: true });
    expect(change.bubbles && change.composed).to.equal(true);
  });

  it('works by keyboard alone: Tab, Space toggles, Enter submits the form', async () => {
    const form = await fixture<HTMLFormElement>(html`<form>
      <consent-toggle purpose="blog" lang="en"></consent-toggle>
    </form>`);
    const el = form.querySelector('consent-toggle')!;
    await rendered(el, 'input');
    let submits = 0;
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      submits++;
    });
    await sendKeys({ press: 'Tab' });
    expect(focused()).to.equal('input#control.visually-hidden');
    await sendKeys({ press: ' ' });
    expect(el.checked).to.equal(true);
    await sendKeys({ press: 'Enter' });
    expect(submits).to.equal(1);
    expect(el.checked, 'Enter does not toggle').to.equal(true);
    expect(new FormData(form).get('consent-blog')).to.equal('granted');
    await sendKeys({ press: ' ' });
    expect(new FormData(form).get('consent-blog')).to.equal('denied');
  });

  it('contributes granted or denied to its form, under its name, and resets with it', async () => {
    const form = await fixture<HTMLFormElement>(html`<form>
      <consent-toggle purpose="events" name="invites" lang="en"></consent-toggle>
    </form>`);
    const el = form.querySelector('consent-toggle')!;
    await rendered(el, 'input');
    expect(new FormData(form).get('invites')).to.equal('denied');
    el.shadowRoot!.querySelector<HTMLElement>('.label')!.click();
    expect(new FormData(form).get('invites')).to.equal('granted');
    form.reset();
    expect(el.checked).to.equal(false);
    expect(new FormData(form).get('invites')).to.equal('denied');
  });

  it('refuses to be required or pre-ticked, with a console error', async () => {
    const errors = captureConsoleErrors();
    try {
      const form = await fixture<HTMLFormElement>(html`<form>
        <consent-toggle purpose="newsletter" lang="en" required checked></consent-toggle>
      </form>`);
      const el = form.querySelector('consent-toggle')!;
      await rendered(el, 'input');
      await el.updateComplete;
      expect(el.checked).to.equal(false);
      expect(form.checkValidity()).to.equal(true);
      expect(errors.messages.some((m) => m.includes('required') && m.includes('Art. 7(4)'))).to.equal(true);
      expect(errors.messages.some((m) => m.includes('pre-ticked'))).to.equal(true);
    } finally {
      errors.restore();
    }
  });

  it('opens an info popover with the facts, and Escape closes it and returns focus', async () => {
    const el = await toggle(html`<consent-toggle purpose="newsletter" lang="en"></consent-toggle>`);
    await sendKeys({ press: 'Tab' }); // the switch
    await sendKeys({ press: 'Tab' }); // the info button
    const info = el.shadowRoot!.querySelector<HTMLButtonElement>('.info')!;
    expect(focused()).to.equal('button.info');
    expect(info.getAttribute('aria-label')).to.equal("More about: Send me OptimeSys' newsletter by e-mail");
    await sendKeys({ press: 'Enter' });
    await waitUntil(() => isOpen(el), 'popover did not open');
    const text = panel(el).textContent!.replace(/\s+/g, ' ');
    expect(text).to.include('Your consent (GDPR Art. 6(1)(a))');
    expect(text).to.include('until you withdraw your consent');
    expect(text).to.include('markkinointi@optimesys.fi');
    expect(text).to.include('How often');
    await sendKeys({ press: 'Escape' });
    await waitUntil(() => !isOpen(el), 'Escape did not close the popover');
    expect(focused()).to.equal('button.info');
  });

  it('closes the popover on an outside click, and focus goes back to its button', async () => {
    const el = await toggle(html`<consent-toggle purpose="events" lang="fi"></consent-toggle>`);
    el.shadowRoot!.querySelector<HTMLButtonElement>('.info')!.click();
    await waitUntil(() => isOpen(el) && panel(el).style.top !== '', 'popover was never positioned');
    const box = panel(el).getBoundingClientRect();
    // a spot on the page beside the panel and below the toggle
    await sendMouse({ type: 'click', position: [Math.round(box.right + 40), Math.round(box.bottom - 10)] });
    await waitUntil(() => !isOpen(el), 'an outside click did not close the popover');
    expect(focused()).to.equal('button.info');
  });

  it('keeps the popover inside a small viewport, at its edges', async () => {
    await setViewport({ width: 320, height: 480 });
    const el = await toggle(html`<consent-toggle
      purpose="events"
      lang="fi"
      style="position: fixed; right: 0; bottom: 0; width: 200px"
    ></consent-toggle>`);
    el.shadowRoot!.querySelector<HTMLButtonElement>('.info')!.click();
    await waitUntil(() => isOpen(el));
    await waitUntil(() => panel(el).style.top !== '', 'popover was never positioned');
    await new Promise((r) => requestAnimationFrame(r));
    const box = panel(el).getBoundingClientRect();
    expect(box.left).to.be.at.least(0);
    expect(box.top).to.be.at.least(0);
    expect(box.right).to.be.at.most(320);
    expect(box.bottom).to.be.at.most(480);
    // flipped above the button, which sits at the bottom edge
    const button = el.shadowRoot!.querySelector('.info')!.getBoundingClientRect();
    expect(box.bottom).to.be.at.most(button.top);
  });

  it('shows a purpose a site adds with configure(), in every language', async () => {
    configure({
      purposes: {
        'product-research': {
          basis: 'consent',
          dpv: 'dpv:ResearchAndDevelopment',
          text: {
            fi: { label: 'Osallistun tuotetutkimuksiin', sent: 'Kutsuja', frequency: 'Harvoin', retention: 'Kunnes perut', withdraw: 'Poista valinta' },
            en: { label: 'I take part in product research', sent: 'Invitations', frequency: 'Rarely', retention: 'Until you withdraw', withdraw: 'Clear the choice' },
            sv: { label: 'Jag deltar i produktundersökningar', sent: 'Inbjudningar', frequency: 'Sällan', retention: 'Tills du återkallar', withdraw: 'Avmarkera valet' },
          },
        },
      },
    });
    const fi = await toggle(html`<consent-toggle purpose="product-research" lang="fi"></consent-toggle>`);
    expect(fi.label).to.equal('Osallistun tuotetutkimuksiin');
    fi.lang = 'en';
    await waitUntil(() => fi.label === 'I take part in product research');
    fi.lang = 'sv';
    await waitUntil(() => fi.label === 'Jag deltar i produktundersökningar');
  });

  it('a purpose the site gave no Swedish text shows no switch in Swedish, and says why on the console', async () => {
    configure({
      purposes: {
        'partner-offers': {
          basis: 'consent',
          dpv: 'dpv:DirectMarketing',
          // as a site configured it before Swedish was offered (the type now asks for every language)
          text: {
            fi: { label: 'Kumppanien tarjoukset', sent: 'Tarjouksia', frequency: 'Harvoin', retention: 'Kunnes perut', withdraw: 'Poista valinta' },
            en: { label: 'Partner offers', sent: 'Offers', frequency: 'Rarely', retention: 'Until you withdraw', withdraw: 'Clear the choice' },
          } as never,
        },
      },
    });
    const errors = captureConsoleErrors();
    try {
      const el = await fixture<ConsentToggle>(html`<consent-toggle purpose="partner-offers" lang="sv"></consent-toggle>`);
      await waitUntil(() => errors.messages.length > 0, 'no console error');
      expect(el.shadowRoot!.querySelector('input')).to.equal(null);
      expect(el.label).to.equal('');
      expect(errors.messages[0]).to.include('partner-offers').and.include('(sv)').and.include('configure()');
      el.lang = 'en';
      await rendered(el, 'input');
      expect(el.label).to.equal('Partner offers');
    } finally {
      errors.restore();
    }
  });

  for (const lang of ['fi', 'en', 'sv']) {
    it(`passes axe in ${lang}, popover closed and open`, async () => {
      const el = await toggle(html`<consent-toggle purpose="newsletter" lang=${lang}></consent-toggle>`);
      await expect(el).to.be.accessible();
      el.shadowRoot!.querySelector<HTMLButtonElement>('.info')!.click();
      await waitUntil(() => isOpen(el));
      await expect(el).to.be.accessible();
    });
  }
});
