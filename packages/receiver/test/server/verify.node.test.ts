import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { calculateJwkThumbprint, CompactSign, compactVerify, EmbeddedJWK, exportJWK, generateKeyPair } from 'jose';
import { canonicalJson } from '@optimesys/privacy-records/canonical';
import { keySigner, hmacSigner, InvalidRecordError, signRecord } from '@optimesys/privacy-records/sign';
import { verifyRecord } from '../../src/index.js';
import { isCanonicalJson } from '../../src/records/verify.js';
import { consentSample, requestSample } from '../../../records/test/samples.js';

const enc = new TextEncoder();
const b64 = (text: string) => Buffer.from(text).toString('base64url');

/** Signs any payload with any header using jose, bypassing signRecord's own checks. */
async function rawSign(payload: string, header: Record<string, unknown>, key: CryptoKey | Uint8Array): Promise<string> {
  return new CompactSign(enc.encode(payload)).setProtectedHeader(header as { alg: string }).sign(key);
}

async function es256Key() {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const { kty, crv, x, y } = await exportJWK(publicKey);
  const jwk = { kty, crv, x, y };
  return { privateKey, jwk, kid: await calculateJwkThumbprint(jwk, 'sha256') };
}

/** A browser-made ES256 record (Node's WebCrypto, per-page key). */
async function signed(record = consentSample()) {
  return signRecord(record, keySigner());
}

