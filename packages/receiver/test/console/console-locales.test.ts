import { expect, waitUntil } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import en from '../../console/locales/en/console.json';
import fi from '../../console/locales/fi/console.json';
import { keysOf } from '../../console/i18n.js';
import { fakeServer } from './fake-server.js';
import { deepActive, deepText, mountConsole, restorePage, tabTo, waitFor } from './helpers.js';

type Bundle = Parameters<typeof keysOf>[0];

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

  it('has the same keys in Finnish and English, none empty', () => {
    expect(keysOf(fi).sort()).to.deep.equal(keysOf(en).sort());
    for (const bundle of [fi, en]) {
      const empty = keysOf(bundle).filter((key) => !key.split('.').reduce<unknown>((node, part) => (node as Bundle)[part], bundle));
      expect(empty).to.deep.equal([]);
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
      const onlyEn = fragments(en).filter((f) => !fragments(fi).includes(f));
      const onlyFi = fragments(fi).filter((f) => !fragments(en).includes(f));
      const before = uiText(el, server);
      expect(found(onlyEn, before).length, 'English is shown').to.be.greaterThan(5);

      await tabTo((a) => a.localName === 'button' && a.getAttribute('lang') === 'fi', 'the Suomi button');
      await sendKeys({ press: 'Enter' });
      await waitUntil(() => el.getAttribute('lang') === 'fi');
      await waitFor(el, ready);
      await el.updateComplete;
      const after = uiText(el, server);
      expect(found(onlyEn, after), 'English left after the switch').to.deep.equal([]);
      expect(found(onlyFi, after).length, 'Finnish is shown').to.be.greaterThan(5);
      expect(document.documentElement.lang).to.equal('fi');
      expect(deepActive()?.getAttribute('aria-pressed'), 'focus stays on the switch, now pressed').to.equal('true');
      expect(localStorage.getItem('privacy-console-locale')).to.equal('fi');
    });
  }
});
