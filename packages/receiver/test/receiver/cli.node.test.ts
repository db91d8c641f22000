import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { normalizeEmail } from '@optimesys/privacy-records/create';
import { keySigner, signRecord } from '@optimesys/privacy-records/sign';
import { createReceiver } from '../../src/receiver.js';
import { sqliteStore } from '../../src/store/sqlite-store.js';
import { unsubscribeHeaders } from '../../src/preferences/unsubscribe-headers.js';
import type { StoredRecord } from '../../src/store/store.js';
import { verifyRecord } from '../../src/records/verify.js';
import { captureTransport, consentRecord, dataRequest, signed, tempDir } from './helpers.js';

const CLI = ['--import', 'tsx', 'packages/receiver/src/cli/bin.ts'];

function cli(dataDir: string, ...args: string[]) {
  const result = spawnSync('node', [...CLI, ...args, '--data-dir', dataDir], { encoding: 'utf8', timeout: 60_000 });
  return { status: result.status, json: result.stdout.trim() ? (JSON.parse(result.stdout) as unknown) : undefined, stderr: result.stderr };
}

/** Stores signed records in a data directory's SQLite file as `serve` would (received now). */
async function stored(dataDir: string, ...jwss: string[]): Promise<StoredRecord[]> {
  const store = sqliteStore(join(dataDir, 'records.db'));
  const rows: StoredRecord[] = [];
  try {
    for (const jws of jwss) {
      const verified = await verifyRecord(jws, { maxSkewSeconds: 600 });
      assert.ok(verified.ok, JSON.stringify(verified));
      const row: StoredRecord = {
        id: verified.record.id,
        type: verified.record.type,
        email: normalizeEmail(verified.record.subject.email),
        kid: verified.kid,
        jws,
        record: verified.record as unknown as Record<string, unknown>,
        receipt: { recordId: verified.record.id },
        receivedAt: new Date().toISOString(),
        dueBy: verified.record.type === 'data-request' ? '2027-01-04' : null,
      };
      const result = await store.put(row);
      assert.equal(result.status, 'stored');
      rows.push(result.row);
    }
  } finally {
    await store.close();
  }
  return rows;
}

/** Changes a stored row behind the store's back, as someone with the file could (the trigger dropped first). */
function tamper(dataDir: string, sql: string, ...params: unknown[]): void {
  const db = new Database(join(dataDir, 'records.db'));
  try {
    db.exec('DROP TRIGGER IF EXISTS privacy_records_no_update');
    assert.equal(db.prepare(sql).run(...params).changes, 1, sql);
  } finally {
    db.close();
  }
}

type Report = { checked: number; failed: number; failures: { id: string; code: string; columns?: string[] }[] };

describe('privacy-receiver verify', () => {
  it("judges issuedAt with serve's clock window (--max-skew-seconds, default 600 s) (#11.5)", async () => {
    const dataDir = tempDir();
    await stored(dataDir, (await signed(consentRecord('skew@example.fi', true, new Date(Date.now() + 590_000)))).jws);
    const ok = cli(dataDir, 'verify');
    assert.equal(ok.status, 0, ok.stderr);
    assert.deepEqual(ok.json, { checked: 1, failed: 0, failures: [], events: { checked: 0, failed: 0, failures: [] } });
    const strict = cli(dataDir, 'verify', '--max-skew-seconds', '300');
    assert.equal(strict.status, 1);
    assert.equal((strict.json as Report).failures[0]!.code, 'future');
  });

  it('re-derives every column from the JWS and reports each row whose columns disagree with it (#11.6)', async () => {
    const dataDir = tempDir();
    const rows = await stored(
      dataDir,
      ...(await Promise.all(Array.from({ length: 7 }, (_, i) => signed(consentRecord(`row${i}@example.fi`))))).map((s) => s.jws),
    );
    const [good, recordChanged, emailChanged, typeChanged, kidChanged, idChanged, jwsChanged] = rows as [StoredRecord, ...StoredRecord[]];
    tamper(dataDir, 'UPDATE privacy_records SET record = json_set(record, \'$.decisions[0].granted\', json(\'false\')) WHERE id = ?', recordChanged!.id);
    tamper(dataDir, "UPDATE privacy_records SET email = 'someone.else@example.fi' WHERE id = ?", emailChanged!.id);
    tamper(dataDir, "UPDATE privacy_records SET type = 'data-request' WHERE id = ?", typeChanged!.id);
    tamper(dataDir, "UPDATE privacy_records SET kid = 'another-kid' WHERE id = ?", kidChanged!.id);
    tamper(dataDir, "UPDATE privacy_records SET id = '00000000-0000-4000-8000-000000000000' WHERE id = ?", idChanged!.id);
    const [h, p] = jwsChanged!.jws.split('.');
    tamper(dataDir, 'UPDATE privacy_records SET jws = ? WHERE id = ?', `${h}.${p}.${'A'.repeat(86)}`, jwsChanged!.id);

    const run = cli(dataDir, 'verify');
    assert.equal(run.status, 1);
    const report = run.json as Report;
    assert.equal(report.checked, 7);
    const byColumns = Object.fromEntries(report.failures.map((f) => [f.columns?.join(',') ?? f.code, f.code]));
    assert.deepEqual(byColumns, {
      record: 'mismatch',
      email: 'mismatch',
      type: 'mismatch',
      kid: 'mismatch',
      id: 'mismatch',
      'bad-signature': 'bad-signature',
    });
    assert.ok(!report.failures.some((f) => f.id === good.id));
  });
});

