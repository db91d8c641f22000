// The reserve-space CSS of docs/elements.md, as a page would use it: an element keeps its
// room from before it is defined until it has rendered, so nothing below it moves.
import { expect, waitUntil } from '@open-wc/testing';
import '../../src/define.js';

const README_CSS = `
privacy-notice:is(:not(:defined), [aria-busy='true']) { display: block; min-height: 100vh; }
consent-form:is(:not(:defined), [aria-busy='true']) { display: block; min-height: 27rem; }
data-request-form:is(:not(:defined), [aria-busy='true']) { display: block; min-height: 100rem; }
consent-toggle:is(:not(:defined), [aria-busy='true']) { display: block; min-height: 2.75rem; }`;

describe('reserve-space CSS for client-rendered elements', () => {
  it('a form says aria-busy until its first strings have rendered, and the room stays reserved meanwhile', async () => {
    const style = document.createElement('style');
    style.textContent = README_CSS;
    document.head.append(style);
    const page = document.createElement('div');
    page.innerHTML = '<consent-form lang="en" endpoint="/nowhere"></consent-form><p id="below">below</p>';
    try {
      const form = page.querySelector('consent-form')!;
      const below = page.querySelector<HTMLElement>('#below')!;
      document.body.append(page);
      // connected, its English strings not loaded yet: nothing rendered, but the room is kept
      expect(form.getAttribute('aria-busy')).to.equal('true');
      const reserved = below.getBoundingClientRect().top - form.getBoundingClientRect().top;
      expect(reserved).to.be.at.least(27 * 16 - 1);
      await waitUntil(() => form.shadowRoot?.querySelector('consent-toggle'), 'did not render', { timeout: 5000 });
      expect(form.hasAttribute('aria-busy'), 'busy no more once rendered').to.equal(false);
      // the toggles inside had their strings at once: they never said busy
      for (const toggle of form.shadowRoot!.querySelectorAll('consent-toggle')) expect(toggle.hasAttribute('aria-busy')).to.equal(false);
    } finally {
      page.remove();
      style.remove();
    }
  });
});
