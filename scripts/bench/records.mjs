// Records core benchmark, each figure beside its bare-jose baseline from the same run:
// - Chromium: canonicalize + sign (deviceSigner, IndexedDB key) + outbox.send of a
//   typical consent record, against jose's CompactSign (ES256) of the same bytes.
// - Node, one core: verifyRecord() per second against jose compactVerify + EmbeddedJWK.
// - Bytes the records core adds to a page (esbuild-minified, brotli).
import { mkdirSync, writeFileSync } from 'node:fs';
import { brotliCompressSync, constants } from 'node:zlib';
import { tsImport } from 'tsx/esm/api';
import { launchChromium } from '../chromium.mjs';
import { startStaticServer } from '../static-server.mjs';
import { median, table } from './util.mjs';

const brotli = (text) => brotliCompressSync(Buffer.from(text), { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;

// The page-side bench: both contenders get the same record bytes and the same key type.
const PAGE_ENTRY = `
import { CompactSign } from 'jose';
import { canonicalJson } from './packages/records/src/canonical.ts';
import { signRecord } from './packages/records/src/sign.ts';
import { deviceSigner } from './src/outbox/device-signer.ts';
import { createOutbox } from './src/outbox/outbox.ts';
import { memoryAdapter } from './src/adapters/memory.ts';
import { consentSample } from './packages/records/test/samples.ts';

window.runBench = async ({ warmup, runs }) => {
  const signer = deviceSigner({ dbName: 'records-bench' });
  const memory = memoryAdapter();
  let storedAt = 0;
  // The outbox calls the adapter only once the record is stored: that moment ends "enqueue".
  const adapter = { send: (jws, record) => ((storedAt = performance.now()), memory.send(jws, record)) };
  const outbox = createOutbox(adapter, { dbName: 'records-bench' });
  await outbox.ready;
  const { privateKey } = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign']);
  const times = { full: [], enqueue: [], sign: [], jose: [] };
  for (let i = 0; i < warmup + runs; i++) {
    const record = consentSample();
    let t = performance.now();
    const { jws, record: signed } = await signRecord(record, signer);
    const afterSign = performance.now();
    await outbox.send(jws, signed);
    const end = performance.now();
    const bytes = new TextEncoder().encode(canonicalJson(signed));
    const j0 = performance.now();
    await new CompactSign(bytes).setProtectedHeader({ alg: 'ES256' }).sign(privateKey);
    const j1 = performance.now();
    if (i >= warmup) {
      times.full.push(end - t);
      times.enqueue.push(storedAt - t);
      times.sign.push(afterSign - t);
      times.jose.push(j1 - j0);
    }
  }
  outbox.close();
  return times;
};
`;

// What a page using the records core loads: signing, the outbox, the HTTP adapter, the schemas.
const SIZE_ENTRY = `
export { signRecord } from './packages/records/src/sign.ts';
export { deviceSigner } from './src/outbox/device-signer.ts';
export { createOutbox } from './src/outbox/outbox.ts';
export { httpAdapter } from './src/adapters/http.ts';
export * from './packages/records/src/schemas.ts';
`;
// For comparison: jose's signing and thumbprint code that jws.ts replaces.
const JOSE_ENTRY = `export { CompactSign, calculateJwkThumbprint, base64url } from 'jose';`;

async function bundle(esbuild, contents, minify = true) {
  const result = await esbuild.build({
    stdin: { contents, resolveDir: process.cwd(), loader: 'ts', sourcefile: 'entry.ts' },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify,
    write: false,
    legalComments: 'none',
  });
  return result.outputFiles[0].text;
}

async function benchChromium(esbuild, { warmup, runs }) {
  mkdirSync('.bench', { recursive: true });
  writeFileSync('.bench/records-bench.js', await bundle(esbuild, PAGE_ENTRY));
  writeFileSync('.bench/records-bench.html', '<!doctype html><meta charset="utf-8"><script type="module" src="/.bench/records-bench.js"></script>');
  const server = await startStaticServer('.');
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    await page.goto(`${server.origin}/.bench/records-bench.html`, { waitUntil: 'load' });
    await page.waitForFunction(() => typeof window.runBench === 'function');
    return await page.evaluate((options) => window.runBench(options), { warmup, runs });
  } finally {
    await browser.close();
    await server.close();
  }
}

/** Calls `fn` in batches for about `ms`, returns calls per second. */
async function throughput(fn, ms) {
  let calls = 0;
  const start = performance.now();
  while (performance.now() - start < ms) {
    for (let i = 0; i < 50; i++) await fn();
    calls += 50;
  }
  return (calls * 1000) / (performance.now() - start);
}

async function benchNode() {
  const { verifyRecord } = await tsImport('../../packages/receiver/src/records/verify.ts', import.meta.url);
  const { signRecord, keySigner: deviceSigner } = await tsImport('../../packages/records/src/sign.ts', import.meta.url);
  const { consentSample } = await tsImport('../../packages/records/test/samples.ts', import.meta.url);
  const { compactVerify, EmbeddedJWK } = await import('jose');
  const { jws } = await signRecord(consentSample(), deviceSigner({ indexedDB: null }));
  const ours = () => verifyRecord(jws).then((r) => { if (!r.ok) throw new Error(r.error.message); });
  const jose = () => compactVerify(jws, EmbeddedJWK, { algorithms: ['ES256'] });
  await throughput(ours, 300); // warm up
  await throughput(jose, 300);
  // Interleaved rounds, so neither side gets a warmer machine.
  const rounds = { ours: [], jose: [] };
  for (let i = 0; i < 6; i++) {
    rounds.ours.push(await throughput(ours, 500));
    rounds.jose.push(await throughput(jose, 500));
  }
  return { ours: median(rounds.ours), jose: median(rounds.jose), bytes: jws.length };
}

export async function benchRecords({ warmup = 30, runs = 300 } = {}) {
  const esbuild = await import('esbuild');
  const page = await benchChromium(esbuild, { warmup, runs });
  const node = await benchNode();
  const core = await bundle(esbuild, SIZE_ENTRY);
  const schemasOnly = await bundle(esbuild, `export * from './packages/records/src/schemas.ts';`);
  const joseSign = await bundle(esbuild, JOSE_ENTRY);

  const ms = (v) => `${v.toFixed(2)} ms`;
  const full = median(page.full);
  const enqueue = median(page.enqueue);
  const sign = median(page.sign);
  const jose = median(page.jose);
  const text = [
    `records core, Chromium (median of ${runs} after ${warmup} warm-up; typical consent record, ${node.bytes} B JWS)`,
    table(
      [
        { step: 'canonicalize + sign + enqueue (stored in IndexedDB)', time: ms(enqueue), 'vs jose': `${(enqueue / jose).toFixed(2)}×` },
        { step: '… + delivery to an in-page adapter + removal', time: ms(full), 'vs jose': `${(full / jose).toFixed(2)}×` },
        { step: 'canonicalize + sign (signRecord)', time: ms(sign), 'vs jose': `${(sign / jose).toFixed(2)}×` },
        { step: 'jose CompactSign ES256 (baseline)', time: ms(jose), 'vs jose': '1.00×' },
      ],
      ['step', 'time', 'vs jose'],
    ),
    `target ≤ 5 ms for canonicalize + sign + enqueue: ${enqueue <= 5 ? 'met' : 'NOT met'}`,
    '',
    'verify, Node (one core, records per second)',
    table(
      [
        { check: 'verifyRecord (all checks)', 'per s': node.ours.toFixed(0), ratio: `${(node.ours / node.jose).toFixed(2)}×` },
        { check: 'jose compactVerify + EmbeddedJWK', 'per s': node.jose.toFixed(0), ratio: '1.00×' },
      ],
      ['check', 'per s', 'ratio'],
    ),
    '',
    'bytes added to a page (esbuild minified, brotli 11)',
    table(
      [
        { bundle: 'signRecord + deviceSigner + createOutbox + httpAdapter + schemas', min: core.length, brotli: brotli(core) },
        { bundle: '  of which schemas (zod/mini)', min: schemasOnly.length, brotli: brotli(schemasOnly) },
        { bundle: 'for comparison: jose CompactSign + calculateJwkThumbprint', min: joseSign.length, brotli: brotli(joseSign) },
      ],
      ['bundle', 'min', 'brotli'],
    ),
  ].join('\n');
  return { text, chromium: { enqueue, full, sign, jose }, node, bytes: { core: brotli(core), schemas: brotli(schemasOnly), jose: brotli(joseSign) } };
}

if (import.meta.url === `file://${process.argv[1]}`) console.log((await benchRecords()).text);
