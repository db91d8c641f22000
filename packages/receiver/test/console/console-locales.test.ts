import { expect, waitUntil } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import en from '../../console/locales/en/console.json';
import fi from '../../console/locales/fi/console.json';
import sv from '../../console/locales/sv/console.json';
import { AUTONYMS, keysOf, LOCALES, type Locale } from '../../console/i18n.js';
import { fakeServer } from './fake-server.js';
import { deepActive, deepText, mountConsole, restorePage, tabTo, waitFor } from './helpers.js';

type Bundle = Parameters<typeof keysOf>[0];
const BUNDLES: Record<Locale, Bundle> = { fi, sv, en };

/** Each string's fixed parts (the text around its `{{placeholders}}`), long enough to mean something. */
function fragments(bundle: Bundle): string[] {
  const values: string[] = [];
  const walk = (node: Bundle) => Object.values(node).forEach((v) => (typeof v === 'string' ? values.push(v) : walk(v)));
  walk(bundle);
  return values.flatMap((v) => v.split(/{{\s*\w+\s*}}/)).map((f) => f.trim()).filter((f) => f.length >= 5);
}

/** The fragments found in `text` as whole words (so "Element" is not found in "Elementti"). */
function found(list: string[], text: string): string[] {
  const escape = (f: string) => f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return list.filter((f) => new RegExp(`(^|[^\\p{L}])${escape(f)}($|[^\\p{L}])`, 'u').test(text));
}

/** The fragments of `bundle` that `other` does not have: text that shows which of the two is on screen. */
const onlyIn = (bundle: Bundle, other: Bundle) => fragments(bundle).filter((f) => !fragments(other).includes(f));

/** The page's text without the server's data (names, details, how, trail summaries and details: the same in either language). */
function uiText(el: Element, server: ReturnType<typeof fakeServer>): string {
  const data: string[] = [];
  const walk = (value: unknown): void => {
    if (typeof value === 'string') data.push(value);
    else if (value && typeof value === 'object') Object.values(value).forEach(walk);
  };
  for (const row of server.state.rows) walk([row.name, row.email, row.details, row.organisation, row.phone, row.identityVerified?.how, row.closedBy]);
  for (const trail of server.state.trails.values()) walk(trail.map((entry) => [entry.summary, entry.detail]));
  let text = deepText(el);
  for (const value of data.filter((v) => v.length > 3).sort((a, b) => b.length - a.length)) text = text.split(value).join(' ');
  return text;
}

describe('console strings', () => {
  afterEach(restorePage);

  it('has the same keys in Finnish, Swedish and English, none empty', () => {
    expect(LOCALES, 'the order of the widgets\' language switch').to.deep.equal(['fi', 'sv', 'en']);
    expect(Object.keys(AUTONYMS).sort()).to.deep.equal([...LOCALES].sort());
    for (const locale of LOCALES) {
      const bundle = BUNDLES[locale];
      expect(keysOf(bundle).sort(), locale).to.deep.equal(keysOf(fi).sort());
      const empty = keysOf(bundle).filter((key) => !key.split('.').reduce<unknown>((node, part) => (node as Bundle)[part], bundle));
      expect(empty, locale).to.deep.equal([]);
    }
  });

  for (const [view, hash, ready] of [
    ['requests', '#/requests?status=all', 'console-requests >> tbody tr'],
    ['a request', '#/requests/r-overdue?kid=kid-overdue', 'console-request >> ol.trail'],
    ['consents', '#/consents', 'console-consent-chart >> canvas'],
  ] as const) {
    it(`swaps every string of ${view} when the language is switched, by keyboard`, async () => {
      const server = fakeServer();
      const el = await mountConsole(server.api, { hash, lang: 'en' });
      await waitFor(el, ready);
      expect(found(onlyIn(en, fi), uiText(el, server)).length, 'English is shown').to.be.greaterThan(5);

      // English to Finnish, then on to Swedish (the next button): after each, nothing of either other language is left.
      for (const to of ['fi', 'sv'] as const) {
        await tabTo((a) => a.localName === 'button' && a.getAttribute('lang') === to, `the ${AUTONYMS[to]} button`);
        await sendKeys({ press: 'Enter' });
        await waitUntil(() => el.getAttribute('lang') === to);
        await waitFor(el, ready);
        await el.updateComplete;
        const text = uiText(el, server);
        for (const other of LOCALES.filter((l) => l !== to)) {
          expect(found(onlyIn(BUNDLES[other], BUNDLES[to]), text), `${other} left after the switch to ${to}`).to.deep.equal([]);
          expect(found(onlyIn(BUNDLES[to], BUNDLES[other]), text).length, `${to} is shown`).to.be.greaterThan(5);
        }
        expect(document.documentElement.lang).to.equal(to);
        expect(deepActive()?.getAttribute('aria-pressed'), 'focus stays on the switch, now pressed').to.equal('true');
        expect(localStorage.getItem('privacy-console-locale')).to.equal(to);
      }
    });
  }
});
