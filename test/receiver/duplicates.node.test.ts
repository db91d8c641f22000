import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { deviceSigner, signRecord } from '../../src/records/sign.js';
import { startReceiver, type RunningReceiver } from '../../src/server/receiver/receiver.js';
import { config, consentRecord, post } from './helpers.js';

const P256_N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

/** The other valid ECDSA signature (r, n − s) of the same JWS. */
function malleate(jws: string): string {
  const [h, p, sig] = jws.split('.') as [string, string, string];
  const bytes = Buffer.from(sig, 'base64url');
  const s = BigInt(`0x${bytes.subarray(32).toString('hex')}`);
  const flipped = Buffer.from((P256_N - s).toString(16).padStart(64, '0'), 'hex');
  return `${h}.${p}.${Buffer.concat([bytes.subarray(0, 32), flipped]).toString('base64url')}`;
}

describe('receiver: repeats and ids across keys (#11.10)', () => {
  let receiver: RunningReceiver;
  before(async () => {
    receiver = await startReceiver(config({ rateLimit: false }));
  });
  after(() => receiver.close());

  it('answers the genuine record with 200 and the first receipt after its (r, n−s) copy got 201', async () => {
    const { jws, record } = await signRecord(consentRecord(), deviceSigner({ indexedDB: null }));
    const copy = await post(receiver.url, malleate(jws));
    assert.equal(copy.status, 201);
    const first = (await copy.json()) as { receipt: string };
    const genuine = await post(receiver.url, jws);
    assert.equal(genuine.status, 200);
    const body = (await genuine.json()) as { receipt: string; status: string };
    assert.equal(body.status, 'duplicate');
    assert.equal(body.receipt, first.receipt);
    assert.equal((await receiver.store.byId(record.id)).length, 1);
  });

  it('stores a record of another key that reuses an id: 201 for both, never 409 for the genuine one', async () => {
    const original = consentRecord();
    const squatter = await signRecord({ ...original, decisions: [] }, deviceSigner({ indexedDB: null }));
    const genuine = await signRecord(original, deviceSigner({ indexedDB: null }));
    assert.equal((await post(receiver.url, squatter.jws)).status, 201);
    assert.equal((await post(receiver.url, genuine.jws)).status, 201);
    const rows = await receiver.store.byId(original.id);
    assert.equal(rows.length, 2);
    assert.equal(rows[1]!.jws, genuine.jws);
  });
});
