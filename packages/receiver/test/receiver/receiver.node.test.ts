import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { compactVerify, createLocalJWKSet } from 'jose';
import { verifyReceipt } from '@optimesys/privacy-records/receipt';
import { startReceiver, type RunningReceiver } from '../../src/receiver.js';
import { config, consentRecord, dataRequest, post, signRaw, signed } from './helpers.js';

describe('receiver: POST /api/records', () => {
  let receiver: RunningReceiver;
  before(async () => {
    receiver = await startReceiver(config({ rateLimit: false, maxBytes: 16_384, allowedOrigins: ['https://www.optimesys.fi'] }));
  });
  after(() => receiver.close());

  it('verifies, stores and answers 201 with a receipt that verifies against the published JWKS', async () => {
    const { jws, record } = await signed(consentRecord());
    const response = await post(receiver.url, jws);
    assert.equal(response.status, 201);
    const receipt = (await response.json()) as { recordId: string; status: string; receipt: string };
    assert.equal(receipt.recordId, record.id);
    assert.equal(receipt.status, 'stored');
    const jwks = (await (await fetch(new URL('/.well-known/jwks.json', receiver.url))).json()) as { keys: [] };
    // jose itself, not only our own check
    await compactVerify(receipt.receipt, createLocalJWKSet(jwks));
    assert.equal((await verifyReceipt(receipt.receipt, jwks, jws)).ok, true);
    const row = await receiver.store.get(record.id);
    assert.equal(row?.jws, jws);
    assert.deepEqual(row?.record, record);
  });

  it('answers the same record again with 200 and the same receipt, storing it once', async () => {
    const { jws, record } = await signed(consentRecord());
    const first = (await (await post(receiver.url, jws)).json()) as { receipt: string };
    const before = await receiver.store.count();
    const again = await post(receiver.url, jws);
    assert.equal(again.status, 200);
    const body = (await again.json()) as { receipt: string; status: string };
    assert.equal(body.receipt, first.receipt);
    assert.equal(body.status, 'duplicate');
    assert.equal(await receiver.store.count(), before);
    assert.ok(await receiver.store.get(record.id));
  });

  it('refuses the same id with different content with 409', async () => {
    const original = consentRecord();
    const { jws, record } = await signed(original);
    await post(receiver.url, jws);
    const changed = await signed({ ...original, decisions: [{ ...original.decisions[0]!, granted: false }] });
    const response = await post(receiver.url, changed.jws);
    assert.equal(response.status, 409);
    assert.equal(((await response.json()) as { error: { code: string } }).error.code, 'conflict');
    assert.equal((await receiver.store.get(record.id))!.jws, jws);
  });

  it('refuses a bad signature, a bad schema and a stale record with 400 and the typed error', async () => {
    const { jws } = await signed(consentRecord());
    const [h, p, s] = jws.split('.');
    const flipped = `${h}.${p}.${s!.slice(0, 10)}${s![10] === 'A' ? 'B' : 'A'}${s!.slice(11)}`;
    const old = await signed(consentRecord(undefined, true, new Date(Date.now() - 90 * 86_400_000)));
    const badSchema = await signRaw({ ...consentRecord(), signer: { persistent: true }, subject: { email: 'not an address' } });
    for (const [body, code] of [
      [flipped, 'bad-signature'],
      [badSchema, 'bad-schema'],
      [old.jws, 'stale'],
      ['not.a.jws!', 'malformed'],
    ] as const) {
      const response = await post(receiver.url, body);
      assert.equal(response.status, 400, code);
      const error = ((await response.json()) as { error: { code: string; message: string } }).error;
      assert.equal(error.code, code);
      assert.ok(error.message.length > 0);
    }
  });

  it('refuses a body over the limit with 413 while reading, declared or streamed', async () => {
    const big = 'x'.repeat(20_000);
    assert.equal((await post(receiver.url, big)).status, 413);
    // streamed without a length: refused once the limit is passed
    const status = await new Promise<number>((resolve, reject) => {
      const url = new URL('/api/records', receiver.url);
      const req = request(url, { method: 'POST', headers: { 'content-type': 'application/jose', 'transfer-encoding': 'chunked' } }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
      req.on('error', reject);
      let sent = 0;
      const write = () => {
        while (sent < 200_000) {
          sent += 1000;
          if (!req.write('y'.repeat(1000))) return void req.once('drain', write);
        }
        req.end();
      };
      write();
    });
    assert.equal(status, 413);
  });

  it('refuses the wrong content type with 415 and other methods with 405', async () => {
    const { jws } = await signed(consentRecord());
    assert.equal((await post(receiver.url, jws, { 'content-type': 'application/json' })).status, 415);
    const get = await fetch(new URL('/api/records', receiver.url));
    assert.equal(get.status, 405);
  });

  it('allows CORS only for configured origins', async () => {
    const preflight = (origin: string) =>
      fetch(new URL('/api/records', receiver.url), {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
      });
    const allowed = await preflight('https://www.optimesys.fi');
    assert.equal(allowed.status, 204);
    assert.equal(allowed.headers.get('access-control-allow-origin'), 'https://www.optimesys.fi');
    const other = await preflight('https://evil.example');
    assert.equal(other.status, 403);
    assert.equal(other.headers.get('access-control-allow-origin'), null);
    const { jws } = await signed(consentRecord());
    assert.equal((await post(receiver.url, jws, { origin: 'https://evil.example' })).status, 403);
    // An allowed site's page can read refusals too (else a 400 would look like a network failure
    // and be retried for ever), and the Retry-After of a 429.
    const refused = await post(receiver.url, 'not-a-jws', { origin: 'https://www.optimesys.fi' });
    assert.equal(refused.status, 400);
    assert.equal(refused.headers.get('access-control-allow-origin'), 'https://www.optimesys.fi');
    assert.match(refused.headers.get('access-control-expose-headers') ?? '', /retry-after/i);
  });

  it('gives receipts (201, 200) the security, cache and CORS headers every other answer has', async () => {
    const origin = 'https://www.optimesys.fi';
    const { jws } = await signed(consentRecord());
    const stored = await post(receiver.url, jws, { origin });
    const repeat = await post(receiver.url, jws, { origin });
    const refused = await post(receiver.url, 'not-a-jws', { origin });
    const jwks = await fetch(new URL('/.well-known/jwks.json', receiver.url));
    assert.deepEqual([stored.status, repeat.status, refused.status], [201, 200, 400]);
    const security = [
      ['cross-origin-resource-policy', 'same-origin'],
      ['cross-origin-opener-policy', 'same-origin'],
      ['origin-agent-cluster', '?1'],
      ['referrer-policy', 'same-origin'],
      ['x-content-type-options', 'nosniff'],
      ['x-dns-prefetch-control', 'off'],
      ['x-download-options', 'noopen'],
      ['x-frame-options', 'SAMEORIGIN'],
      ['x-permitted-cross-domain-policies', 'none'],
      ['x-xss-protection', '0'],
    ];
    for (const response of [stored, repeat, refused, jwks]) {
      for (const [name, value] of security) assert.equal(response.headers.get(name!), value, `${response.status} ${name}`);
      assert.equal(response.headers.get('strict-transport-security'), null);
    }
    for (const response of [stored, repeat, refused]) {
      assert.equal(response.headers.get('cache-control'), 'no-store', String(response.status));
      assert.equal(response.headers.get('access-control-allow-origin'), origin);
      assert.match(response.headers.get('access-control-expose-headers') ?? '', /^retry-after$/i);
      assert.match(response.headers.get('vary') ?? '', /\borigin\b/i);
      assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
    }
    // Same origin (no Origin header): no CORS grant on a receipt.
    const own = await post(receiver.url, (await signed(consentRecord())).jws);
    assert.equal(own.status, 201);
    assert.equal(own.headers.get('access-control-allow-origin'), null);
    await Promise.all([stored, repeat, refused, jwks, own].map((r) => r.body?.cancel()));
  });

  it('answers garbage with a 4xx, never a 500 or a stack trace', async () => {
    const bodies = ['', '.', '..', 'a.b.c', '{}', '\u0000\u0001', 'é'.repeat(100), `${'e30'}.${'e30'}.${'e30'}`, 'eyJhbGciOiJub25lIn0.e30.'];
    for (const body of bodies) {
      const response = await post(receiver.url, body);
      const text = await response.text();
      assert.ok(response.status >= 400 && response.status < 500, `${JSON.stringify(body)} → ${response.status}`);
      assert.doesNotMatch(text, /\bat \S+ \(|node:internal|\.ts:\d+/);
    }
  });

  it('stores one row for 1,000 concurrent copies of one record', async () => {
    const { jws, record } = await signed(consentRecord());
    const statuses = await Promise.all(Array.from({ length: 1000 }, () => post(receiver.url, jws).then((r) => r.status)));
    assert.equal(statuses.filter((s) => s === 201).length, 1);
    assert.equal(statuses.filter((s) => s === 200).length, 999);
    let rows = 0;
    for await (const row of receiver.store.all()) if (row.id === record.id) rows++;
    assert.equal(rows, 1);
  });

  it('gives a data request its statutory due date, one month after arrival', async () => {
    const { jws } = await signed(dataRequest());
    const receipt = (await (await post(receiver.url, jws)).json()) as { dueBy: string; receivedAt: string };
    const received = new Date(receipt.receivedAt);
    const due = new Date(`${receipt.dueBy}T12:00:00Z`);
    const months = (due.getUTCFullYear() - received.getUTCFullYear()) * 12 + due.getUTCMonth() - received.getUTCMonth();
    assert.equal(months, 1);
  });
});

describe('receiver: rate limit', () => {
  let receiver: RunningReceiver;
  before(async () => {
    receiver = await startReceiver(config({ rateLimit: { burst: 3, perSecond: 1 } }));
  });
  after(() => receiver.close());

  it('answers a burst from one address with 429 and Retry-After', async () => {
    const responses = [];
    for (let i = 0; i < 5; i++) responses.push(await post(receiver.url, (await signed(consentRecord())).jws));
    assert.deepEqual(
      responses.map((r) => r.status),
      [201, 201, 201, 429, 429],
    );
    assert.ok(Number(responses[3]!.headers.get('retry-after')) >= 1);
  });
});
