import { expect } from '@open-wc/testing';
import { canonicalJson } from '../src/canonical.js';
import { noticeDigest } from '../src/digest.js';

// Examples from RFC 8785 (JSON Canonicalization Scheme).
describe('canonicalJson (RFC 8785)', () => {
  it('formats numbers as ECMAScript does (RFC 8785 §3.2.2.3 and Appendix B)', () => {
    const cases: [number, string][] = [
      [333333333.33333329, '333333333.3333333'],
      [1e30, '1e+30'],
      [4.5, '4.5'],
      [2e-3, '0.002'],
      [0.000001, '0.000001'],
      [1e-7, '1e-7'],
      [1e21, '1e+21'],
      [1e20, '100000000000000000000'],
      [-0, '0'],
      [0, '0'],
      [9007199254740992, '9007199254740992'],
      [295147905179352830000, '295147905179352830000'],
      [5e-324, '5e-324'],
      [-1.7976931348623157e308, '-1.7976931348623157e+308'],
    ];
    for (const [value, text] of cases) expect(canonicalJson(value), String(value)).to.equal(text);
  });

  it('serializes the RFC 8785 §3.2.2 example exactly', () => {
    const input = JSON.parse(
      '{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000001],' +
        ' "string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/",' +
        ' "literals": [null, true, false]}',
    );
    expect(canonicalJson(input)).to.equal(
      '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,0.000001],' +
        '"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
    );
  });

  it('sorts keys by UTF-16 code units (RFC 8785 §3.2.3), not by code points', () => {
    const input = {
      '\u20ac': 'Euro Sign',
      '\r': 'Carriage Return',
      '\ufb33': 'Hebrew Letter Dalet With Dagesh',
      '1': 'One',
      '\ud83d\ude00': 'Emoji: Grinning Face',
      '\u0080': 'Control',
      '\u00f6': 'Latin Small Letter O With Diaeresis',
    };
    // Read the order from the text: JS objects list integer-like keys ("1") first.
    const text = canonicalJson(input);
    const positions = Object.values(input).map((v) => [v, text.indexOf(`"${v}"`)] as const);
    positions.sort((a, b) => a[1] - b[1]);
    expect(positions.map(([v]) => v)).to.deep.equal([
      'Carriage Return',
      'One',
      'Control',
      'Latin Small Letter O With Diaeresis',
      'Euro Sign',
      'Emoji: Grinning Face',
      'Hebrew Letter Dalet With Dagesh',
    ]);
    expect(text.startsWith('{"\\r":"Carriage Return","1":"One","\u0080":"Control"')).to.equal(true);
  });

  it('escapes only what JSON requires; keeps non-ASCII as is', () => {
    expect(canonicalJson('\u0000\b\t\n\f\r\u001f"\\/\u007fÄ€😀')).to.equal('"\\u0000\\b\\t\\n\\f\\r\\u001f\\"\\\\/\u007fÄ€😀"');
  });

  it('nests: sorts every level, keeps array order, drops no values', () => {
    expect(canonicalJson({ b: [3, { z: 1, a: null }], a: { y: true, x: 'x' } })).to.equal('{"a":{"x":"x","y":true},"b":[3,{"a":null,"z":1}]}');
  });

  it('refuses what JSON cannot hold instead of signing something else', () => {
    expect(() => canonicalJson(NaN)).to.throw();
    expect(() => canonicalJson({ a: Infinity })).to.throw();
    expect(() => canonicalJson('\ud800')).to.throw();
    expect(() => canonicalJson(undefined)).to.throw();
  });
});

describe('noticeDigest', () => {
  const doc = { version: '2026-05-24', sections: [{ id: 'purposes', title: 'Tarkoitukset', body: 'Käsittelemme…' }] };

  it('is the SHA-256 of the canonical JSON: key order does not matter, content does', async () => {
    const digest = await noticeDigest(doc);
    expect(digest).to.match(/^[0-9a-f]{64}$/);
    const reordered = { sections: [{ body: 'Käsittelemme…', title: 'Tarkoitukset', id: 'purposes' }], version: '2026-05-24' };
    expect(await noticeDigest(reordered)).to.equal(digest);
    const edited = { ...doc, sections: [{ ...doc.sections[0], body: 'Käsittelemme.' }] };
    expect(await noticeDigest(edited)).to.not.equal(digest);
    const bytes = new TextEncoder().encode(canonicalJson(doc));
    const expected = Array.from(new Uint8Array(await crypto.subtle.digest('SHA-256', bytes)), (b) => b.toString(16).padStart(2, '0')).join('');
    expect(digest).to.equal(expected);
  });

  it('matches a known SHA-256 (the empty object)', async () => {
    expect(await noticeDigest({})).to.equal('44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a');
  });
});
