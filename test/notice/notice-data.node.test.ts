import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { describe, it } from 'node:test';
import { LOCALES } from '../../src/i18n.js';
import { checkNotice } from '../../src/notice/check-notice.js';
import { NoticeDocument, type NoticeBlock } from '../../src/notice/notice-schema.js';

const read = (path: string): unknown => JSON.parse(readFileSync(path, 'utf8'));
const fi = NoticeDocument.parse(read('locales/fi/notice.json'));
const en = NoticeDocument.parse(read('locales/en/notice.json'));
const sv = NoticeDocument.parse(read('locales/sv/notice.json'));
const seed = readFileSync('test/fixtures/tietosuojaseloste-fi.txt', 'utf8');
const clean = (s: string) => s.replace(/\u00a0/g, ' ').replace(/\s+/g, ' ').trim();

function keyPaths(value: unknown, prefix = ''): string[] {
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    return Object.entries(value).flatMap(([key, v]) => keyPaths(v, `${prefix}${key}.`));
  }
  return [prefix.slice(0, -1)];
}

function blockStrings(block: NoticeBlock): string[] {
  switch (block.type) {
    case 'list':
      return block.items;
    case 'ordered-list':
      return block.items.flatMap((item) => [item.text, ...(item.items ?? [])]);
    case 'details':
      return block.items.flatMap((item) => [item.term, item.value]);
    default:
      return [block.text];
  }
}
const allText = (doc: NoticeDocument) =>
  [doc.title, ...doc.sections.flatMap((s) => [s.heading, ...s.blocks.flatMap(blockStrings)])].map(clean);

describe('locales', () => {
  it('every locale file exists in Finnish, Swedish and English with the same keys', () => {
    // The elements' strings (the notice is held to its structure below), and the receiver's mails, pages and
    // labels: each folder of languages holds the same files with the same keys.
    assert.deepEqual(readdirSync('locales').sort(), [...LOCALES].sort(), 'a folder per language the elements offer');
    const roots = { locales: ['consent.json', 'preferences.json', 'request.json', 'ui.json'], 'packages/receiver/locales': ['labels.json', 'mail.json'] };
    for (const [root, expected] of Object.entries(roots)) {
      assert.deepEqual(readdirSync(root).sort(), [...LOCALES].sort(), `${root}: a folder per language`);
      const files = readdirSync(`${root}/fi`).filter((f) => f.endsWith('.json'));
      assert.ok(expected.every((f) => files.includes(f)), `${root}: ${files.join(', ')}`);
      for (const lang of LOCALES) assert.deepEqual(readdirSync(`${root}/${lang}`).filter((f) => f.endsWith('.json')).sort(), files.sort(), `${root}/${lang}`);
      for (const file of files.filter((f) => f !== 'notice.json')) {
        const fiKeys = keyPaths(read(`${root}/fi/${file}`)).sort();
        for (const lang of LOCALES) assert.deepEqual(keyPaths(read(`${root}/${lang}/${file}`)).sort(), fiKeys, `${root}/${lang}/${file}: key sets differ from fi`);
        for (const lang of LOCALES) {
          const empty = keyPaths(read(`${root}/${lang}/${file}`)).filter((k) => {
            const v = k.split('.').reduce<unknown>((o, p) => (o as Record<string, unknown>)[p], read(`${root}/${lang}/${file}`));
            // A value is a string, or a list of paragraphs (a message template's body).
            const texts = Array.isArray(v) ? v : [v];
            return !texts.length || texts.some((t) => typeof t !== 'string' || !t.trim());
          });
          assert.deepEqual(empty, [], `${root}/${lang}/${file}: empty strings`);
        }
      }
    }
  });

  it('the Finnish, Swedish and English notices have the same structure', () => {
    const shape = (doc: NoticeDocument) =>
      doc.sections.map((s) => ({
        id: s.id,
        covers: s.covers,
        blocks: s.blocks.map((b) => ({
          type: b.type,
          covers: b.covers,
          size: 'items' in b ? b.items.map((i) => (typeof i === 'object' && 'items' in i ? (i.items?.length ?? 0) : 1)) : 1,
        })),
      }));
    assert.deepEqual(shape(en), shape(fi));
    assert.deepEqual(shape(sv), shape(fi));
    for (const doc of [en, sv]) {
      assert.equal(doc.version, fi.version);
      assert.equal(doc.updated, fi.updated);
    }
    assert.deepEqual([fi.lang, sv.lang, en.lang], ['fi', 'sv', 'en']);
    assert.equal(fi.updated, '2018-05-24');
  });

  it('the Finnish notice holds every line of the seed verbatim', () => {
    const texts = allText(fi).join('\n');
    const skipped = new Set(['DATA PRIVACY', 'Tietosuojaseloste', 'Päivitetty 24.5.2018', 'TIETOPYYNTÖ']);
    const lines = seed
      .split('\n')
      .map(clean)
      .map((line) => line.replace(/^(•|\d+\.|[a-z]\.)\s*/, '').replace(/:$/, ''))
      .filter((line) => line && !skipped.has(line));
    assert.ok(lines.length > 80);
    const missing = lines.filter((line) => {
      if (texts.includes(line)) return false;
      // "Term: value" lines are split into a term and a value
      const [term, ...rest] = line.split(':');
      return !(rest.length && texts.includes(clean(term!)) && texts.includes(clean(rest.join(':'))));
    });
    assert.deepEqual(missing, []);
  });

  for (const [lang, doc] of [['en', en], ['sv', sv]] as const) {
    it(`the ${lang === 'en' ? 'English' : 'Swedish'} notice keeps every fact exactly as the seed has it`, () => {
      const texts = allText(doc).join('\n');
      const facts = [
        ...new Set([
          ...(clean(seed).match(/\+?\d[\d -]{3,}\d|[\w.]+@[\w.]+\w|https?:\/\/\S+[^.)\s]|\d+\.\d+\.\d{4}/g) ?? []),
          'OptimeSys Group Oy',
          'OptimeSys Oy',
          'OptimeSys Services Oy',
          'Sinikalliontie 3',
          'ESPOO',
          'Matti Neuvonen',
          'www.optimesys.fi',
          'Privacy Shield',
          'Tietosuojavaltuutetun toimisto',
        ]),
      ].filter((fact) => fact !== '24.5.2018'); // the date is rendered from `updated`
      assert.ok(facts.includes('2786805-3') && facts.includes('+358 40 167 6692'));
      assert.deepEqual(facts.filter((fact) => !texts.includes(fact)), []);
    });
  }
});

