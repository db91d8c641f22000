// Server-rendered elements before any script of ours runs: with JavaScript off
// (a sandboxed frame without scripts) and as axe sees them. Nothing here defines an element.
import { expect, waitUntil } from '@open-wc/testing';
import fiNotice from '../../locales/fi/notice.json';
import enNotice from '../../locales/en/notice.json';
import fiConsent from '../../locales/fi/consent.json';
import { parse, serverRender } from './ssr-helpers.js';

/** Loads a server-rendered page in a frame that runs no script at all. */
async function withoutJs(fragment: string, lang: string): Promise<Document> {
  const frame = document.createElement('iframe');
  frame.className = 'no-js';
  frame.setAttribute('sandbox', 'allow-same-origin'); // no allow-scripts: JavaScript is off in it
  frame.style.cssText = 'width: 900px; height: 700px';
  const page = await fetch(`/test-api/ssr?page=1&lang=${lang}&html=${encodeURIComponent(fragment)}`);
  frame.srcdoc = await page.text();
  const loaded = new Promise((resolve) => frame.addEventListener('load', resolve, { once: true }));
  document.body.append(frame);
  await loaded;
  return frame.contentDocument!;
}

const innerText = (root: ShadowRoot) => ((root.firstElementChild?.nextElementSibling ?? root.firstElementChild) as HTMLElement | null)?.innerText.replace(/\s+/g, ' ') ?? '';

describe('server-rendered elements, JavaScript off', () => {
  afterEach(() => document.querySelectorAll('iframe.no-js').forEach((f) => f.remove()));

  for (const [lang, notice] of [['fi', fiNotice], ['en', enNotice]] as const) {
    it(`the notice reads completely in ${lang}: every heading, paragraph and list item, styled`, async () => {
      const doc = await withoutJs('<privacy-notice></privacy-notice>', lang);
      const el = doc.querySelector('privacy-notice')!;
      expect(doc.defaultView!.customElements.get('privacy-notice'), 'nothing defined it').to.equal(undefined);
      const root = el.shadowRoot!;
      expect(Boolean(root), 'declarative shadow root').to.equal(true);
      const text = innerText(root);
      expect(text.includes(notice.title), notice.title).to.equal(true);
      for (const section of notice.sections) {
        expect(text.includes(section.heading.replace(/\s+/g, ' ')), section.heading).to.equal(true);
        for (const block of section.blocks as { type: string; text?: string; items?: unknown[] }[]) {
          if (block.type === 'paragraph' || block.type === 'subheading') {
            // links in text are written as [label](href); the label is what shows
            const shown = block.text!.replace(/\[([^\]]+)\]\([^)]+\)/g, '$1').replace(/\s+/g, ' ');
            expect(text.includes(shown.slice(0, 60)), `${section.id}: ${shown.slice(0, 60)}`).to.equal(true);
          }
        }
      }
      // Styled from the shadow root's own stylesheet: headings in the element's scale, not the UA's
      const title = root.querySelector('.title')!;
      expect(doc.defaultView!.getComputedStyle(title).fontFamily).to.not.equal('');
      expect(doc.defaultView!.getComputedStyle(root.querySelector('nav')!).display).to.not.equal('none');
      // The switch needs JavaScript: hidden until the element is defined, so nothing dead is offered
      const lswitch = root.querySelector<HTMLElement>('.language-switch');
      if (lswitch) expect(doc.defaultView!.getComputedStyle(lswitch).visibility, 'language buttons hidden without JS').to.equal('hidden');
    });
  }

  it('the consent form shows every purpose, all off, with its labels and the e-mail field', async () => {
    const doc = await withoutJs('<consent-form purposes="newsletter blog events"></consent-form>', 'fi');
    const root = doc.querySelector('consent-form')!.shadowRoot!;
    const text = innerText(root);
    expect(text.includes(fiConsent.form.legend), fiConsent.form.legend).to.equal(true);
    const toggles = [...root.querySelectorAll('consent-toggle')];
    expect(toggles.map((t) => t.getAttribute('purpose'))).to.deep.equal(['newsletter', 'blog', 'events']);
    for (const toggle of toggles) {
      const input = toggle.shadowRoot!.querySelector<HTMLInputElement>('input[role="switch"]')!;
      expect(input.checked, `${toggle.getAttribute('purpose')} is not pre-ticked`).to.equal(false);
      expect((toggle.shadowRoot!.querySelector('.label') as HTMLElement).innerText.trim()).to.not.equal('');
    }
    expect(root.querySelector('input[type="email"]')).to.exist;
  });
});

describe('server-rendered elements pass axe before hydration', () => {
  const pages: [string, string][] = [
    ['privacy-notice', '<privacy-notice></privacy-notice>'],
    ['consent-form', '<consent-form purposes="newsletter blog events" processing="event-participation"></consent-form>'],
    ['consent-toggle', '<consent-toggle purpose="newsletter"></consent-toggle>'],
    ['data-request-form', '<data-request-form></data-request-form>'],
  ];
  for (const lang of ['fi', 'en', 'sv']) {
    for (const [tag, fragment] of pages) {
      it(`${tag} in ${lang}`, async () => {
        const container = parse(await serverRender(fragment, lang));
        container.lang = lang;
        document.body.append(container);
        try {
          expect(customElements.get(tag)).to.equal(undefined);
          const el = container.querySelector(tag)!;
          await waitUntil(() => el.shadowRoot?.querySelector('[lang]'), 'no shadow root');
          await expect(container).to.be.accessible();
        } finally {
          container.remove();
        }
      });
    }
  }
});
