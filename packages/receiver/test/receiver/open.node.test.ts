import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { openServerKey, openStore } from '../../src/receiver.js';
import { sqliteStore } from '../../src/store/sqlite-store.js';
import { tempDir } from './helpers.js';

const mode = (path: string) => statSync(path).mode & 0o777;
const CLI = ['--import', 'tsx', 'packages/receiver/src/cli/bin.ts'];

describe('data directory and file modes (#11.4)', () => {
  const umask = process.umask();
  after(() => void process.umask(umask));

  for (const mask of [0o022, 0o000]) {
    it(`makes the directory 0700 and records.db, -wal, -shm, receiver-key.json 0600 under umask ${mask.toString(8).padStart(3, '0')}`, async () => {
      process.umask(mask);
      const dataDir = join(tempDir(), 'data');
      const store = await openStore({ dataDir, databaseUrl: undefined });
      try {
        await openServerKey(dataDir);
        await store.put({
          id: '11111111-1111-4111-8111-111111111111',
          type: 'consent',
          email: 'a@example.fi',
          kid: 'k',
          jws: 'h.p.s',
          record: {},
          receipt: {},
          receivedAt: new Date().toISOString(),
          dueBy: null,
        });
        assert.equal(mode(dataDir), 0o700, 'data directory');
        for (const file of ['records.db', 'records.db-wal', 'records.db-shm', 'receiver-key.json']) {
          assert.ok(existsSync(join(dataDir, file)), file);
          assert.equal(mode(join(dataDir, file)), 0o600, file);
        }
      } finally {
        await store.close();
      }
    });
  }

  it('tightens an existing directory and existing files made under a lax umask', async () => {
    process.umask(0o000);
    const dataDir = join(tempDir(), 'data');
    mkdirSync(dataDir, { mode: 0o777 });
    await sqliteStore(join(dataDir, 'records.db')).close();
    chmodSync(join(dataDir, 'records.db'), 0o666);
    await openServerKey(dataDir);
    chmodSync(join(dataDir, 'receiver-key.json'), 0o644);
    chmodSync(dataDir, 0o755);
    process.umask(0o022);
    const store = await openStore({ dataDir, databaseUrl: undefined });
    await openServerKey(dataDir);
    await store.close();
    assert.equal(mode(dataDir), 0o700);
    assert.equal(mode(join(dataDir, 'records.db')), 0o600);
    assert.equal(mode(join(dataDir, 'receiver-key.json')), 0o600);
  });
});

describe('receiver key file (#11.8)', () => {
  it('creates one key atomically, also when several starts race, leaving no temporary file', async () => {
    const dataDir = tempDir();
    const keys = await Promise.all(Array.from({ length: 8 }, () => openServerKey(dataDir)));
    assert.equal(new Set(keys.map((k) => k.kid)).size, 1, 'every start uses the same key');
    assert.deepEqual(readdirSync(dataDir), ['receiver-key.json']);
    assert.equal((await openServerKey(dataDir)).kid, keys[0]!.kid, 'and it is kept');
  });

  for (const [name, content] of [
    ['empty (a crash while writing)', ''],
    ['cut short', '{"kty":"EC","crv":"P-2'],
    ['not a private key', '{"kty":"EC","crv":"P-256"}'],
  ] as const) {
    it(`stops the start on a key file that is ${name}, with one line naming the file`, async () => {
      const dataDir = tempDir();
      const file = join(dataDir, 'receiver-key.json');
      writeFileSync(file, content);
      await assert.rejects(
        () => openServerKey(dataDir),
        (error: Error) => error.name === 'ReceiverStartError' && error.message.includes(file) && !error.message.includes('\n'),
      );
      const run = spawnSync('node', [...CLI, 'serve', '--port', '0', '--data-dir', dataDir], { encoding: 'utf8', timeout: 30_000 });
      assert.equal(run.status, 1);
      const lines = run.stderr.trim().split('\n');
      assert.equal(lines.length, 1, run.stderr);
      assert.match(lines[0]!, /^privacy-receiver: The receiver key file .*receiver-key\.json .*(restore|move)/);
      assert.doesNotMatch(run.stderr, /SyntaxError|    at /);
      assert.equal(statSync(file).size, content.length, 'the file is left as it was');
    });
  }
});