describe('checkNotice', () => {
  const codes = (doc: NoticeDocument) => checkNotice(doc).map((f) => f.code).sort();

  it('finds exactly the three gaps of the seed, in every language, and words them in each', () => {
    const expected = [
      'invalid-transfer-privacy-shield',
      'missing-automated-decisions',
      'missing-statutory-requirement',
    ];
    assert.deepEqual(codes(fi), expected);
    assert.deepEqual(codes(en), expected);
    assert.deepEqual(codes(sv), expected);
    for (const finding of checkNotice(fi)) assert.deepEqual(Object.keys(finding.message).sort(), [...LOCALES].sort(), finding.code);
    const shield = checkNotice(fi).find((f) => f.code === 'invalid-transfer-privacy-shield')!;
    assert.equal(shield.section, 'transfers');
    assert.match(shield.message.en, /C-311\/18/);
    assert.match(shield.message.fi, /C-311\/18/);
    assert.match(shield.message.sv, /C-311\/18/);
    assert.equal(checkNotice(fi).find((f) => f.code === 'missing-statutory-requirement')!.article, 'Art. 13(2)(e)');
    assert.equal(checkNotice(fi).find((f) => f.code === 'missing-automated-decisions')!.article, 'Art. 13(2)(f)');
  });

  it('reports what a document leaves out, and nothing it states', () => {
    const without = (doc: NoticeDocument, topic: string): NoticeDocument => ({
      ...doc,
      sections: doc.sections.map((s) => ({
        ...s,
        blocks: s.blocks.filter((b) => !b.covers?.includes(topic as never)),
      })),
    });
    assert.ok(codes(without(fi, 'complaint')).includes('missing-complaint'));
    assert.ok(codes(without(fi, 'withdraw-consent')).includes('missing-withdraw-consent'));
    assert.ok(codes(without(fi, 'retention')).includes('missing-retention'));
    assert.ok(!codes(fi).includes('missing-complaint'));
    assert.ok(!codes(fi).includes('missing-withdraw-consent'));
    // a fixed notice: a valid transfer mechanism and the two missing statements
    const fixed: NoticeDocument = {
      ...fi,
      sections: [
        ...fi.sections.map((s) =>
          s.id === 'transfers'
            ? {
                ...s,
                blocks: [{ type: 'paragraph' as const, text: 'Siirrot perustuvat vakiosopimuslausekkeisiin.', covers: ['transfers' as const] }],
              }
            : s,
        ),
        {
          id: 'obligation',
          heading: 'Tietojen antaminen ja automaattinen päätöksenteko',
          blocks: [
            { type: 'paragraph', text: 'Tietojen antaminen on vapaaehtoista.', covers: ['statutory-requirement'] },
            { type: 'paragraph', text: 'Automaattista päätöksentekoa ei käytetä.', covers: ['automated-decisions'] },
          ],
        },
      ],
    };
    assert.deepEqual(checkNotice(fixed), []);
  });
});
