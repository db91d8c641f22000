import { expect, html, waitUntil } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import { scrollSettled, tryEmulateMedia } from '../helpers/media.js';
import { headings, renderNotice, shadow, text, waitForLang } from '../helpers/notice.js';

const FI_HEADINGS = [
  'Yleistä',
  'Rekisterinpitäjät ja rekisterinpitäjien yhteystiedot',
  'Yhteyshenkilö rekisteriasioissa',
  'Rekisterin nimi',
  'Henkilötietojen käsittelyn tarkoitukset ja käsittelyn oikeusperusteet',
  'Kuvaus rekisteröityjen ryhmistä ja henkilötietoryhmistä',
  'Henkilötietojen lähteet ja päivittäminen',
  'Henkilötietojen vastaanottajat ja tietojen säännönmukaiset luovutukset',
  'Henkilötietojen siirtäminen EU:n tai ETA:n ulkopuolelle',
  'Henkilötietojen säilytysaika tai säilytysajan määrittämiskriteerit',
  'Rekisteröidyn oikeudet',
  'Kuvaus teknisistä ja organisatorisista turvatoimista',
  'Tietopyyntö',
];
const EN_HEADINGS = [
  'General',
  "Controllers and the controllers' contact details",
  'Contact person for register matters',
  'Name of the register',
  'Purposes of the processing of personal data and legal bases for the processing',
  'Description of the categories of data subjects and of the categories of personal data',
  'Sources of personal data and updating',
  'Recipients of personal data and regular disclosures of data',
  'Transfer of personal data outside the EU or the EEA',
  'Retention period of personal data or criteria for determining the retention period',
  'Rights of the data subject',
  'Description of technical and organisational security measures',
  'Data request',
];
const SV_HEADINGS = [
  'Allmänt',
  'Personuppgiftsansvariga och de personuppgiftsansvarigas kontaktuppgifter',
  'Kontaktperson i registerärenden',
  'Registrets namn',
  'Ändamålen med behandlingen av personuppgifter och de rättsliga grunderna för behandlingen',
  'Beskrivning av kategorierna av registrerade och av kategorierna av personuppgifter',
  'Källor för personuppgifterna och uppdatering av uppgifterna',
  'Mottagare av personuppgifter och regelbundna utlämnanden av uppgifter',
  'Överföring av personuppgifter till länder utanför EU eller EES',
  'Lagringstid för personuppgifterna eller kriterierna för att fastställa lagringstiden',
  'Den registrerades rättigheter',
  'Beskrivning av tekniska och organisatoriska säkerhetsåtgärder',
  'Dataskyddsbegäran',
];
// Facts that must read exactly as in the seed, in every language.
const FACTS = [
  'OptimeSys Group Oy',
  'OptimeSys Oy',
  'OptimeSys Services Oy',
  '2786805-3',
  'Sinikalliontie 3',
  '02630',
  'ESPOO',
  '+358 20 776 9480',
  '+358 40 167 6692',
  'markkinointi@optimesys.fi',
  'Matti Neuvonen',
  '24.5.2018',
  'http://www.tietosuoja.fi/fi/index.html',
];

/** A notice with room below it, so that even its last sections can scroll to the top. */
async function renderScrollable(lang: string) {
  return renderNotice(html`<div><privacy-notice lang=${lang}></privacy-notice><div style="height: 100vh"></div></div>`);
}

