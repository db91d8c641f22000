// The Custom Elements Manifest (built from the JSDoc headers) against the element classes themselves.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import '../../src/define.js';
import * as events from '../../src/events.js';

interface Declaration {
  tagName?: string;
  customElement?: boolean;
  attributes?: { name: string }[];
  events?: { name: string }[];
  cssParts?: { name: string }[];
  summary?: string;
}

describe('custom-elements.json', { skip: !existsSync('custom-elements.json') && 'run npm run build first' }, () => {
  const manifest = JSON.parse(readFileSync('custom-elements.json', 'utf8')) as { modules: { declarations?: Declaration[] }[] };
  const elements = manifest.modules.flatMap((m) => m.declarations ?? []).filter((d) => d.customElement);
  const byTag = new Map(elements.map((d) => [d.tagName, d]));
  const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { customElements: string; exports: Record<string, unknown> };

  it('is referenced from package.json and lists every tag the package defines', () => {
    assert.equal(pkg.customElements, 'custom-elements.json');
    const defined = ['privacy-notice', 'consent-toggle', 'consent-form', 'consent-preferences', 'data-request-form'].filter((t) => customElements.get(t));
    assert.equal(defined.length, 5);
    assert.deepEqual([...byTag.keys()].sort(), defined.sort());
    for (const tag of defined) assert.ok(pkg.exports[`./${tag}`] && pkg.exports[`./${tag}/define`], `${tag} has exports`);
  });

  it("lists each element's attributes exactly as the class observes them", () => {
    for (const [tag, declaration] of byTag) {
      const observed = (customElements.get(tag!) as unknown as { observedAttributes: string[] }).observedAttributes
        // observed only to be refused with a console error (GDPR Art. 7(4), CJEU C-673/17)
        .filter((name) => !(tag === 'consent-toggle' && (name === 'required' || name === 'checked')));
      assert.deepEqual(declaration.attributes!.map((a) => a.name).sort(), [...observed].sort(), tag);
      assert.ok(declaration.summary, `${tag} has a summary`);
      assert.ok((declaration.cssParts ?? []).length > 0, `${tag} documents its parts`);
    }
  });

  it('documents every event the elements fire', () => {
    const names = (tag: string) => byTag.get(tag)!.events!.map((e) => e.name).sort();
    const record = ['record-failed', 'record-queued', 'record-sent'];
    // each typed event class, by the type it gives its events
    const types = Object.values(events).map((E) => new (E as new (d: never) => Event)({} as never).type);
    assert.deepEqual(types.sort(), ['consent-change', ...record].sort());
    assert.deepEqual(names('consent-toggle'), ['change', 'consent-change', 'input']);
    assert.deepEqual(names('consent-form'), ['consent-change', ...record]);
    assert.deepEqual(names('data-request-form'), record);
    assert.deepEqual(names('privacy-notice'), []);
  });
});