describe('privacy-receiver consents and export read the signed record (#11.6)', () => {
  it('a record column changed behind the triggers does not change the answer, and is named', async () => {
    const dataDir = tempDir();
    const email = 'liisa.virtanen@example.fi';
    const [, second] = await stored(
      dataDir,
      (await signed(consentRecord(email, false, new Date(Date.now() - 120_000)))).jws,
      (await signed(consentRecord(email, true, new Date(Date.now() - 60_000)))).jws,
    );
    // Someone turns the latest grant into a withdrawal in the unsigned column.
    tamper(dataDir, "UPDATE privacy_records SET record = json_set(record, '$.decisions[0].granted', json('false')) WHERE id = ?", second!.id);

    const consents = cli(dataDir, 'consents', '--email', email);
    // As signed: a grant after the withdrawal, waiting for its confirmation (the tampered column would say withdrawn, nothing pending).
    assert.deepEqual(
      (consents.json as { purpose: string; granted: boolean; pendingRecordId: string }[]).map(({ purpose, granted, pendingRecordId }) => ({ purpose, granted, pendingRecordId })),
      [{ purpose: 'newsletter', granted: false, pendingRecordId: second!.id }],
    );
    assert.equal(consents.status, 1, 'the disagreement makes the command fail after answering');
    assert.match(consents.stderr, new RegExp(`record ${second!.id}.*record differs`));

    const exported = cli(dataDir, 'export', '--email', email);
    const records = (exported.json as { records: { record: { id: string; decisions: { granted: boolean }[] } }[] }).records;
    assert.equal(records[1]!.record.id, second!.id);
    assert.equal(records[1]!.record.decisions[0]!.granted, true);
    assert.equal(exported.status, 1);
  });

  it('leaves out a row whose signature fails, or whose signed address is another person', async () => {
    const dataDir = tempDir();
    const email = 'pekka@example.fi';
    const [kept, forged, moved] = await stored(
      dataDir,
      (await signed(consentRecord(email, true, new Date(Date.now() - 120_000)))).jws,
      (await signed(consentRecord(email, false, new Date(Date.now() - 60_000)))).jws,
      (await signed(consentRecord('someone.else@example.fi', false))).jws,
    );
    const [h, p] = forged!.jws.split('.');
    tamper(dataDir, 'UPDATE privacy_records SET jws = ? WHERE id = ?', `${h}.${p}.${'A'.repeat(86)}`, forged!.id);
    tamper(dataDir, 'UPDATE privacy_records SET email = ? WHERE id = ?', email, moved!.id);
    const consents = cli(dataDir, 'consents', '--email', email);
    assert.deepEqual(
      (consents.json as { granted: boolean; pendingRecordId: string }[]).map(({ granted, pendingRecordId }) => ({ granted, pendingRecordId })),
      [{ granted: false, pendingRecordId: kept!.id }],
      'the forged withdrawal is left out: the grant still waits for its confirmation',
    );
    assert.equal(consents.status, 1);
    assert.match(consents.stderr, new RegExp(`record ${forged!.id}.*left out: bad-signature`));
    assert.match(consents.stderr, new RegExp(`record ${moved!.id}.*left out: .*another address`));
  });
});

