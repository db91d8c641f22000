import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { tsImport } from 'tsx/esm/api';

export const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

export const percentile = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};

/** Minified, gzip and brotli bytes of files concatenated as a page would fetch them (each compressed on its own). */
export function sizes(paths) {
  let min = 0;
  let gzip = 0;
  let brotli = 0;
  for (const path of paths) {
    const bytes = readFileSync(path);
    min += bytes.length;
    gzip += gzipSync(bytes, { level: 9 }).length;
    brotli += brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
  }
  return { min, gzip, brotli };
}

export function table(rows, columns) {
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c] ?? '').length)));
  const line = (cells) => cells.map((cell, i) => String(cell ?? '').padStart(i ? widths[i] : 0).padEnd(i ? 0 : widths[i])).join('  ');
  return [line(columns), line(widths.map((w) => '-'.repeat(w))), ...rows.map((r) => line(columns.map((c) => r[c])))].join('\n');
}

/** `count` distinct consent records signed ahead of time, round-robin by `keys` device keys; addresses `<prefix>-<i>@example.com`. */
export async function signConsentRecords(count, { keys = 50, prefix = 'bench' } = {}) {
  const { keySigner: deviceSigner, signRecord } = await tsImport('../../packages/records/src/sign.ts', import.meta.url);
  const { createConsentRecord } = await tsImport('../../packages/records/src/create.ts', import.meta.url);
  const signers = Array.from({ length: keys }, () => deviceSigner({ indexedDB: null }));
  const out = [];
  for (let i = 0; i < count; i++) {
    const record = createConsentRecord({
      subject: { email: `${prefix}-${i}@example.com` },
      locale: 'fi',
      notice: { version: '2018-05-24', digest: 'a'.repeat(64) },
      source: { url: 'https://www.optimesys.fi/', element: 'consent-form', context: 'bench' },
      decisions: [{ purpose: 'newsletter', dpv: 'dpv:DirectMarketing', basis: 'consent', granted: true, text: 'Haluan OptimeSysin uutiskirjeen sähköpostiini' }],
      processing: [],
    });
    out.push((await signRecord(record, signers[i % keys])).jws);
  }
  return out;
}

/**
 * The loopback SMTP server and webhook endpoint (sinks.mjs) in a process of their own, so their work is
 * not counted as the receiver's: `{ smtp, hooks }` URLs, `refresh()` for how many of each arrived, `stop()`.
 */
export async function startSinks() {
  const child = fork(fileURLToPath(new URL('./sinks.mjs', import.meta.url)), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const urls = await new Promise((resolve) => child.once('message', resolve));
  const refresh = () => new Promise((resolve) => (child.once('message', resolve), child.send('count')));
  return { ...urls, refresh, stop: () => child.send('stop') };
}