describe('verifyRecord', () => {
  let jws: string;
  let record: Awaited<ReturnType<typeof signed>>['record'];
  before(async () => ({ jws, record } = await signed()));

  test('accepts a signed consent record and returns it with the signer key thumbprint', async () => {
    const result = await verifyRecord(jws);
    assert.ok(result.ok, JSON.stringify(result));
    assert.deepEqual(result.record, record);
    assert.equal(result.kid, await calculateJwkThumbprint(result.jwk!, 'sha256'));
    assert.equal(result.record.signer.persistent, false, 'a key without IndexedDB says so in the record');
  });

  test('accepts a data request', async () => {
    const { jws: request } = await signed(requestSample() as never);
    const result = await verifyRecord(request);
    assert.ok(result.ok && result.record.type === 'data-request' && result.record.requestType === 'rectification');
  });

  test('refuses every one-character change anywhere in the JWS (header, payload, signature)', async () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    let checked = 0;
    for (let i = 0; i < jws.length; i++) {
      const at = alphabet.indexOf(jws[i]!);
      // Flip the lowest and the highest bit of the 6-bit value: the lowest bit of
      // a segment's last character is padding a lenient decoder would ignore.
      const substitutes = at < 0 ? ['A'] : [alphabet[at ^ 1]!, alphabet[at ^ 32]!];
      for (const c of substitutes) {
        const changed = jws.slice(0, i) + c + jws.slice(i + 1);
        const result = await verifyRecord(changed);
        assert.equal(result.ok, false, `change at ${i} (${jws[i]} → ${c}) was accepted`);
        checked++;
      }
    }
    assert.ok(checked >= jws.length * 2 - 2);
  });

  test('refuses a record signed by another key that copies the victim kid (and jwk)', async () => {
    const victim = await es256Key();
    const attacker = await es256Key();
    const payload = canonicalJson({ ...consentSample(), signer: { persistent: true } });
    const copiedBoth = await rawSign(payload, { alg: 'ES256', jwk: victim.jwk, kid: victim.kid }, attacker.privateKey);
    const r1 = await verifyRecord(copiedBoth);
    assert.ok(!r1.ok && r1.error.code === 'bad-signature', JSON.stringify(r1));
    const ownKeyCopiedKid = await rawSign(payload, { alg: 'ES256', jwk: attacker.jwk, kid: victim.kid }, attacker.privateKey);
    const r2 = await verifyRecord(ownKeyCopiedKid);
    assert.ok(!r2.ok && r2.error.code === 'kid-mismatch', JSON.stringify(r2));
    // The attacker's honest record verifies, under the attacker's kid.
    const honest = await verifyRecord(await rawSign(payload, { alg: 'ES256', jwk: attacker.jwk, kid: attacker.kid }, attacker.privateKey));
    assert.ok(honest.ok && honest.kid === attacker.kid && honest.kid !== victim.kid);
  });

  test('refuses a missing kid and a header key that is not a bare public P-256 key', async () => {
    const key = await es256Key();
    const { d } = await exportJWK(key.privateKey);
    const payload = canonicalJson({ ...consentSample(), signer: { persistent: true } });
    const noKid = await verifyRecord(await rawSign(payload, { alg: 'ES256', jwk: key.jwk }, key.privateKey));
    assert.ok(!noKid.ok && noKid.error.code === 'kid-mismatch');
    const withPrivate = await verifyRecord(await rawSign(payload, { alg: 'ES256', jwk: { ...key.jwk, d }, kid: key.kid }, key.privateKey));
    assert.ok(!withPrivate.ok && withPrivate.error.code === 'malformed', 'a header leaking the private key is refused');
    const noJwk = await verifyRecord(await rawSign(payload, { alg: 'ES256', kid: key.kid }, key.privateKey));
    assert.ok(!noJwk.ok && noJwk.error.code === 'malformed');
  });

  test('refuses a schema-invalid record with bad-schema and the issue paths', async () => {
    const key = await es256Key();
    const sign = (value: unknown) => rawSign(canonicalJson(value), { alg: 'ES256', jwk: key.jwk, kid: key.kid }, key.privateKey);
    const base = { ...consentSample(), signer: { persistent: true } };
    const cases: [unknown, string][] = [
      [{ ...base, subject: { email: 'not-an-address' } }, 'subject.email'],
      [{ ...base, tracking: 'extra field' }, ''],
      [{ ...base, decisions: [{ ...base.decisions[0], basis: 'contract' }] }, 'decisions.0.basis'],
      [{ ...base, issuedAt: '2026-11-25 10:00:00' }, 'issuedAt'],
      [{ ...base, signer: undefined }, 'signer'],
      [{ ...requestSample(), signer: { persistent: true }, details: '  ' }, 'details'],
    ];
    for (const [value, path] of cases) {
      const result = await verifyRecord(await sign(value));
      assert.ok(!result.ok && result.error.code === 'bad-schema', JSON.stringify(result));
      assert.ok(result.error.issues?.some((i) => i.path === path), `${path}: ${JSON.stringify(result.error.issues)}`);
    }
  });

  test('refuses a payload that is not its own canonical JSON (the signature must cover canonical bytes)', async () => {
    const key = await es256Key();
    const header = { alg: 'ES256', jwk: key.jwk, kid: key.kid };
    const value = { ...consentSample(), signer: { persistent: true } };
    const canonical = await rawSign(canonicalJson(value), header, key.privateKey);
    assert.ok((await verifyRecord(canonical)).ok);
    for (const payload of [JSON.stringify(value), JSON.stringify(value, null, 2), canonicalJson(value).replace('{', '{"type":"consent",')]) {
      const result = await verifyRecord(await rawSign(payload, header, key.privateKey));
      assert.ok(!result.ok && result.error.code === 'malformed', payload.slice(0, 60));
    }
  });

  test('the fast canonical check decides as RFC 8785 canonicalization does, index-like names and escapes included', () => {
    const texts = [
      '{"a":1,"b":[1,2,{"c":"d"}]}', // canonical
      '{"b":1,"a":2}', // names out of order
      '{"a":1.0}', // number not in shortest form
      '{"a":-0}',
      '{"a":1e21}',
      '{"a":"\\u00e4"}', // an escape JCS does not write
      '{"a":"ä"}',
      '{"a":"\\ud800"}', // a lone surrogate, escaped as JSON.stringify does
      '{"1":true,"10":true,"9":true}', // canonical: JCS sorts by code unit, JS objects put index-like names first
      '{"1":true,"9":true,"10":true}', // JS order, not canonical
      '{"a":1,"a":1}', // a name twice
      '{"a":{"z":1,"y":2}}', // nested names out of order
      '{ "a":1}',
      '[{"b":1,"a":2}]',
      '"text"',
      '{"":1,"a":{"":[]}}',
      '{"\u20ac":1,"\ud83d\ude00":2}', // € (U+20AC) before an astral character: UTF-16 order, not code points
      '{"\ud83d\ude00":2,"\uff61":1}',
    ];
    for (const text of texts) {
      const value = JSON.parse(text);
      let canonical: boolean;
      try {
        canonical = canonicalJson(value) === text;
      } catch {
        canonical = false; // JCS refuses a lone surrogate
      }
      assert.equal(isCanonicalJson(text, value), canonical, text);
    }
    assert.equal(isCanonicalJson('{"1":true,"10":true,"9":true}', JSON.parse('{"1":true,"10":true,"9":true}')), true);
    assert.equal(isCanonicalJson('{"a":1,"a":1}', JSON.parse('{"a":1,"a":1}')), false);
    assert.equal(isCanonicalJson('{"a":"\\ud800"}', JSON.parse('{"a":"\\ud800"}')), false);
  });

  test('refuses stale and future-dated records, accepting the edges of the window', async () => {
    const now = new Date('2026-11-25T12:00:00Z');
    const at = async (iso: string) => (await signed(consentSample({}, new Date(iso)))).jws;
    const verdict = async (iso: string, options = {}) => {
      const result = await verifyRecord(await at(iso), { now, ...options });
      return result.ok ? 'ok' : result.error.code;
    };
    assert.equal(await verdict('2026-11-25T12:05:00Z'), 'ok', 'five minutes of clock skew is fine');
    assert.equal(await verdict('2026-11-25T12:05:01Z'), 'future');
    assert.equal(await verdict('2026-11-26T12:00:00Z'), 'future');
    assert.equal(await verdict('2026-10-26T12:00:00Z'), 'ok', 'made offline 30 days ago, delivered now');
    assert.equal(await verdict('2026-10-26T11:59:59Z'), 'stale');
    assert.equal(await verdict('2026-11-25T11:00:00Z', { maxAgeSeconds: 600 }), 'stale');
    assert.equal(await verdict('2026-11-25T12:00:30Z', { maxSkewSeconds: 10 }), 'future');
  });

  test('refuses oversized input before parsing it', async () => {
    const small = await verifyRecord(jws, { maxBytes: jws.length - 1 });
    assert.ok(!small.ok && small.error.code === 'too-large');
    assert.ok((await verifyRecord(jws, { maxBytes: jws.length })).ok);
    const huge = await verifyRecord('a'.repeat(70_000));
    assert.ok(!huge.ok && huge.error.code === 'too-large', 'default limit is 64 KiB');
    // Multi-byte characters count as their UTF-8 bytes.
    const multibyte = await verifyRecord('ä'.repeat(40_000));
    assert.ok(!multibyte.ok && multibyte.error.code === 'too-large');
  });

  test('refuses alg none and algorithms outside the allow-list', async () => {
    const payload = b64(canonicalJson({ ...consentSample(), signer: { persistent: true } }));
    for (const alg of ['none', 'None', 'RS256', 'ES384', 'HS256', 'EdDSA', undefined]) {
      const header = b64(JSON.stringify(alg === undefined ? {} : { alg }));
      for (const jwsNone of [`${header}.${payload}.`, `${header}.${payload}.${b64('sig')}`]) {
        const result = await verifyRecord(jwsNone);
        assert.ok(!result.ok && result.error.code === 'unsupported-alg', `${alg}: ${JSON.stringify(result)}`);
      }
    }
  });

  test('accepts HS256 only with the configured secret', async () => {
    const secret = crypto.getRandomValues(new Uint8Array(32));
    const { jws: mac } = await signRecord(consentSample(), hmacSigner(secret, { kid: 'crm-import' }));
    const result = await verifyRecord(mac, { hmacSecret: secret });
    assert.ok(result.ok && result.kid === 'crm-import' && result.alg === 'HS256');
    const noSecret = await verifyRecord(mac);
    assert.ok(!noSecret.ok && noSecret.error.code === 'unsupported-alg');
    const wrong = await verifyRecord(mac, { hmacSecret: crypto.getRandomValues(new Uint8Array(32)) });
    assert.ok(!wrong.ok && wrong.error.code === 'bad-signature');
    const base64url = await verifyRecord(mac, { hmacSecret: Buffer.from(secret).toString('base64url') });
    assert.ok(base64url.ok, 'the secret may be given as base64url text');
  });

  test('never throws, whatever it is given', async () => {
    const inputs: unknown[] = [undefined, null, 42, {}, [], '', '.', '..', '...', 'a.b', 'a.b.c.d', '!!!.###.$$$', `${b64('[]')}.${b64('{}')}.`,
      `${b64('{"alg":"ES256"}')}.${b64('{}')}.AAAA`, `${b64('{"alg":"ES256","jwk":{"kty":"EC","crv":"P-256","x":"AA","y":"AA"}}')}.e30.AA`,
      `${b64('{"alg":"ES256"')}.e30.AA`, `\uD800.\uDFFF.x`];
    for (const input of inputs) {
      const result = await verifyRecord(input);
      assert.equal(result.ok, false, String(input));
      if (!result.ok) assert.ok(['malformed', 'unsupported-alg', 'too-large'].includes(result.error.code), `${String(input)} → ${result.error.code}`);
    }
  });

  describe('protected header: only alg, jwk and kid, each once (#11.12)', () => {
    const headerText = (key: Awaited<ReturnType<typeof es256Key>>, extra = '') =>
      `{"alg":"ES256","jwk":${JSON.stringify(key.jwk)},"kid":"${key.kid}"${extra}}`;
    /** Signs `header` (text, as is) and `payload` (the base64url segment) with WebCrypto. */
    async function signText(header: string, payloadSegment: string, privateKey: CryptoKey) {
      const input = `${b64(header)}.${payloadSegment}`;
      const signature = await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, privateKey, enc.encode(input));
      return `${input}.${Buffer.from(signature).toString('base64url')}`;
    }
    const payload = () => b64(canonicalJson({ ...consentSample(), signer: { persistent: true } }));
    const code = async (jws: string) => {
      const result = await verifyRecord(jws);
      return result.ok ? 'ok' : result.error.code;
    };

    test('the plain header of our signer still verifies (control)', async () => {
      const key = await es256Key();
      assert.equal(await code(await signText(headerText(key), payload(), key.privateKey)), 'ok');
    });

    test('refuses crit:["b64"] with b64:false (jose would read the payload segment unencoded)', async () => {
      const key = await es256Key();
      // Unencoded payload whose bytes are the base64url text: the signing input is the same
      // as an ordinary JWS, but a JOSE library returns the text, not the record.
      const segment = payload();
      const jws = await signText(headerText(key, ',"b64":false,"crit":["b64"]'), segment, key.privateKey);
      // jose accepts it and reads the segment as the payload bytes themselves
      const read = await compactVerify(jws, EmbeddedJWK);
      assert.equal(new TextDecoder().decode(read.payload), segment);
      assert.equal(await code(jws), 'malformed');
    });

    test('refuses jku and x5u (a verifier could fetch another key)', async () => {
      const key = await es256Key();
      for (const extra of [',"jku":"https://evil.example/jwks.json"', ',"x5u":"https://evil.example/cert.pem"', ',"typ":"JWT"', ',"zip":"DEF"']) {
        assert.equal(await code(await signText(headerText(key, extra), payload(), key.privateKey)), 'malformed', extra);
      }
    });

    test('refuses an unknown crit as malformed, not bad-signature', async () => {
      const key = await es256Key();
      const jws = await signText(headerText(key, ',"crit":["exp"],"exp":1'), payload(), key.privateKey);
      assert.equal(await code(jws), 'malformed');
    });

    test('refuses duplicate members in the header JSON, escaped or nested', async () => {
      const key = await es256Key();
      const jwk = JSON.stringify(key.jwk);
      for (const header of [
        `{"alg":"HS256","alg":"ES256","jwk":${jwk},"kid":"${key.kid}"}`,
        `{"alg":"ES256","jwk":${jwk},"kid":"other","kid":"${key.kid}"}`,
        `{"alg":"ES256","\\u0061lg":"ES256","jwk":${jwk},"kid":"${key.kid}"}`,
        `{"alg":"ES256","jwk":${jwk.replace('{', '{"x":"AAAA",')},"kid":"${key.kid}"}`,
      ]) {
        assert.equal(await code(await signText(header, payload(), key.privateKey)), 'malformed', header.slice(0, 50));
      }
    });
  });

  describe('calendar-impossible times (#11.13)', () => {
    test('refuses 31 November, 30 February and 29 February of a common year as bad-schema at issuedAt', async () => {
      const key = await es256Key();
      const now = new Date('2026-11-25T12:00:00Z');
      for (const issuedAt of ['2026-11-31T12:00:00Z', '2026-02-30T12:00:00Z', '2026-02-29T00:00:00.000Z', '2025-04-31T23:59:59Z']) {
        const jws = await rawSign(
          canonicalJson({ ...consentSample(), issuedAt, signer: { persistent: true } }),
          { alg: 'ES256', jwk: key.jwk, kid: key.kid },
          key.privateKey,
        );
        const result = await verifyRecord(jws, { now, maxAgeSeconds: 10 * 365 * 86_400, maxSkewSeconds: 86_400 * 30 });
        assert.ok(!result.ok && result.error.code === 'bad-schema', `${issuedAt}: ${JSON.stringify(result)}`);
        assert.deepEqual(result.error.issues?.map((i) => i.path), ['issuedAt']);
      }
      // A real leap day is fine.
      const leap = await rawSign(
        canonicalJson({ ...consentSample(), issuedAt: '2024-02-29T12:00:00.500Z', signer: { persistent: true } }),
        { alg: 'ES256', jwk: key.jwk, kid: key.kid },
        key.privateKey,
      );
      assert.ok((await verifyRecord(leap, { now, maxAgeSeconds: 10 * 365 * 86_400 })).ok);
    });

    test('signRecord refuses such a record before signing', async () => {
      const record = { ...consentSample(), issuedAt: '2026-11-31T12:00:00Z' };
      await assert.rejects(
        () => signRecord(record, keySigner()),
        (error: unknown) => error instanceof InvalidRecordError && error.issues[0]!.path[0] === 'issuedAt',
      );
    });
  });
});

