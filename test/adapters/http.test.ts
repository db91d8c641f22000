import { expect } from '@open-wc/testing';
import { httpAdapter } from '../../src/adapters/http.js';
import { AdapterError } from '../../src/adapters/types.js';
import { signRecord } from '@optimesys/privacy-records/sign';
import { deviceSigner } from '../../src/outbox/device-signer.js';
import { endpoint, unique } from '../outbox/frames.js';
import { consentSample } from '../../packages/records/test/samples.js';

const signer = deviceSigner();

/** The AdapterError a send throws (fails the test when it resolves). */
async function failure(promise: Promise<unknown>): Promise<AdapterError> {
  const outcome = await promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  if (!('error' in outcome)) throw new Error(`expected a failure, got ${JSON.stringify(outcome.value)}`);
  expect(outcome.error).to.be.instanceOf(AdapterError);
  return outcome.error as AdapterError;
}

async function bucketWith(config: object) {
  const bucket = unique('http');
  await endpoint(`reset?bucket=${bucket}`, config);
  return { bucket, url: `/test-api/records?bucket=${bucket}` };
}

describe('httpAdapter', () => {
  it('POSTs the JWS as application/jose without cookies and returns the countersigned receipt', async () => {
    document.cookie = 'visitor=tracked; path=/; SameSite=Strict';
    try {
      const { bucket, url } = await bucketWith({});
      const { jws, record } = await signRecord(consentSample(), signer);
      const receipt = await httpAdapter({ endpoint: url, headers: { 'x-site': 'demo' } }).send(jws, record);
      expect(receipt.status).to.equal('stored');
      expect(receipt.recordId).to.equal(record.id);
      expect('receipt' in receipt && receipt.receipt).to.match(/^[\w-]+\.[\w-]+\.[\w-]+$/);
      const { requests } = await endpoint(`inspect?bucket=${bucket}`);
      expect(requests).to.deep.equal([{ id: record.id, contentType: 'application/jose', cookie: null }]);
    } finally {
      document.cookie = 'visitor=; path=/; max-age=0';
    }
  });

  it('answers a resend of the same record with a duplicate receipt of the first delivery', async () => {
    const { url } = await bucketWith({});
    const adapter = httpAdapter({ endpoint: url });
    const { jws, record } = await signRecord(consentSample(), signer);
    const first = await adapter.send(jws, record);
    const again = await adapter.send(jws, record);
    expect(again.status).to.equal('duplicate');
    expect('receivedAt' in again && again.receivedAt).to.equal('receivedAt' in first && first.receivedAt);
  });

  it('maps 5xx, 408 and 429 to retry, other 4xx to rejected, keeping the server error', async () => {
    const { jws, record } = await signRecord(consentSample(), signer);
    for (const [status, kind] of [[500, 'retry'], [502, 'retry'], [503, 'retry'], [408, 'retry'], [429, 'retry'], [400, 'rejected'], [403, 'rejected'], [409, 'rejected'], [413, 'rejected'], [422, 'rejected']] as const) {
      const { url } = await bucketWith({ reject: { status, code: `code-${status}` } });
      const error = await failure(httpAdapter({ endpoint: url }).send(jws, record));
      expect([error.kind, error.status, error.code, error.message], String(status)).to.deep.equal([kind, status, `code-${status}`, 'Refusing as the test asked']);
    }
  });

  it("reads the server's Retry-After on a retry (seconds or a date, at most an hour) and ignores it on a rejection", async () => {
    const { jws, record } = await signRecord(consentSample(), signer);
    const inTwoMinutes = new Date(Date.now() + 120_000).toUTCString();
    const cases = [
      [429, '30', 30_000],
      [503, inTwoMinutes, 120_000],
      [429, '86400', 3_600_000],
      [503, 'soon', undefined],
      [400, '30', undefined],
    ] as const;
    for (const [status, retryAfter, expected] of cases) {
      const { url } = await bucketWith({ reject: { status, code: 'busy', retryAfter } });
      const error = await failure(httpAdapter({ endpoint: url }).send(jws, record));
      if (expected === 120_000) expect(error.retryAfterMs, retryAfter).to.be.within(115_000, 120_000);
      else expect(error.retryAfterMs, `${status} ${retryAfter}`).to.equal(expected);
    }
  });

  it('passes on the verifier error of a broken record as a rejection', async () => {
    const { url } = await bucketWith({});
    const { jws, record } = await signRecord(consentSample(), signer);
    const broken = `${jws.slice(0, -4)}AAAA`;
    const error = await failure(httpAdapter({ endpoint: url }).send(broken, record));
    expect([error.kind, error.status, error.code]).to.deep.equal(['rejected', 400, 'bad-signature']);
  });

  it('gives up after timeoutMs and asks for a retry', async () => {
    const { url } = await bucketWith({ delayMs: 3000 });
    const { jws, record } = await signRecord(consentSample(), signer);
    const started = performance.now();
    const error = await failure(httpAdapter({ endpoint: url, timeoutMs: 200 }).send(jws, record));
    expect([error.kind, error.code]).to.deep.equal(['retry', 'timeout']);
    expect(performance.now() - started).to.be.lessThan(2500);
  });

  it('treats a network failure as retry', async () => {
    const { jws, record } = await signRecord(consentSample(), signer);
    const error = await failure(httpAdapter({ endpoint: 'http://127.0.0.1:9/records' }).send(jws, record));
    expect([error.kind, error.code, error.status]).to.deep.equal(['retry', 'network', undefined]);
  });

  it('reports a 2xx without a receipt honestly as unconfirmed', async () => {
    const { url } = await bucketWith({ noReceipt: true });
    const { jws, record } = await signRecord(consentSample(), signer);
    const receipt = await httpAdapter({ endpoint: url }).send(jws, record);
    expect(receipt.status).to.equal('unconfirmed');
    expect(receipt.status === 'unconfirmed' && receipt.via).to.equal('http');
    expect('receipt' in receipt).to.equal(false);
  });
});
