import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { describe, it } from 'node:test';
import { consentRecord, dataRequest, post, signed, tempDir } from './helpers.js';

const CLI = ['--import', 'tsx', 'packages/receiver/src/cli/bin.ts'];

/** Starts the receiver's command line in its own process; resolves with its URL from the startup line. */
function serve(dataDir: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn('node', [...CLI, 'serve', '--port', '0', '--data-dir', dataDir, '--rate-per-second', '0'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const url = out.match(/receiver: (http:\/\/\S+\/)/)?.[1];
      if (url) resolve({ child, url });
    });
    child.once('exit', (code) => reject(new Error(`receiver exited with ${String(code)}: ${out}`)));
  });
}

function cli(dataDir: string, ...args: string[]) {
  const result = spawnSync('node', [...CLI, ...args, '--data-dir', dataDir], { encoding: 'utf8' });
  return { status: result.status, json: result.stdout.trim() ? (JSON.parse(result.stdout) as unknown) : undefined, stderr: result.stderr };
}

const exited = (child: ChildProcess) =>
  new Promise<{ code: number | null; signal: string | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));

/** Posts records with bounded concurrency until `stop()`; collects the ids that got a 201. */
function burst(url: string) {
  const accepted: string[] = [];
  let running = true;
  const worker = async () => {
    while (running) {
      const { jws, record } = await signed(consentRecord(`burst-${record_n++}@example.com`));
      try {
        const response = await post(url, jws);
        if (response.status === 201) accepted.push(record.id);
      } catch {
        // the server went away mid-request: not accepted
      }
    }
  };
  let record_n = 0;
  const workers = Array.from({ length: 16 }, worker);
  return { accepted, stop: () => ((running = false), Promise.all(workers)) };
}

describe('receiver process', () => {
  it('keeps every record it answered 201 when killed with SIGKILL mid-burst, and all signatures verify', async () => {
    const dir = tempDir();
    const first = await serve(dir);
    const load = burst(first.url);
    while (load.accepted.length < 150) await new Promise((r) => setTimeout(r, 20));
    const died = exited(first.child);
    first.child.kill('SIGKILL');
    await died;
    await load.stop();
    const accepted = [...load.accepted];

    // the receiver starts again on the same files
    const second = await serve(dir);
    try {
      assert.equal((await fetch(new URL('/healthz', second.url))).status, 200);
      const verify = cli(dir, 'verify');
      const report = verify.json as { checked: number; failed: number };
      assert.equal(verify.status, 0, verify.stderr);
      assert.equal(report.failed, 0);
      assert.ok(report.checked >= accepted.length, `${report.checked} rows for ${accepted.length} accepted`);
    } finally {
      second.child.kill('SIGTERM');
      await exited(second.child);
    }
    // every accepted id is in the store
    const { sqliteStore } = await import('../../src/store/sqlite-store.js');
    const store = sqliteStore(`${dir}/records.db`);
    const missing = [];
    for (const id of accepted) if (!(await store.get(id))) missing.push(id);
    await store.close();
    assert.deepEqual(missing, []);
  });

  it('stops cleanly on SIGTERM without losing an accepted record', async () => {
    const dir = tempDir();
    const running = await serve(dir);
    const load = burst(running.url);
    while (load.accepted.length < 50) await new Promise((r) => setTimeout(r, 20));
    const done = exited(running.child);
    running.child.kill('SIGTERM');
    const { code } = await done;
    await load.stop();
    assert.equal(code, 0);
    const verify = cli(dir, 'verify');
    assert.equal(verify.status, 0);
    assert.ok((verify.json as { checked: number }).checked >= load.accepted.length);
  });

  it('answers what a data protection officer asks: export, consents, open requests', async () => {
    const dir = tempDir();
    const running = await serve(dir);
    try {
      const email = 'Liisa.Virtanen@example.fi';
      const given = await signed(consentRecord(email, true, new Date(Date.now() - 60_000)));
      const withdrawn = await signed(consentRecord(email, false));
      const request = await signed(dataRequest(email));
      for (const { jws } of [given, withdrawn, request]) assert.ok([200, 201].includes((await post(running.url, jws)).status));

      const exported = (cli(dir, 'export', '--email', email.toLowerCase()).json as { records: { record: { id: string } }[] }).records;
      assert.deepEqual(
        exported.map((r) => r.record.id),
        [given.record.id, withdrawn.record.id, request.record.id],
      );
      const consents = cli(dir, 'consents', '--email', email).json as { purpose: string; granted: boolean; recordId: string }[];
      assert.deepEqual(
        consents.map(({ purpose, granted, recordId }) => ({ purpose, granted, recordId })),
        [{ purpose: 'newsletter', granted: false, recordId: withdrawn.record.id }],
      );
      const open = cli(dir, 'requests', '--open').json as { id: string; dueBy: string; overdue: boolean }[];
      assert.deepEqual(open.map((r) => r.id), [request.record.id]);
      assert.equal(open[0]!.overdue, false);
      assert.equal(cli(dir, 'close-request', '--id', request.record.id).status, 0);
      assert.deepEqual(cli(dir, 'requests', '--open').json, []);
    } finally {
      running.child.kill('SIGTERM');
      await exited(running.child);
    }
  });

  it('explains a bad command line instead of starting', () => {
    const result = spawnSync('node', [...CLI, 'serve', '--port', 'eighty'], { encoding: 'utf8' });
    assert.equal(result.status, 2);
    assert.match(result.stderr, /--port must be a whole number/);
    assert.match(result.stderr, /Usage: privacy-receiver/);
  });
});