describe('<privacy-notice>', () => {
  afterEach(async () => {
    window.scrollTo(0, 0);
    await tryEmulateMedia({ colorScheme: 'light', reducedMotion: 'no-preference' });
    if (window.location.hash) history.replaceState(null, '', window.location.pathname + window.location.search);
  });

  it('renders every section of the seed in order, in Finnish, with its facts', async () => {
    const el = await renderNotice(html`<privacy-notice lang="fi"></privacy-notice>`);
    expect(headings(el)).to.deep.equal(FI_HEADINGS);
    const content = text(el);
    for (const fact of FACTS) expect(content, fact).to.include(fact);
    expect(content).to.include('Tietosuojaseloste');
    expect(content).to.include('Päivitetty 24.5.2018');
    // the ten purposes, the three bases with their sub-items
    const purposes = shadow(el).querySelectorAll('#purposes ul > li');
    expect(purposes).to.have.length(10);
    const bases = shadow(el).querySelectorAll('#purposes ol.bases > li');
    expect(bases).to.have.length(3);
    expect([...bases].map((li) => li.querySelectorAll('ol > li').length)).to.deep.equal([2, 1, 2]);
    expect(content).to.include('Useimmiten rekisterinpitäjän oikeutettu etu');
  });

  it('renders the same sections and facts in English', async () => {
    const el = await renderNotice(html`<privacy-notice lang="en"></privacy-notice>`);
    expect(headings(el)).to.deep.equal(EN_HEADINGS);
    const content = text(el);
    for (const fact of FACTS) expect(content, fact).to.include(fact);
    expect(content).to.include('Updated 24.5.2018');
    expect(shadow(el).querySelector('article')!.lang).to.equal('en');
  });

  it('renders the same sections, lists and facts in Swedish', async () => {
    const el = await renderNotice(html`<privacy-notice lang="sv"></privacy-notice>`);
    expect(headings(el)).to.deep.equal(SV_HEADINGS);
    const content = text(el);
    for (const fact of FACTS) expect(content, fact).to.include(fact);
    expect(content).to.include('Dataskyddsbeskrivning');
    expect(content).to.include('Uppdaterad 24.5.2018');
    expect(shadow(el).querySelector('article')!.lang).to.equal('sv');
    expect(shadow(el).querySelectorAll('#purposes ul > li')).to.have.length(10);
    const bases = shadow(el).querySelectorAll('#purposes ol.bases > li');
    expect([...bases].map((li) => li.querySelectorAll('ol > li').length)).to.deep.equal([2, 1, 2]);
    // the contents and the language switch speak Swedish too
    expect(shadow(el).querySelector('#toc-title')!.textContent!.trim()).to.equal('Innehåll');
    expect(shadow(el).querySelector('[part="language-switch"]')!.getAttribute('aria-label')).to.equal('Språk');
    expect(shadow(el).querySelector('#request a[part="request-link"]')!.textContent!.trim()).to.equal(
      'Skicka en dataskyddsbegäran med det elektroniska formuläret',
    );
  });

  it('offers every language in its own name: Suomi, Svenska, English', async () => {
    for (const lang of ['fi', 'sv', 'en']) {
      const el = await renderNotice(html`<privacy-notice lang=${lang}></privacy-notice>`);
      const buttons = [...shadow(el).querySelectorAll<HTMLButtonElement>('button[part="language-button"]')];
      expect(buttons.map((b) => [b.lang, b.textContent!.trim()]), lang).to.deep.equal([
        ['fi', 'Suomi'],
        ['sv', 'Svenska'],
        ['en', 'English'],
      ]);
      expect(buttons.filter((b) => b.getAttribute('aria-pressed') === 'true').map((b) => b.lang)).to.deep.equal([lang]);
    }
  });

  it('falls back to the page language, then to Finnish', async () => {
    const root = document.documentElement;
    const before = root.lang;
    try {
      root.lang = 'en-GB';
      const en = await renderNotice(html`<privacy-notice></privacy-notice>`);
      expect(headings(en)[0]).to.equal('General');
      root.lang = 'sv-FI';
      const sv = await renderNotice(html`<privacy-notice></privacy-notice>`);
      expect(headings(sv)[0]).to.equal('Allmänt');
      root.lang = 'de';
      const fi = await renderNotice(html`<privacy-notice></privacy-notice>`);
      expect(headings(fi)[0]).to.equal('Yleistä');
      // a page in a language the notice lacks: Finnish
      await waitForLang(sv, 'fi');
      expect(headings(sv)[0]).to.equal('Yleistä');
      // a later change of the page's language follows through
      root.lang = 'en';
      await waitForLang(fi, 'en');
      expect(headings(fi)[0]).to.equal('General');
    } finally {
      root.lang = before;
    }
  });

  it('switches language with the mouse', async () => {
    const el = await renderNotice(html`<privacy-notice lang="fi"></privacy-notice>`);
    const english = shadow(el).querySelector<HTMLButtonElement>('button[lang="en"]')!;
    expect(english.getAttribute('aria-pressed')).to.equal('false');
    english.click();
    await waitForLang(el, 'en');
    expect(headings(el)[0]).to.equal('General');
    expect(english.getAttribute('aria-pressed')).to.equal('true');
    expect(el.getAttribute('lang')).to.equal('en');
  });

  it('switches language with the keyboard alone', async () => {
    const el = await renderNotice(html`<privacy-notice lang="fi"></privacy-notice>`);
    // Tab from the start of the page reaches the language buttons first.
    await sendKeys({ press: 'Tab' });
    expect(shadow(el).activeElement?.getAttribute('lang')).to.equal('fi');
    await sendKeys({ press: 'Tab' });
    expect(shadow(el).activeElement?.getAttribute('lang')).to.equal('sv');
    await sendKeys({ press: 'Enter' });
    await waitForLang(el, 'sv');
    expect(headings(el)[0]).to.equal('Allmänt');
    await sendKeys({ press: 'Tab' });
    expect(shadow(el).activeElement?.getAttribute('lang')).to.equal('en');
    await sendKeys({ press: 'Enter' });
    await waitForLang(el, 'en');
    expect(headings(el)[0]).to.equal('General');
    // focus stays on the button the visitor used
    expect(shadow(el).activeElement?.getAttribute('lang')).to.equal('en');
    await sendKeys({ down: 'Shift' });
    await sendKeys({ press: 'Tab' });
    await sendKeys({ up: 'Shift' });
    await sendKeys({ down: 'Shift' });
    await sendKeys({ press: 'Tab' });
    await sendKeys({ up: 'Shift' });
    await sendKeys({ press: ' ' }); // Space
    await waitForLang(el, 'fi');
    expect(headings(el)[0]).to.equal('Yleistä');
  });

  it('lists every section in a table of contents whose links scroll to it', async () => {
    const el = await renderScrollable('fi');
    const links = [...shadow(el).querySelectorAll<HTMLAnchorElement>('nav a')];
    expect(links.map((a) => a.textContent!.trim())).to.deep.equal(FI_HEADINGS);
    expect(links[10]!.getAttribute('href')).to.equal('#rights');
    const security = shadow(el).getElementById('security')!;
    links[11]!.click();
    await waitUntil(() => Math.abs(security.getBoundingClientRect().top) < 40, 'did not scroll to #security', {
      timeout: 3000,
    });
    expect(window.location.hash).to.equal('#security');
    await scrollSettled();
    // following the same link again (no hashchange) still scrolls back to it
    window.scrollTo(0, 0);
    links[11]!.click();
    await waitUntil(() => Math.abs(security.getBoundingClientRect().top) < 40, 'did not scroll again', {
      timeout: 3000,
    });
  });

  it('scrolls a deep link to #rights into view and focuses its heading', async () => {
    const el = await renderScrollable('fi');
    const rights = shadow(el).getElementById('rights')!;
    expect(rights.getBoundingClientRect().top).to.be.greaterThan(window.innerHeight);
    window.location.hash = '#rights';
    await waitUntil(() => Math.abs(rights.getBoundingClientRect().top) < 40, 'did not scroll to #rights', {
      timeout: 3000,
    });
    expect(shadow(el).activeElement?.id).to.equal('rights-heading');
  });

  it('handles a deep link that is in the URL before the notice renders', async () => {
    history.replaceState(null, '', '#retention');
    const el = await renderScrollable('en');
    const section = shadow(el).getElementById('retention')!;
    await waitUntil(() => Math.abs(section.getBoundingClientRect().top) < 40, 'did not scroll to #retention', {
      timeout: 3000,
    });
  });

  it('links the data-request part to the request form', async () => {
    const el = await renderNotice(html`<privacy-notice lang="fi"></privacy-notice>`);
    const link = shadow(el).querySelector<HTMLAnchorElement>('#request a[part="request-link"]')!;
    expect(link.getAttribute('href')).to.equal('#data-request');
    el.setAttribute('request-href', '/tietopyynto#form');
    await el.updateComplete;
    expect(link.getAttribute('href')).to.equal('/tietopyynto#form');
    el.setAttribute('request-href', 'javascript:alert(1)');
    await el.updateComplete;
    expect(link.getAttribute('href')).to.equal('#data-request');
  });

  it('links e-mail addresses, phone numbers and URLs of the text', async () => {
    const el = await renderNotice(html`<privacy-notice lang="fi"></privacy-notice>`);
    const hrefs = [...shadow(el).querySelectorAll('a[part="link"]')].map((a) => a.getAttribute('href'));
    expect(hrefs).to.include('mailto:markkinointi@optimesys.fi');
    expect(hrefs).to.include('tel:+358207769480');
    expect(hrefs).to.include('tel:+358401676692');
    expect(hrefs).to.include('http://www.tietosuoja.fi/fi/index.html');
  });

  it('places its headings in the host outline with heading-level', async () => {
    const el = await renderNotice(html`<privacy-notice lang="fi"></privacy-notice>`);
    expect(shadow(el).querySelector('.title')!.localName).to.equal('h2');
    expect(shadow(el).querySelector('#rights .section-heading')!.localName).to.equal('h3');
    expect(shadow(el).querySelector('#purposes .subheading')!.localName).to.equal('h4');
    el.setAttribute('heading-level', '1');
    await el.updateComplete;
    expect(shadow(el).querySelector('.title')!.localName).to.equal('h1');
    expect(shadow(el).querySelector('#rights .section-heading')!.localName).to.equal('h2');
    expect(shadow(el).querySelector('#purposes .subheading')!.localName).to.equal('h3');
  });

  for (const lang of ['fi', 'sv', 'en']) {
    for (const scheme of ['light', 'dark'] as const) {
      it(`passes axe in ${lang}, ${scheme} scheme`, async () => {
        const emulated = await tryEmulateMedia({ colorScheme: scheme });
        const el = await renderNotice(html`<privacy-notice lang=${lang}></privacy-notice>`);
        // Firefox over BiDi cannot emulate the scheme; force it the way a page would.
        if (!emulated) el.style.colorScheme = scheme;
        const bg = getComputedStyle(el).backgroundColor;
        expect(bg, 'background follows the colour scheme').to.equal(
          scheme === 'dark' ? 'rgb(22, 25, 29)' : 'rgb(255, 255, 255)',
        );
        await expect(el).to.be.accessible();
      });
    }
  }
});
