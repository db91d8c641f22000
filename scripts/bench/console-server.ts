// The console's requests view at scale (#23): a SQLite store filled with `requests` data requests
// among `records` records (confirmations, closures, consents' confirmations), the receiver serving
// the console over it, mail caught in memory (the sign-in link), and the list as the console read
// it before it read by index (every record scanned, one events query per requester, the whole list
// derived), for the same run's baseline.
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { requestList, requestRows } from '../../packages/receiver/src/console/requests.js';
import type { StatusFilter } from '../../packages/receiver/src/console/types.js';
import type { MailTransport, OutgoingMail } from '../../packages/receiver/src/mail/transport.js';
import { pgStore } from '../../packages/receiver/src/store/pg-store.js';
import { sqliteStore } from '../../packages/receiver/src/store/sqlite-store.js';
import type { ReceiverEvent, RecordStore, StoredRecord } from '../../packages/receiver/src/store/store.js';
import { serveReceiver } from '../../packages/receiver/test/receiver/serve.js';

export const STAFF = 'dpo@optimesys.fi';
const DAY = 86_400_000;
const PURPOSES = ['newsletter', 'blog', 'events'];

/** A signature's length of text, so that rows weigh what real ones do. */
const jwsOf = (id: string) => `eyJhbGciOiJFUzI1NiJ9.${Buffer.from(id.repeat(12)).toString('base64url')}.${'s'.repeat(86)}`;

function requestRow(i: number, now: number): StoredRecord {
  const id = randomUUID();
  const email = `requester-${i}@example.fi`;
  const received = now - ((i * 37) % 60) * DAY;
  const dueBy = new Date(received + 30 * DAY).toISOString().slice(0, 10);
  const record = {
    id, type: 'data-request', locale: ['fi', 'sv', 'en'][i % 3], requestType: ['access', 'erasure', 'rectification', 'portability'][i % 4],
    subject: { name: `Requester ${i}`, email }, details: 'Please send me a copy of everything you hold about me.',
    notice: { version: '2018-05-24', digest: 'a'.repeat(64) }, source: { url: 'https://www.optimesys.fi/tietosuoja', element: 'data-request-form' },
    issuedAt: new Date(received).toISOString(),
  };
  return { id, type: 'data-request', email, kid: `device-${i % 500}`, jws: jwsOf(id), record, receipt: { recordId: id, dueBy }, receivedAt: new Date(received).toISOString(), dueBy };
}

function consentRow(i: number, now: number): StoredRecord {
  const id = randomUUID();
  const email = `subscriber-${i % 60_000}@example.com`;
  const decisions = PURPOSES.map((purpose, p) => ({ purpose, dpv: 'dpv:DirectMarketing', basis: 'consent', granted: (i + p) % 3 !== 0, text: `I want ${purpose} from OptimeSys` }));
  const at = new Date(now - (i % 180) * DAY).toISOString();
  const record = { id, type: 'consent', locale: 'fi', subject: { email }, decisions, notice: { version: '2018-05-24', digest: 'a'.repeat(64) }, source: { url: 'https://www.optimesys.fi/', element: 'consent-form' }, issuedAt: at };
  return { id, type: 'consent', email, kid: `device-${i % 5000}`, jws: jwsOf(id), record, receipt: { recordId: id }, receivedAt: at, dueBy: null };
}

const confirmation = (row: StoredRecord, at: string): ReceiverEvent => ({
  id: randomUUID(), kind: 'confirmation', key: `confirm:${row.kid}:${row.id}`, email: row.email, recordId: row.id, recordKid: row.kid, at, data: { tokenId: randomUUID() }, jws: jwsOf(row.id),
});