describe('privacy-receiver look-ups by e-mail (#11.9)', () => {
  it('finds records by an address with spaces around it or an internationalized domain', async () => {
    const dataDir = tempDir();
    const [idn, plain] = await stored(
      dataDir,
      (await signed(consentRecord(normalizeEmail('matti@yhtiö.fi')))).jws,
      (await signed(consentRecord('x@y.fi'))).jws,
    );
    for (const [query, id] of [
      ['matti@yhtiö.fi', idn!.id],
      [' matti@YHTIÖ.fi ', idn!.id],
      [' x@y.fi ', plain!.id],
    ] as const) {
      const consents = cli(dataDir, 'consents', '--email', query);
      assert.equal(consents.status, 0, consents.stderr);
      assert.deepEqual((consents.json as { recordId: string }[]).map((c) => c.recordId), [id], query);
      const exported = cli(dataDir, 'export', '--email', query);
      assert.deepEqual((exported.json as { records: { record: { id: string } }[] }).records.map((r) => r.record.id), [id], query);
    }
  });
});

describe('privacy-receiver close-request with ids unique per key (#11.10)', () => {
  it('closes every data request with the id and says so when several keys used it', async () => {
    const dataDir = tempDir();
    const request = dataRequest('anna@example.fi');
    const [first, second] = await stored(
      dataDir,
      (await signRecord(request, keySigner())).jws,
      (await signRecord(request, keySigner())).jws,
    );
    assert.equal(first!.id, second!.id);
    assert.notEqual(first!.kid, second!.kid);
    const open = cli(dataDir, 'requests', '--open');
    assert.deepEqual((open.json as { kid: string }[]).map((r) => r.kid).sort(), [first!.kid, second!.kid].sort());

    const closed = cli(dataDir, 'close-request', '--id', first!.id, '--note', 'answered');
    assert.equal(closed.status, 0, closed.stderr);
    assert.match(closed.stderr, new RegExp(`2 data requests .* share id ${first!.id}.*${first!.kid}.*${second!.kid}`));
    assert.deepEqual((closed.json as { requests: { kid: string }[] }).requests.map((r) => r.kid), [first!.kid, second!.kid]);
    assert.deepEqual(cli(dataDir, 'requests', '--open').json, []);
    assert.equal(cli(dataDir, 'close-request', '--id', '6d3c1f4e-0000-4000-8000-000000000000').status, 1);
  });
});

