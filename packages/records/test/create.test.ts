// The record helpers, as the forms use them in the browser.
import { expect } from '@open-wc/testing';
import { canonicalJson } from '../src/canonical.js';
import { normalizeEmail } from '../src/create.js';
import { Email } from '../src/schemas.js';
import { hmacSigner, signRecord } from '../src/sign.js';
import { requestSample } from './samples.js';

const valid = (email: string) => Email.safeParse(email).success;

describe('normalizeEmail', () => {
  it('turns an internationalized domain into the ASCII form the schema accepts', () => {
    expect(valid('matti@yhtiö.fi'), 'as typed, the schema refuses it').to.equal(false);
    expect(normalizeEmail('  matti@yhtiö.fi ')).to.equal('matti@xn--yhti-8qa.fi');
    expect(normalizeEmail('asa@Ålands-Bank.ax'), 'case folded as IDNA does').to.equal('asa@xn--lands-bank-05a.ax');
    expect(valid(normalizeEmail('matti@yhtiö.fi'))).to.equal(true);
  });

  it('keeps ASCII addresses and the local part exactly as typed, only trimmed', () => {
    expect(normalizeEmail(" O'Hara+News@Example.FI\n")).to.equal("O'Hara+News@Example.FI");
    expect(normalizeEmail('mäijä@example.fi'), 'a non-ASCII local part is not ours to change').to.equal('mäijä@example.fi');
  });

  it('never turns a broken address into a valid one', () => {
    for (const input of ['matti@yhtiö.fi/polku', 'matti@yhtiö.fi?x', 'matti@yhtiö .fi', '@yhtiö.fi', 'matti@', 'yhtiö.fi']) {
      const out = normalizeEmail(input);
      expect(valid(out), `${input} → ${out}`).to.equal(false);
    }
  });
});

describe('signRecord returns the record exactly as signed', () => {
  it('leaves out optional members set to undefined, as the payload does', async () => {
    const input = requestSample({ subject: { name: 'Åsa Öhman', email: 'asa@example.fi', organisation: undefined, phone: undefined } });
    const { jws, record } = await signRecord(input, hmacSigner(crypto.getRandomValues(new Uint8Array(32))));
    const payload = JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(jws.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0))));
    expect(Object.keys(record.subject).sort()).to.deep.equal(['email', 'name']);
    expect(record).to.deep.equal(payload);
    expect(canonicalJson(record)).to.equal(canonicalJson(payload));
  });
});

describe('canonicalJson', () => {
  it('refuses functions instead of writing text that is not JSON', () => {
    expect(() => canonicalJson({ a: 1, b: () => 1 })).to.throw(TypeError);
    expect(() => canonicalJson([1, () => 1])).to.throw(TypeError);
    // What JSON.stringify drops quietly stays dropped: undefined members.
    expect(canonicalJson({ a: undefined, b: [undefined] })).to.equal('{"b":[null]}');
  });
});
