// The due-date list and the office's daily digest on the calendar the receiver's receipts use:
// requests filed before Finnish holidays, counted from a Finnish "today". The digest goes once a
// day whatever the number of instances on one database, and not at all when nothing is due.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decodeProtectedHeader } from 'jose';
import { openRequests } from '../../src/derive.js';
import { dueDate, signReceipt } from '../../src/records/countersign.js';
import { createMailTransport } from '../../src/mail/transport.js';
import { openServerKey, openStore } from '../../src/store/open.js';
import { emailKey, type StoredRecord } from '../../src/store/store.js';
import { startPostgres, pgTestsDisabled, type TestPostgres } from '../helpers/postgres.js';
import { startTestSmtp, type TestSmtp } from '../helpers/smtp.js';
import { tempDir } from '../receiver/helpers.js';
import { serveReceiver, type Served } from '../receiver/serve.js';
import { address, Agent, signedRequest, signInByLink, USERS } from './helpers.js';

const OFFICE = 'tietosuoja@optimesys.fi';
/** 2 January 2026, 08:30 in Helsinki: the digest's hour (8) has come. */
const NOW = new Date('2026-01-02T06:30:00Z');

/** A data request as the receiver stored it on `filedAt`: its receipt countersigned as `receiver.ts` does (Finnish calendar). */
async function filed(key: Awaited<ReturnType<typeof openServerKey>>, filedAt: Date, requestType: 'access' | 'erasure' = 'access'): Promise<StoredRecord> {
  const { record, jws } = await signedRequest({ email: address('filed'), requestType }, filedAt);
  const receipt = await signReceipt(record, jws, key, { timeZone: 'Europe/Helsinki', now: filedAt });
  return {
    id: record.id,
    type: 'data-request',
    email: emailKey(record.subject.email),
    kid: String(decodeProtectedHeader(jws).kid),
    jws,
    record: record as unknown as Record<string, unknown>,
    receipt: receipt as unknown as Record<string, unknown>,
    receivedAt: receipt.receivedAt,
    dueBy: receipt.dueBy ?? null,
  };
}