describe('ES256 fast path (node:crypto) agrees with jose (#17)', () => {
  const N = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551');
  const toBytes = (n: bigint) => Buffer.from(n.toString(16).padStart(64, '0'), 'hex');

  /** Every variant of one signed record: valid, malleated (r, n−s), tampered, truncated, zero, r = n, another s, off-curve key. */
  async function variants() {
    const { jws } = await signed();
    const [h, p, sig] = jws.split('.') as [string, string, string];
    const bytes = Buffer.from(sig, 'base64url');
    const r = BigInt(`0x${bytes.subarray(0, 32).toString('hex')}`);
    const s = BigInt(`0x${bytes.subarray(32).toString('hex')}`);
    const flip = Buffer.from(bytes);
    flip[10]! ^= 1;
    const header = JSON.parse(Buffer.from(h, 'base64url').toString()) as { jwk: { x: string; y: string } };
    const y = Buffer.from(header.jwk.y, 'base64url');
    y[31]! ^= 1;
    const offCurve = b64(JSON.stringify({ ...header, jwk: { ...header.jwk, y: y.toString('base64url') } }));
    const other = (await signed()).jws.split('.')[1]!;
    return {
      valid: jws,
      malleated: `${h}.${p}.${Buffer.concat([toBytes(r), toBytes(N - s)]).toString('base64url')}`,
      flipped: `${h}.${p}.${flip.toString('base64url')}`,
      truncated: `${h}.${p}.${bytes.subarray(0, 63).toString('base64url')}`,
      der: `${h}.${p}.${Buffer.concat([Buffer.from([0x30, 0x44, 0x02, 0x20]), toBytes(r), Buffer.from([0x02, 0x20]), toBytes(s)]).toString('base64url')}`,
      zero: `${h}.${p}.${Buffer.alloc(64).toString('base64url')}`,
      rIsN: `${h}.${p}.${Buffer.concat([toBytes(N), toBytes(s)]).toString('base64url')}`,
      sPlusR: `${h}.${p}.${Buffer.concat([toBytes(r), toBytes((s + r) % N)]).toString('base64url')}`,
      otherPayload: `${h}.${other}.${sig}`,
      offCurve: `${offCurve}.${p}.${sig}`,
    };
  }

  test('jose and verifyRecord give the same verdict on every variant, for several keys', async () => {
    for (let round = 0; round < 5; round++) {
      for (const [name, jws] of Object.entries(await variants())) {
        const jose = await compactVerify(jws, EmbeddedJWK, { algorithms: ['ES256'] }).then(
          () => true,
          () => false,
        );
        const ours = await verifyRecord(jws);
        const signatureOk = ours.ok || !['bad-signature'].includes(ours.error.code);
        // The off-curve key changes the header: the kid no longer matches, refused before the signature.
        if (name === 'offCurve') {
          assert.equal(jose, false, 'jose refuses a key off the curve');
          assert.equal(ours.ok, false);
          continue;
        }
        assert.equal(signatureOk, jose, `${name}: jose ${jose}, ours ${JSON.stringify(ours.ok || ours.error)}`);
        if (name === 'valid' || name === 'malleated') assert.ok(ours.ok, name);
        else assert.ok(!ours.ok && ours.error.code === 'bad-signature', `${name}: ${JSON.stringify(ours)}`);
      }
    }
  });

  test('the fast path refuses a key off the curve even with a matching kid', async () => {
    const { verifyES256 } = await import('../../src/records/verify.js');
    const { jws } = await signed();
    const [h, p, sig] = jws.split('.') as [string, string, string];
    const { jwk } = JSON.parse(Buffer.from(h, 'base64url').toString()) as { jwk: { kty: 'EC'; crv: 'P-256'; x: string; y: string } };
    const y = Buffer.from(jwk.y, 'base64url');
    y[31]! ^= 1;
    const bad = { ...jwk, y: y.toString('base64url') };
    assert.equal(verifyES256(bad, await calculateJwkThumbprint(bad), `${h}.${p}`, Buffer.from(sig, 'base64url')), false);
    assert.equal(verifyES256(jwk, await calculateJwkThumbprint(jwk), `${h}.${p}`, Buffer.from(sig, 'base64url')), true);
  });
});
