import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createServerKey } from '../../src/records/countersign.js';
import { createLinkTokens, TOKEN_LIFETIMES } from '../../src/mail/link-tokens.js';

const RECORD = '0b6f3c1e-8a41-4c52-9d3e-2f7a6b1c9e04';
const ADDRESS = 'maija.meikalainen@example.fi';
const now = new Date('2026-12-03T05:00:00Z');
const DAY = 86_400_000;

describe('link tokens', async () => {
  const jwk = await createServerKey();
  const tokens = createLinkTokens(jwk.d!);

  it('a confirm token round-trips to its record, address hash, language and expiry', () => {
    const token = tokens.issue({ kind: 'confirm', recordId: RECORD, address: ADDRESS, locale: 'en' }, { now });
    assert.match(token, /^[A-Za-z0-9_-]+$/);
    const result = tokens.verify(token, { kind: 'confirm', now, expect: { recordId: RECORD, address: ADDRESS } });
    assert.ok(result.ok);
    assert.equal(result.recordId, RECORD);
    assert.equal(result.addressHash, tokens.addressHash(ADDRESS));
    assert.equal(result.locale, 'en');
    assert.equal(result.expiresAt.getTime(), now.getTime() + 7 * DAY);
    assert.match(result.tokenId, /^[0-9a-f]{32}$/);
  });

  it('the language is byte 2 of the token: fi 0, en 1, sv 2, so tokens mailed before Swedish keep theirs', () => {
    for (const [index, locale] of (['fi', 'en', 'sv'] as const).entries()) {
      for (const claims of [
        { kind: 'confirm', recordId: RECORD, address: ADDRESS, locale },
        { kind: 'restore', recordId: RECORD, address: ADDRESS, locale },
        { kind: 'prefs', address: ADDRESS, locale },
        { kind: 'unsubscribe', address: ADDRESS, purpose: 'newsletter', locale },
      ] as const) {
        const token = tokens.issue(claims, { now });
        assert.equal(Buffer.from(token, 'base64url')[2], index, `${claims.kind} ${locale}`);
        const result = tokens.verify(token, { kind: claims.kind, now });
        assert.ok(result.ok);
        assert.equal(result.locale, locale);
      }
    }
  });

  it('prefs and unsubscribe tokens carry their bindings and default lifetimes', () => {
    const prefs = tokens.verify(tokens.issue({ kind: 'prefs', address: ADDRESS, locale: 'fi' }, { now }), { kind: 'prefs', now });
    assert.ok(prefs.ok);
    assert.equal(prefs.expiresAt.getTime(), now.getTime() + TOKEN_LIFETIMES.prefs);
    assert.equal(prefs.recordId, undefined);
    const unsub = tokens.issue({ kind: 'unsubscribe', address: ADDRESS, purpose: 'newsletter', locale: 'fi' }, { now });
    const later = new Date(now.getTime() + 2 * 365 * DAY);
    const result = tokens.verify(unsub, { kind: 'unsubscribe', now: later, expect: { purpose: 'newsletter', address: ADDRESS } });
    assert.ok(result.ok);
    assert.equal(result.purpose, 'newsletter');
    assert.deepEqual(tokens.verify(unsub, { kind: 'unsubscribe', now, expect: { purpose: 'blog' } }), { ok: false, reason: 'tampered' });
  });

  it('prefs and unsubscribe tokens give back the address they act for (sealed in, canonical form); every flipped bit is refused', () => {
    const unsub = tokens.issue({ kind: 'unsubscribe', address: 'Maija.Meikalainen@Example.FI', purpose: 'newsletter', locale: 'en' }, { now });
    const result = tokens.verify(unsub, { kind: 'unsubscribe', now });
    assert.ok(result.ok);
    assert.equal(result.address, 'maija.meikalainen@example.fi');
    assert.equal(result.addressHash, tokens.addressHash('maija.meikalainen@example.fi'));
    const prefs = tokens.verify(tokens.issue({ kind: 'prefs', address: ADDRESS, locale: 'fi' }, { now }), { kind: 'prefs', now });
    assert.ok(prefs.ok && prefs.address === ADDRESS.toLowerCase());
    const confirm = tokens.verify(tokens.issue({ kind: 'confirm', recordId: RECORD, address: ADDRESS, locale: 'fi' }, { now }), { kind: 'confirm', now });
    assert.ok(confirm.ok && confirm.address === undefined, 'a confirm token carries no address');
    const bytes = Buffer.from(unsub, 'base64url');
    for (let i = 0; i < bytes.length; i++) {
      const copy = Buffer.from(bytes);
      copy[i]! ^= 0x01;
      assert.equal(tokens.verify(copy.toString('base64url'), { kind: 'unsubscribe', now }).ok, false, `byte ${i}`);
    }
  });

  it('every flipped bit of a token is refused', () => {
    const token = tokens.issue({ kind: 'confirm', recordId: RECORD, address: ADDRESS, locale: 'fi' }, { now });
    const bytes = Buffer.from(token, 'base64url');
    for (let i = 0; i < bytes.length; i++) {
      for (const bit of [0x01, 0x80]) {
        const copy = Buffer.from(bytes);
        copy[i]! ^= bit;
        const result = tokens.verify(copy.toString('base64url'), { kind: 'confirm', now });
        assert.equal(result.ok, false, `byte ${i} bit ${bit}`);
        assert.ok(!result.ok && (result.reason === 'tampered' || result.reason === 'malformed'), `byte ${i}`);
      }
    }
    // a changed record id byte (inside the body) is a MAC failure, not a different record
    const copy = Buffer.from(bytes);
    copy[10]! ^= 1;
    assert.deepEqual(tokens.verify(copy.toString('base64url'), { kind: 'confirm', now }), { ok: false, reason: 'tampered' });
  });

  it('an expired token is refused, in the language it was issued in', () => {
    const token = tokens.issue({ kind: 'confirm', recordId: RECORD, address: ADDRESS, locale: 'en' }, { now });
    const justBefore = new Date(now.getTime() + 7 * DAY - 1000);
    assert.equal(tokens.verify(token, { kind: 'confirm', now: justBefore }).ok, true);
    assert.deepEqual(tokens.verify(token, { kind: 'confirm', now: new Date(now.getTime() + 7 * DAY) }), {
      ok: false,
      reason: 'expired',
      locale: 'en',
    });
  });

  it('a token of another kind is refused', () => {
    const prefs = tokens.issue({ kind: 'prefs', address: ADDRESS, locale: 'fi' }, { now });
    assert.deepEqual(tokens.verify(prefs, { kind: 'confirm', now }), { ok: false, reason: 'wrong-kind', locale: 'fi' });
  });

  it('a token bound to another record or address is refused', () => {
    const token = tokens.issue({ kind: 'confirm', recordId: RECORD, address: ADDRESS, locale: 'fi' }, { now });
    const other = '1b6f3c1e-8a41-4c52-9d3e-2f7a6b1c9e04';
    assert.deepEqual(tokens.verify(token, { kind: 'confirm', now, expect: { recordId: other } }), { ok: false, reason: 'tampered' });
    assert.deepEqual(tokens.verify(token, { kind: 'confirm', now, expect: { address: 'matti@example.fi' } }), {
      ok: false,
      reason: 'tampered',
    });
    // the same mailbox written differently is the same address
    assert.equal(tokens.verify(token, { kind: 'confirm', now, expect: { address: ' Maija.Meikalainen@EXAMPLE.fi ' } }).ok, true);
  });

  it('garbage is malformed', () => {
    for (const bad of ['', 'abc', 'not a token at all!', 'A'.repeat(500), Buffer.alloc(40).toString('base64url')]) {
      const result = tokens.verify(bad, { kind: 'confirm', now });
      assert.deepEqual(result, { ok: false, reason: 'malformed' }, bad);
    }
  });

  it('the token text holds no trace of the address', () => {
    const address = 'a.very.recognisable.person@example.fi';
    const token = tokens.issue({ kind: 'prefs', address, locale: 'fi' }, { now });
    const decoded = Buffer.from(token, 'base64url').toString('latin1');
    for (const text of [token, decoded, decodeURIComponent(token)]) {
      assert.ok(!text.toLowerCase().includes('recognisable'));
      assert.ok(!text.toLowerCase().includes('example'));
    }
    assert.ok(!token.includes(Buffer.from(address).toString('base64url').slice(0, 12)));
    // The address is sealed in (prefs and unsubscribe links act for an address): still one short line.
    assert.ok(token.length < 120, `short enough for a plain-text mail: ${token.length}`);
  });

  it('two receivers sharing the key file agree; another key refuses', async () => {
    const second = createLinkTokens({ ...jwk }); // the whole JWK works too
    const token = tokens.issue({ kind: 'confirm', recordId: RECORD, address: ADDRESS, locale: 'fi' }, { now });
    assert.equal(second.verify(token, { kind: 'confirm', now }).ok, true);
    assert.equal(second.addressHash(ADDRESS), tokens.addressHash(ADDRESS));
    const stranger = createLinkTokens((await createServerKey()).d!);
    assert.deepEqual(stranger.verify(token, { kind: 'confirm', now }), { ok: false, reason: 'tampered' });
    assert.notEqual(stranger.addressHash(ADDRESS), tokens.addressHash(ADDRESS));
  });

  it('refuses a secret too short to be a key', () => {
    assert.throws(() => createLinkTokens(new Uint8Array(8)), TypeError);
  });
});