describe('console: due dates and the digest on the Finnish calendar', () => {
  let smtp: TestSmtp;
  before(async () => {
    smtp = await startTestSmtp();
  });
  after(async () => {
    await smtp?.stop();
  });

  const serve = (dataDir: string, extra: { databaseUrl?: string; officeEmail?: string } = {}) =>
    serveReceiver({
      dataDir,
      ...(extra.databaseUrl ? { databaseUrl: extra.databaseUrl } : {}),
      mail: {
        transport: createMailTransport({ smtpUrl: smtp.url, from: 'OptimeSys <tietosuoja@optimesys.fi>' }),
        sender: { intervalMs: 50, backoff: { baseMs: 100, capMs: 300, jitter: 0 } },
      },
      console: { users: USERS, now: () => NOW, ...(extra.officeEmail ? { officeEmail: extra.officeEmail } : {}) },
    });

  /** Stores the requests in the database `dataDir`/`databaseUrl` names, before any receiver runs on it. */
  async function seed(dataDir: string, databaseUrl?: string) {
    const key = await openServerKey(dataDir);
    const store = await openStore({ dataDir, databaseUrl });
    await store.bindKey(key.kid);
    const rows = {
      // Filed on Saturday 6 December (Independence Day): a month later is Epiphany, Tuesday 6 January, a holiday.
      epiphany: await filed(key, new Date('2025-12-06T10:00:00Z')),
      // Filed on Christmas Eve: 24 January 2026 is a Saturday.
      christmas: await filed(key, new Date('2025-12-24T09:00:00Z'), 'erasure'),
      // Filed on 20 November: 20 December is a Saturday, so Monday 22 December, long past on 2 January.
      late: await filed(key, new Date('2025-11-20T12:00:00Z')),
      // Filed at 00:30 Helsinki time on 1 December (22:30 UTC on 30 November): the Finnish day is the 1st, and
      // 1 January is New Year's Day, so the answer is due Friday 2 January (on the UTC day it would be 30 December).
      midnight: await filed(key, new Date('2025-11-30T22:30:00Z')),
    };
    for (const row of Object.values(rows)) assert.equal((await store.put(row)).status, 'stored');
    await store.close();
    return rows;
  }

  it('lists requests by their due dates on the receipts\' calendar, overdue first, days counted from the Finnish today', async () => {
    const dataDir = tempDir('pw-console-cal-');
    const rows = await seed(dataDir);
    assert.equal(rows.epiphany.dueBy, '2026-01-07', 'Epiphany moves the due date to Wednesday 7 January');
    assert.equal(rows.christmas.dueBy, '2026-01-26');
    assert.equal(rows.late.dueBy, '2025-12-22');
    assert.equal(rows.midnight.dueBy, '2026-01-02');
    for (const row of Object.values(rows)) assert.equal(row.dueBy, dueDate(new Date(row.receivedAt), 'Europe/Helsinki'));

    const receiver = await serve(dataDir);
    try {
      const agent = new Agent(receiver.url);
      // The clock is 2 January for sign-in too: the link is valid then.
      await signInByLink(agent, smtp);
      const list = (await (await agent.fetch('/console/api/requests?status=open')).json()) as { today: string; requests: { id: string; dueBy: string; daysLeft: number; overdue: boolean }[] };
      assert.equal(list.today, '2026-01-02');
      assert.deepEqual(
        list.requests.map((r) => [r.id, r.dueBy, r.daysLeft, r.overdue]),
        [
          [rows.late.id, '2025-12-22', -11, true],
          [rows.midnight.id, '2026-01-02', 0, false],
          [rows.epiphany.id, '2026-01-07', 5, false],
          [rows.christmas.id, '2026-01-26', 24, false],
        ],
      );
      // The command line's own arithmetic (`requests --open`) says the same.
      const cli = openRequests(Object.values(rows), [], NOW, [], 'Europe/Helsinki');
      for (const row of list.requests) {
        const same = cli.find((r) => r.id === row.id)!;
        assert.deepEqual([same.dueBy, same.daysLeft, same.overdue], [row.dueBy, row.daysLeft, row.overdue]);
      }
      const overdue = (await (await agent.fetch('/console/api/requests?status=overdue')).json()) as { requests: { id: string }[] };
      assert.deepEqual(overdue.requests.map((r) => r.id), [rows.late.id]);
    } finally {
      await receiver.close();
    }
  });

  it('the digest lists what is overdue or due within 7 days, once, in Finnish dates', async () => {
    const dataDir = tempDir('pw-console-digest-');
    const rows = await seed(dataDir);
    const receiver = await serve(dataDir, { officeEmail: OFFICE });
    try {
      const digest = await smtp.waitFor((m) => m.envelope.to.includes(OFFICE) && /Vastattavia tietopyyntöjä/.test(String(m.parsed.subject)), 10_000);
      assert.equal(digest.parsed.subject, 'Vastattavia tietopyyntöjä: 3');
      const text = String(digest.parsed.text);
      assert.match(text, /tänään on 2\.1\.2026/);
      assert.match(text, new RegExp(`viitenumero ${rows.epiphany.id}: vastattava 7\\.1\\.2026 mennessä, 5 päivää jäljellä`));
      assert.match(text, new RegExp(`viitenumero ${rows.late.id}: MYÖHÄSSÄ, vastaus olisi pitänyt antaa 22\\.12\\.2025`));
      assert.match(text, new RegExp(`viitenumero ${rows.midnight.id}: vastattava tänään, 2\\.1\\.2026`));
      assert.doesNotMatch(text, new RegExp(rows.christmas.id), 'due in 24 days: not yet');
      assert.doesNotMatch(text, /Maija|@example\.fi/, 'no name or address of a requester in the office\'s mail');
      assert.match(text, /\/console/);
    } finally {
      await receiver.close();
    }
    // A second start the same day (another worker, a restart) sends no second digest.
    const again = await serve(dataDir, { officeEmail: OFFICE });
    await again.close();
    const store = await openStore({ dataDir, databaseUrl: undefined });
    try {
      const digests = (await store.jobs({ kind: 'mail', email: emailKey(OFFICE) })).filter((j) => j.payload.kind === 'console-digest');
      assert.equal(digests.length, 1);
    } finally {
      await store.close();
    }
  });

  it('no digest when nothing is due', async () => {
    const dataDir = tempDir('pw-console-quiet-');
    const key = await openServerKey(dataDir);
    const store = await openStore({ dataDir, databaseUrl: undefined });
    await store.bindKey(key.kid);
    // Filed on 1 January: due 2 February, a month away.
    await store.put(await filed(key, new Date('2026-01-01T10:00:00Z')));
    await store.close();
    const receiver = await serve(dataDir, { officeEmail: OFFICE });
    // Closing waits for the look the receiver takes at start.
    await receiver.close();
    const after = await openStore({ dataDir, databaseUrl: undefined });
    try {
      assert.deepEqual((await after.jobs({ kind: 'mail', email: emailKey(OFFICE) })).filter((j) => j.payload.kind === 'console-digest'), []);
    } finally {
      await after.close();
    }
  });

  describe('several instances on one PostgreSQL', { skip: pgTestsDisabled }, () => {
    let pg: TestPostgres;
    before(async () => {
      pg = await startPostgres();
    });
    after(() => pg?.stop());

    it('the digest goes exactly once, whichever instance looks first', async () => {
      const dataDir = tempDir('pw-console-pg-');
      const rows = await seed(dataDir, pg.url);
      const before = smtp.messages.length;
      // Four instances start together on one database and one receiver key: each looks at once.
      const instances: Served[] = await Promise.all([1, 2, 3, 4].map(() => serve(dataDir, { databaseUrl: pg.url, officeEmail: 'pg-office@optimesys.fi' })));
      try {
        await smtp.waitFor((m) => m.envelope.to.includes('pg-office@optimesys.fi'), 10_000);
      } finally {
        await Promise.all(instances.map((r) => r.close()));
      }
      const store = await openStore({ dataDir, databaseUrl: pg.url });
      try {
        const digests = (await store.jobs({ kind: 'mail', email: 'pg-office@optimesys.fi' })).filter((j) => j.payload.kind === 'console-digest');
        assert.equal(digests.length, 1);
        assert.ok(String((digests[0]!.payload.message as { text: string }).text).includes(rows.epiphany.id));
      } finally {
        await store.close();
      }
      assert.equal(smtp.messages.slice(before).filter((m) => m.envelope.to.includes('pg-office@optimesys.fi')).length, 1);
    });
  });
});
