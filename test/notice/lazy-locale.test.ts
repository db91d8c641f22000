import { expect, html } from '@open-wc/testing';
import { headings, renderNotice, shadow, waitForLang } from '../helpers/notice.js';

// Its own file: each test file runs in a fresh page, so nothing else has loaded a language yet.
const loaded = (path: string) =>
  performance.getEntriesByType('resource').some((entry) => entry.name.includes(path));

describe('<privacy-notice> language loading', () => {
  it('downloads only the language it shows, and another on demand', async () => {
    const el = await renderNotice(html`<privacy-notice lang="fi"></privacy-notice>`);
    expect(headings(el)[0]).to.equal('Yleistä');
    expect(loaded('/locales/fi/notice.json')).to.equal(true);
    expect(loaded('/locales/en/notice.json')).to.equal(false);
    expect(loaded('/locales/en/ui.json')).to.equal(false);
    expect(loaded('/locales/sv/notice.json')).to.equal(false);
    expect(loaded('/locales/sv/ui.json')).to.equal(false);
    // the schema code is only needed for documents passed in from outside
    expect(loaded('/notice-schema.ts')).to.equal(false);

    shadow(el).querySelector<HTMLButtonElement>('button[lang="en"]')!.click();
    await waitForLang(el, 'en');
    expect(loaded('/locales/en/notice.json')).to.equal(true);
    expect(loaded('/locales/sv/notice.json')).to.equal(false, 'nor a third language it was not switched to');

    shadow(el).querySelector<HTMLButtonElement>('button[lang="sv"]')!.click();
    await waitForLang(el, 'sv');
    expect(headings(el)[0]).to.equal('Allmänt');
    expect(loaded('/locales/sv/notice.json')).to.equal(true);
  });
});
