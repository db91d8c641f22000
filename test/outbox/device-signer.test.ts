import { expect } from '@open-wc/testing';
import { base64url, calculateJwkThumbprint, compactVerify, decodeProtectedHeader, EmbeddedJWK } from 'jose';
import { canonicalJson } from '@optimesys/privacy-records/canonical';
import { openDb } from '../../src/outbox/idb.js';
import { b64url, b64urlDecode, jwkThumbprint, publicJwk } from '@optimesys/privacy-records/jws';
import { hmacSigner, InvalidRecordError, signRecord } from '@optimesys/privacy-records/sign';
import { deviceSigner } from '../../src/outbox/device-signer.js';
import { call, endpoint, openFrame, reloadFrame, unique } from './frames.js';
import { consentSample, requestSample } from '../../packages/records/test/samples.js';

const decoder = new TextDecoder();

describe('signRecord with deviceSigner', () => {
  it('makes a JWS that jose verifies in this browser: ES256, public jwk, kid = RFC 7638 thumbprint, canonical payload', async () => {
    const { jws, record } = await signRecord(consentSample(), deviceSigner());
    const { payload, protectedHeader } = await compactVerify(jws, EmbeddedJWK, { algorithms: ['ES256'] });
    expect(protectedHeader.alg).to.equal('ES256');
    expect(Object.keys(protectedHeader.jwk!).sort()).to.deep.equal(['crv', 'kty', 'x', 'y']);
    expect(protectedHeader.kid).to.equal(await calculateJwkThumbprint(protectedHeader.jwk!, 'sha256'));
    expect(decoder.decode(payload)).to.equal(canonicalJson(record));
    expect(JSON.parse(decoder.decode(payload))).to.deep.equal(record);
    expect(record.signer.persistent, 'IndexedDB keeps the key').to.equal(true);
  });

  it('makes a JWS that jose verifies in Node, and that verifyRecord accepts', async () => {
    const { jws, record } = await signRecord(requestSample(), deviceSigner());
    const jose = await endpoint('jose-verify', jws);
    expect(jose.ok, JSON.stringify(jose)).to.equal(true);
    expect(jose.header.kid).to.equal(jose.thumbprint);
    expect(JSON.parse(jose.payload)).to.deep.equal(record);
    const ours = await endpoint('verify-record', jws);
    expect(ours.ok, JSON.stringify(ours)).to.equal(true);
    expect(ours.kid).to.equal(jose.thumbprint);
  });

  it('keeps the private key non-extractable in IndexedDB', async () => {
    const dbName = unique('sign');
    const { kid } = await deviceSigner({ dbName }).key();
    const db = await openDb(dbName);
    const stored = await db.get<{ privateKey: CryptoKey; kid: string }>('keys', 'device');
    db.close();
    expect(stored!.kid).to.equal(kid);
    expect(stored!.privateKey.extractable).to.equal(false);
    let exported = true;
    await crypto.subtle.exportKey('jwk', stored!.privateKey).catch(() => (exported = false));
    expect(exported, 'exportKey must fail').to.equal(false);
  });

  it('uses the same key after a reload (same kid in a freshly loaded page), and in this page too', async () => {
    const frame = await openFrame();
    try {
      const first = await call(frame, 'deviceKey');
      await reloadFrame(frame);
      const second = await call(frame, 'deviceKey');
      expect(first.persistent).to.equal(true);
      expect(second.kid).to.equal(first.kid);
      expect((await deviceSigner().key()).kid).to.equal(first.kid);
    } finally {
      frame.remove();
    }
  });

  it('two pages creating the key at the same moment end up with one key', async () => {
    const dbName = unique('race');
    const frames = await Promise.all([openFrame(), openFrame(), openFrame()]);
    try {
      const keys = await Promise.all(frames.map((f) => call(f, 'deviceKey', dbName)));
      expect(new Set(keys.map((k) => k.kid)).size, JSON.stringify(keys)).to.equal(1);
      expect((await deviceSigner({ dbName }).key()).kid).to.equal(keys[0]!.kid);
    } finally {
      frames.forEach((f) => f.remove());
    }
  });

  it('without IndexedDB signs with a per-page key and says so in the record', async () => {
    const { jws, record } = await signRecord(consentSample(), deviceSigner({ indexedDB: null }));
    expect(record.signer.persistent).to.equal(false);
    const { protectedHeader } = await compactVerify(jws, EmbeddedJWK);
    expect(protectedHeader.kid).to.not.equal((await deviceSigner().key()).kid);
    const other = await deviceSigner({ indexedDB: null }).key();
    expect(other.kid, 'each page gets its own key').to.not.equal(protectedHeader.kid);
  });

  it('refuses to sign a record the schemas refuse, naming the field', async () => {
    let error: unknown;
    await signRecord({ ...consentSample(), subject: { email: 'maija@' } }, deviceSigner()).catch((e) => (error = e));
    expect(error).to.be.instanceOf(InvalidRecordError);
    expect((error as InvalidRecordError).issues[0]!.path).to.deep.equal(['subject', 'email']);
    expect((error as InvalidRecordError).issues[0]!.message).to.equal('invalid-email');
  });
});

describe('hmacSigner', () => {
  it('makes HS256 JWS that jose verifies with the secret, with no key in the header', async () => {
    const secret = crypto.getRandomValues(new Uint8Array(32));
    const { jws, record } = await signRecord(consentSample(), hmacSigner(secret, { kid: 'backend-1' }));
    const { payload, protectedHeader } = await compactVerify(jws, secret, { algorithms: ['HS256'] });
    expect(protectedHeader).to.deep.equal({ alg: 'HS256', kid: 'backend-1' });
    expect(decoder.decode(payload)).to.equal(canonicalJson(record));
    let refused = false;
    await compactVerify(jws, crypto.getRandomValues(new Uint8Array(32))).catch(() => (refused = true));
    expect(refused).to.equal(true);
  });

  it('refuses short secrets', () => {
    expect(() => hmacSigner(new Uint8Array(16))).to.throw(RangeError);
  });
});

describe('JWS building blocks agree with jose', () => {
  it('base64url encodes and decodes like jose, and refuses non-canonical text', () => {
    for (const length of [0, 1, 2, 3, 4, 31, 32, 33, 64, 1000, 70000]) {
      const bytes = crypto.getRandomValues(new Uint8Array(Math.min(length, 65536)));
      const text = b64url(bytes);
      expect(text).to.equal(base64url.encode(bytes));
      expect(Array.from(b64urlDecode(text))).to.deep.equal(Array.from(bytes));
    }
    expect(() => b64urlDecode('AB')).to.throw(); // "AB" has stray bits: "AA" is the canonical form of that byte
    expect(() => b64urlDecode('AA==')).to.throw();
    expect(() => b64urlDecode('A+/A')).to.throw();
  });

  it('computes RFC 7638 thumbprints like jose', async () => {
    for (let i = 0; i < 5; i++) {
      const pair = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign']);
      const jwk = publicJwk(await crypto.subtle.exportKey('jwk', pair.publicKey));
      expect(await jwkThumbprint(jwk)).to.equal(await calculateJwkThumbprint(jwk, 'sha256'));
    }
    // The header as decoded by jose carries exactly our kid.
    const { jws } = await signRecord(consentSample(), deviceSigner());
    const header = decodeProtectedHeader(jws);
    expect(header.kid).to.equal(await jwkThumbprint(header.jwk as never));
  });
});
