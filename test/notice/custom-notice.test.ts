import { expect, html } from '@open-wc/testing';
import { NoticeDocument } from '../../src/notice/notice-schema.js';
import { headings, renderNotice, shadow, text, waitForLang } from '../helpers/notice.js';

const XSS = '<img src=x onerror="window.__xss=1"><script>window.__xss=1</script>';

function doc(overrides: Record<string, unknown> = {}) {
  return {
    version: '1',
    lang: 'en',
    title: 'Example Ltd privacy notice',
    updated: '2026-03-01',
    sections: [
      { id: 'who', heading: 'Who we are', blocks: [{ type: 'paragraph', text: 'Example Ltd, hello@example.com' }] },
    ],
    ...overrides,
  };
}

describe('<privacy-notice> with a document of its own', () => {
  let errors: unknown[][];
  const consoleError = console.error;
  beforeEach(() => {
    errors = [];
    console.error = (...args: unknown[]) => errors.push(args);
  });
  afterEach(() => {
    console.error = consoleError;
  });

  it('renders a valid document passed as the notice property', async () => {
    const el = await renderNotice(html`<privacy-notice lang="en" .notice=${doc()}></privacy-notice>`);
    expect(headings(el)).to.deep.equal(['Who we are']);
    expect(text(el)).to.include('Example Ltd privacy notice');
    expect(text(el)).to.include('Updated 1.3.2026');
    // one document, one language: no language switch
    expect(shadow(el).querySelector('[part="language-switch"]')).to.equal(null);
  });

  it('shows a readable error, in the page language, for a document that fails the schema', async () => {
    const bad = doc({ updated: 'yesterday', sections: [{ id: 'Bad Id', heading: '', blocks: [] }] });
    const el = await renderNotice(html`<privacy-notice lang="fi" .notice=${bad}></privacy-notice>`);
    const alert = shadow(el).querySelector('[role="alert"]')!;
    expect(alert).to.exist;
    expect(alert.textContent).to.include('Tietosuojaselostetta ei voida näyttää');
    const problems = [...alert.querySelectorAll('li')].map((li) => li.textContent);
    expect(problems).to.include('updated: invalid date');
    expect(problems.some((p) => p!.startsWith('sections.0.id'))).to.equal(true);
    expect(problems.some((p) => p!.startsWith('sections.0.heading'))).to.equal(true);
    expect(problems.some((p) => p!.startsWith('sections.0.blocks'))).to.equal(true);
    expect(errors.some((args) => String(args[0]).includes('invalid'))).to.equal(true);
    await expect(el).to.be.accessible();
  });

  it('shows the error in English too, and never a blank box for a non-object', async () => {
    const el = await renderNotice(html`<privacy-notice lang="en" .notice=${'just a string'}></privacy-notice>`);
    expect(shadow(el).querySelector('[role="alert"]')!.textContent).to.include(
      'The privacy notice cannot be shown',
    );
  });

  it('renders markup in a document as text, and links nothing but http(s) and mailto', async () => {
    const hostile = doc({
      title: XSS,
      sections: [
        {
          id: 'who',
          heading: XSS,
          blocks: [
            { type: 'paragraph', text: `${XSS} javascript:alert(1) data:text/html,<b>x</b>` },
            { type: 'list', items: [XSS] },
            { type: 'details', items: [{ term: XSS, value: XSS }] },
            { type: 'request-link', text: XSS },
          ],
        },
      ],
    });
    expect(NoticeDocument.safeParse(hostile).success, 'markup is valid text').to.equal(true);
    const el = await renderNotice(html`<privacy-notice lang="en" .notice=${hostile}></privacy-notice>`);
    const root = shadow(el);
    expect(root.querySelectorAll('img, script, b')).to.have.length(0);
    expect(root.querySelector('.title')!.textContent).to.equal(XSS);
    // title, table of contents, heading, paragraph, list item, term, value, request link
    expect(text(el).split(XSS).length - 1).to.equal(8);
    const hrefs = [...root.querySelectorAll('a')].map((a) => a.getAttribute('href'));
    expect(hrefs.filter((h) => /^(javascript|data):/i.test(h ?? ''))).to.deep.equal([]);
    expect((window as { __xss?: number }).__xss).to.equal(undefined);
  });

  it('loads a document from src, and both languages from a {lang} src', async () => {
    const single = await renderNotice(
      html`<privacy-notice lang="en" src="/test/fixtures/acme-notice.en.txt"></privacy-notice>`,
    );
    expect(headings(single)).to.deep.equal(['Who we are', 'Your rights']);
    expect(shadow(single).querySelector('[part="language-switch"]')).to.equal(null);

    const both = await renderNotice(
      html`<privacy-notice lang="fi" src="/test/fixtures/acme-notice.{lang}.txt"></privacy-notice>`,
    );
    expect(headings(both)).to.deep.equal(['Keitä olemme', 'Oikeutesi']);
    shadow(both).querySelector<HTMLButtonElement>('button[lang="en"]')!.click();
    await waitForLang(both, 'en');
    expect(headings(both)).to.deep.equal(['Who we are', 'Your rights']);
  });

  it('says so when src cannot be loaded', async () => {
    const el = await renderNotice(html`<privacy-notice lang="en" src="/no/such/notice.json"></privacy-notice>`);
    expect(shadow(el).querySelector('[role="alert"]')!.textContent).to.include('could not be loaded');
    expect(errors).to.have.length.greaterThan(0);
  });
});