describe("privacy-receiver verify, consents and export check the receiver's own signed events", () => {
  const ORIGIN = 'https://privacy.optimesys.fi';

  /** A receiver on the data directory, mails captured; grants `email`, confirms from the mail, then withdraws one-click. */
  async function confirmedThenWithdrawn(dataDir: string, email: string) {
    const { sent, transport } = captureTransport();
    const receiver = await createReceiver({ dataDir, rateLimit: false, mail: { transport, publicUrl: ORIGIN, sender: { intervalMs: 20 } } });
    const call = (url: string, init: RequestInit) => receiver.fetch(new Request(new URL(url, ORIGIN), init));
    try {
      const grant = await signed(consentRecord(email, true, new Date(Date.now() - 60_000)));
      assert.equal((await call('/api/records', { method: 'POST', headers: { 'content-type': 'application/jose' }, body: grant.jws })).status, 201);
      for (let i = 0; !sent.some((m) => m.to === email); i++) {
        assert.ok(i < 250, 'confirmation mail');
        await new Promise((r) => setTimeout(r, 20));
      }
      const link = sent.find((m) => m.to === email)!.text.match(/https:\/\/privacy\.optimesys\.fi\/confirm\/[A-Za-z0-9_-]+/)![0];
      assert.equal((await call(link, { method: 'POST' })).status, 200);
      const url = (await unsubscribeHeaders({ email, purpose: 'newsletter' }, { dataDir, publicUrl: ORIGIN }))['List-Unsubscribe'].slice(1, -1);
      const body = new URLSearchParams({ 'List-Unsubscribe': 'One-Click' });
      assert.equal((await call(url, { method: 'POST', body })).status, 200);
      return grant.record;
    } finally {
      await receiver.close();
    }
  }

  /** Changes or adds an event row behind the store's back (the append-only triggers dropped first). */
  function tamperEvents(dataDir: string, sql: string, ...params: unknown[]): void {
    const db = new Database(join(dataDir, 'records.db'));
    try {
      db.exec('DROP TRIGGER IF EXISTS privacy_events_no_update');
      assert.equal(db.prepare(sql).run(...params).changes, 1, sql);
    } finally {
      db.close();
    }
  }
  type EventReport = { events: { checked: number; failed: number; failures: { kind: string; code: string; columns?: string[] }[] } };
  const newsletter = (json: unknown) => (json as { purpose: string; granted: boolean }[]).find((s) => s.purpose === 'newsletter')!.granted;

  it('every confirmation and one-click withdrawal verifies with the receiver key; a changed or forged one is named', async () => {
    const dataDir = tempDir();
    const email = 'aino.lahtinen@example.fi';
    const grant = await confirmedThenWithdrawn(dataDir, email);
    const clean = cli(dataDir, 'verify');
    assert.equal(clean.status, 0, clean.stderr);
    assert.deepEqual((clean.json as EventReport).events, { checked: 2, failed: 0, failures: [] });
    assert.equal(newsletter(cli(dataDir, 'consents', '--email', email).json), false);

    // The withdrawal's time moved before the grant (its column only), the confirmation moved to another address,
    // and a withdrawal nobody signed added for another subscriber.
    tamperEvents(dataDir, "UPDATE privacy_events SET at = '2000-01-01T00:00:00.000Z' WHERE kind = 'withdrawal'");
    tamperEvents(dataDir, "UPDATE privacy_events SET email = 'someone.else@example.fi' WHERE kind = 'confirmation' AND record_id = ?", grant.id);
    tamperEvents(
      dataDir,
      `INSERT INTO privacy_events (id, kind, key, email, record_id, record_kid, at, data, jws)
       SELECT 'forged-1', kind, 'withdraw:forged-1', 'other@example.fi', NULL, NULL, at, json_set(data, '$.email', 'other@example.fi'), jws
       FROM privacy_events WHERE kind = 'withdrawal'`,
    );
    const run = cli(dataDir, 'verify');
    assert.equal(run.status, 1);
    const { events } = run.json as EventReport;
    assert.equal(events.checked, 3);
    assert.deepEqual(
      events.failures.map((f) => `${f.kind}:${f.code}:${f.columns?.join(',') ?? ''}`).sort(),
      ['confirmation:mismatch:email', 'withdrawal:mismatch:at', 'withdrawal:mismatch:email,at,data'].sort(),
    );

    // `consents` reads each event as signed: still withdrawn (the moved column would make the grant the latest).
    const consents = cli(dataDir, 'consents', '--email', email);
    assert.equal(newsletter(consents.json), false);
    assert.equal(consents.status, 1, 'the disagreement fails the command after answering');
    assert.match(consents.stderr, /event .* \(withdrawal\): stored at differs from the signed event; its signed content is used/);
    // The copied withdrawal is signed for Aino, not for the address its row names: not counted for that address.
    const other = cli(dataDir, 'consents', '--email', 'other@example.fi');
    assert.deepEqual(other.json, []);
    assert.match(other.stderr, /left out: its signed event is about another address/);
    const exported = cli(dataDir, 'export', '--email', email);
    const kinds = (exported.json as { events: { kind: string; data: { email: string } }[] }).events.map((e) => `${e.kind}:${e.data.email}`);
    assert.ok(kinds.includes(`withdrawal:${email}`), kinds.join());
  });

  it('an event whose signature does not verify is left out, and a missing receiver key fails every event', async () => {
    const dataDir = tempDir();
    const email = 'eero.salo@example.fi';
    await confirmedThenWithdrawn(dataDir, email);
    const [h, p] = (new Database(join(dataDir, 'records.db'), { readonly: true }).prepare("SELECT jws FROM privacy_events WHERE kind = 'withdrawal'").get() as { jws: string }).jws.split('.');
    tamperEvents(dataDir, "UPDATE privacy_events SET jws = ? WHERE kind = 'withdrawal'", `${h}.${p}.${'A'.repeat(86)}`);
    const consents = cli(dataDir, 'consents', '--email', email);
    assert.equal(newsletter(consents.json), true, 'a withdrawal that does not verify does not count (and the command fails)');
    assert.equal(consents.status, 1);
    assert.match(consents.stderr, /left out: the receiver's signature does not verify/);

    rmSync(join(dataDir, 'receiver-key.json'));
    const run = cli(dataDir, 'verify');
    assert.equal(run.status, 1);
    assert.deepEqual((run.json as EventReport).events.failures.map((f) => f.code), ['signature', 'signature']);
    assert.ok(!existsSync(join(dataDir, 'receiver-key.json')), 'an audit never creates a key');
  });
});