/** Fills `store`: `requests` data requests (6 in 10 confirmed, 3 in 10 closed) and consents up to `records` rows (half of them confirmed). */
export async function fill(store: RecordStore, { requests, records }: { requests: number; records: number }) {
  const now = Date.now();
  const batch = async <T>(items: T[], put: (item: T) => Promise<unknown>) => {
    for (let i = 0; i < items.length; i += 2000) await Promise.all(items.slice(i, i + 2000).map(put));
  };
  const made: StoredRecord[] = [];
  const rows: StoredRecord[] = [];
  // Requests arrive among the consents, as they do.
  const every = Math.floor(records / requests);
  for (let i = 0, r = 0, c = 0; i < records; i++) {
    if (i % every === 0 && r < requests) made.push(rows[rows.push(requestRow(r++, now)) - 1]!);
    else rows.push(consentRow(c++, now));
  }
  await batch(rows, (row) => store.put(row));
  const events = [
    ...made.filter((_, i) => i % 10 < 6).map((row) => confirmation(row, new Date(Date.parse(row.receivedAt) + 3_600_000).toISOString())),
    ...rows.filter((row, i) => row.type === 'consent' && i % 2 === 0).map((row) => confirmation(row, row.receivedAt)),
  ];
  await batch(events, (event) => store.addEvent(event));
  await batch(
    made.filter((_, i) => i % 10 >= 7),
    (row) => store.closeRequest({ requestId: row.id, closedAt: new Date(Date.parse(row.receivedAt) + 10 * DAY).toISOString(), note: 'Answered by e-mail.' }),
  );
  return { events: events.length, closed: made.filter((_, i) => i % 10 >= 7).length };
}

/** The list as the console read it before #23's indexes: every record, one events query per requester, all derived. */
export async function wholeList(store: RecordStore, status: StatusFilter, now: Date) {
  const rows: StoredRecord[] = [];
  for await (const row of store.all()) if (row.type === 'data-request') rows.push(row);
  const events: ReceiverEvent[] = [];
  for (const email of new Set(rows.map((r) => r.email))) events.push(...(await store.events(email)));
  const listed = requestRows(rows, await store.closures(), events, now).rows;
  return status === 'all' ? listed : listed.filter((r) => (status === 'overdue' ? r.status === 'open' && r.overdue : r.status === status));
}

/** A page as the console reads it now. */
export const pageList = (store: RecordStore, status: StatusFilter, now: Date) => requestList(store, status, now);

/** Mail caught in memory. */
function memoryTransport(sent: OutgoingMail[]): MailTransport {
  let n = 0;
  return {
    kind: 'smtp',
    timeoutMs: 5000,
    send: async (message) => (sent.push(message), { messageId: `<${++n}@bench.invalid>` }),
    check: async () => ({ ok: true }),
    close() {},
  };
}

/** The store (a SQLite file in `dir`, or PostgreSQL at `databaseUrl`), filled, and the receiver serving the console over it. */
export async function startConsoleBench(dir: string, size: { requests: number; records: number }, databaseUrl?: string) {
  const store = databaseUrl ? await pgStore(databaseUrl, { max: 10 }) : sqliteStore(join(dir, 'receiver.db'));
  const started = Date.now();
  const filled = await fill(store, size);
  const fillMs = Date.now() - started;
  const sent: OutgoingMail[] = [];
  const served = await serveReceiver({ dataDir: dir, store, mail: { transport: memoryTransport(sent), sender: { intervalMs: 20 } }, console: { users: [STAFF] } });
  return {
    url: served.url,
    store,
    filled: { ...filled, fillMs },
    /** Asks for a sign-in link and returns it from the mail. */
    async signInLink(): Promise<string> {
      const origin = new URL(served.url).origin;
      const asked = await fetch(new URL('/console/auth/link', served.url), { method: 'POST', headers: { origin, 'content-type': 'application/json' }, body: JSON.stringify({ email: STAFF }) });
      if (asked.status !== 202) throw new Error(`sign-in link: ${asked.status}`);
      for (let i = 0; i < 200; i++) {
        const link = sent.map((m) => String(m.text).match(/https?:\/\/\S+\/console\/auth\/link\/[A-Za-z0-9_-]+/)?.[0]).find(Boolean);
        if (link) return link;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error('no sign-in mail');
    },
    close: () => served.close(),
  };
}
