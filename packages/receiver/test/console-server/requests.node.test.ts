// The console's work on data requests through the receiver, with real SMTP and a webhook
// endpoint: the office hears of a new request and of its confirmation; the list and the trail;
// identity verified by other means; a templated message in the requester's language; a close
// with a note (the closure and its request.closed webhook); the Art. 15 answer; a Swedish
// request's message and answer in Swedish; consents per purpose and per address. Then the
// command line: `requests --open`, `export` and `verify` see it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { createConsentRecord } from '@optimesys/privacy-records/create';
import { signRecord } from '@optimesys/privacy-records/sign';
import type { NoticeDocuments } from '../../src/console/answer.js';
import { emailKey } from '../../src/store/store.js';
import { SECRET, until, webhookEndpoint } from '../server/webhook-helpers.js';
import { startTestSmtp, type ReceivedMail, type TestSmtp } from '../helpers/smtp.js';
import { tempDir } from '../receiver/helpers.js';
import type { Served } from '../receiver/serve.js';
import { address, Agent, consoleReceiver, formSigner, NOTICE, postRequest, signedRequest, signInByLink, STAFF } from './helpers.js';

const OFFICE = 'tietosuoja@optimesys.fi';
const CLI = ['--import', 'tsx', 'packages/receiver/src/cli/bin.ts'];
const notices: NoticeDocuments = {
  fi: JSON.parse(readFileSync('locales/fi/notice.json', 'utf8')) as NoticeDocuments['fi'] & object,
  en: JSON.parse(readFileSync('locales/en/notice.json', 'utf8')) as NoticeDocuments['en'] & object,
  sv: JSON.parse(readFileSync('locales/sv/notice.json', 'utf8')) as NoticeDocuments['sv'] & object,
};

function cli(dataDir: string, ...args: string[]) {
  const result = spawnSync('node', [...CLI, ...args, '--data-dir', dataDir], { encoding: 'utf8', timeout: 60_000 });
  return { status: result.status, json: result.stdout ? (JSON.parse(result.stdout) as unknown) : undefined, stderr: result.stderr };
}

const confirmLink = (mail: ReceivedMail) => String(mail.parsed.text).match(/https?:\/\/\S+\/confirm\/[A-Za-z0-9_-]+/)![0];

type Detail = {
  request: Record<string, unknown> & { status: string; identity: string; identityVerified?: { how: string; by: string; at: string } };
  templates: { id: string; label: string }[];
  answerUrl: string;
  trail: { at: string; kind: string; summary: string; detail?: Record<string, unknown> }[];
};

describe('console: data requests, actions and their audit', () => {
  let smtp: TestSmtp;
  let endpoint: Awaited<ReturnType<typeof webhookEndpoint>>;
  let receiver: Served;
  let dataDir: string;
  let staff: Agent;
  let csrf: string;
  /** A request confirmed from its mailed link, closed at the end. */
  let confirmed: { id: string; kid: string; email: string };

  before(async () => {
    smtp = await startTestSmtp();
    endpoint = await webhookEndpoint();
    dataDir = tempDir('pw-console-requests-');
    receiver = await consoleReceiver(
      smtp,
      { officeEmail: OFFICE },
      {
        dataDir,
        notices,
        webhooks: { endpoints: [endpoint.url], secret: SECRET, sender: { schedule: [150, 150, 150], pollMs: 50, jitter: 0 } },
      },
    );
    staff = new Agent(receiver.url);
    csrf = (await signInByLink(staff, smtp)).csrf;
  });
  after(async () => {
    await receiver?.close();
    await endpoint?.close();
    await smtp?.stop();
  });

  const detail = async (id: string, kid: string) => {
    const response = await staff.fetch(`/console/api/requests/${id}?kid=${encodeURIComponent(kid)}`);
    assert.equal(response.status, 200);
    return (await response.json()) as Detail;
  };
  const officeMail = (subject: RegExp, id: string) => smtp.waitFor((m) => m.envelope.to.includes(OFFICE) && subject.test(String(m.parsed.subject)) && String(m.parsed.text).includes(id), 10_000);

  it('the office hears of a new request once, and again when its sender confirms it', async () => {
    const { record, jws } = await signedRequest({ email: address('confirming') });
    const post = () => fetch(new URL('/api/records', receiver.url), { method: 'POST', headers: { 'content-type': 'application/jose' }, body: jws });
    assert.equal((await post()).status, 201);
    assert.equal((await post()).status, 200, 'a retry of the same record');
    const arrived = await officeMail(/^Uusi tietopyyntö/, record.id);
    assert.doesNotMatch(String(arrived.parsed.text), new RegExp(record.subject.name));
    assert.doesNotMatch(String(arrived.parsed.text), new RegExp(record.subject.email));
    assert.match(String(arrived.parsed.text), /\/console#\/requests\//);

    const row = (await receiver.store.get(record.id))!;
    confirmed = { id: record.id, kid: row.kid, email: record.subject.email };
    const link = confirmLink(await smtp.waitFor((m) => m.envelope.to.includes(record.subject.email), 10_000));
    assert.equal((await fetch(link, { method: 'POST' })).status, 200);
    await officeMail(/^Tietopyyntö vahvistettu/, record.id);

    const notices = (await receiver.store.jobs({ kind: 'mail', email: OFFICE })).filter((j) => String((j.payload.message as { text: string }).text).includes(record.id));
    assert.deepEqual(notices.map((j) => j.payload.kind).sort(), ['console-office-arrived', 'console-office-confirmed']);

    const { request } = await detail(record.id, row.kid);
    assert.equal(request.identity, 'confirmed');
    assert.ok(request.identityConfirmedAt);
  });

  it('the list and the trail: everything about the subject, in time order', async () => {
    const list = (await (await staff.fetch('/console/api/requests?status=open')).json()) as { today: string; requests: Record<string, unknown>[] };
    assert.match(list.today, /^\d{4}-\d{2}-\d{2}$/);
    const row = list.requests.find((r) => r.id === confirmed.id)!;
    assert.equal(row.status, 'open');
    assert.equal(row.requestType, 'access');
    assert.equal(row.locale, 'fi');
    assert.equal(typeof row.daysLeft, 'number');
    // A page at a time: one row per page, the pages together are the list, the total counts it all.
    type Page = { requests: { id: string }[]; total: number; offset: number; counts: { open: number; overdue: number; closed: number } };
    const page = async (offset: number) => (await (await staff.fetch(`/console/api/requests?status=open&limit=1&offset=${offset}`)).json()) as Page;
    const pages = await Promise.all(list.requests.map((_, i) => page(i)));
    assert.deepEqual(pages.map((p) => p.requests.map((r) => r.id)), list.requests.map((r) => [r.id]));
    assert.ok(pages.every((p, i) => p.offset === i && p.total === list.requests.length && p.counts.open === list.requests.length));
    assert.deepEqual((await page(list.requests.length)).requests, []);
    // The webhook of the record and of its confirmation reach the endpoint before the trail is read.
    await until(() => endpoint.deliveries.filter((d) => String(d.body).includes(confirmed.id)).length >= 2);
    await until(async () => (await receiver.store.jobs({ kind: 'webhook', email: emailKey(confirmed.email) })).every((j) => j.doneAt));
    const { trail, templates, answerUrl } = await detail(confirmed.id, confirmed.kid);
    assert.deepEqual(templates.map((t) => t.id), ['received', 'identify', 'extension', 'answered']);
    assert.equal(answerUrl, `/console/api/requests/${confirmed.id}/answer?kid=${encodeURIComponent(confirmed.kid)}`);
    const kinds = trail.map((e) => e.kind);
    for (const kind of ['record', 'receipt', 'mail', 'confirmation', 'webhook']) assert.ok(kinds.includes(kind), kind);
    const times = trail.map((e) => Date.parse(e.at));
    assert.deepEqual(times, [...times].sort((a, b) => a - b), 'in time order');
    const mail = trail.find((e) => e.kind === 'mail')!;
    assert.equal(mail.detail!.subject, 'Vahvista tietopyyntösi');
    assert.ok(mail.detail!.sentAt, 'the send time');
    assert.match(String(mail.detail!.text), /\/confirm\/redacted/, 'a sent mail\'s link token is kept redacted');
    const record = trail.find((e) => e.kind === 'record')!;
    assert.equal((record.detail!.record as { source: { url: string } }).source.url, 'https://www.optimesys.fi/tietosuoja');
    assert.ok(trail.some((e) => e.kind === 'webhook' && e.detail!.type === 'request.confirmed' && e.detail!.sentAt));
    // The office's own notices are no part of the subject's trail.
    assert.ok(!trail.some((e) => e.kind === 'mail' && e.detail!.to === OFFICE));
  });

  it('identity verified by other means: recorded with how, who and when, once', async () => {
    const { record, kid } = await postRequest(receiver);
    const path = `/console/api/requests/${record.id}/verify-identity`;
    assert.equal((await staff.fetch(path, { json: { kid, how: '   ' }, csrf })).status, 400);
    assert.equal((await staff.fetch(path, { json: { kid, how: 'Called the number in our customer register' }, csrf })).status, 200);
    const again = await staff.fetch(path, { json: { kid, how: 'again' }, csrf });
    assert.equal(again.status, 409);
    const { request, trail } = await detail(record.id, kid);
    assert.equal(request.identity, 'unconfirmed', 'the mailbox did not prove it');
    assert.equal(request.identityVerified?.how, 'Called the number in our customer register');
    assert.equal(request.identityVerified?.by, STAFF);
    const action = trail.find((e) => e.kind === 'action')!;
    assert.deepEqual([action.detail!.who, action.detail!.what, action.detail!.note], [STAFF, 'verify-identity', 'Called the number in our customer register']);
    const events = (await receiver.store.events(record.subject.email)).filter((e) => e.kind === 'console');
    assert.equal(events.length, 1);
    assert.equal(events[0]!.data.by, STAFF);
  });

  it('a message from a template, in the requester\'s language, through the mail queue', async () => {
    const { record, kid } = await postRequest(receiver, { locale: 'en', requestType: 'erasure' });
    const path = `/console/api/requests/${record.id}/message`;
    assert.equal((await staff.fetch(path, { json: { kid, template: '<script>' }, csrf })).status, 400);
    assert.equal((await staff.fetch(path, { json: { kid, template: 'extension' }, csrf })).status, 202);
    const mail = await smtp.waitFor((m) => m.envelope.to.includes(record.subject.email) && m.parsed.subject === 'We need more time to answer your data request', 10_000);
    const text = String(mail.parsed.text);
    assert.match(text, new RegExp(`reference number ${record.id}`));
    assert.match(text, /Erasure \(Art\. 17\)/);
    assert.match(text, /two further months: we will answer by \d+ \w+ \d{4}/);
    assert.doesNotMatch(text, new RegExp(record.subject.name), 'nothing the requester typed but their address');
    const { trail } = await detail(record.id, kid);
    const action = trail.find((e) => e.kind === 'action')!;
    assert.equal(action.detail!.what, 'message');
    assert.equal(action.detail!.template, 'extension');
    assert.ok(trail.some((e) => e.kind === 'mail' && e.detail!.subject === 'We need more time to answer your data request'));
  });

  it('close with a note: the closure, its request.closed webhook, once', async () => {
    const path = `/console/api/requests/${confirmed.id}/close`;
    const empty = await staff.fetch(path, { json: { kid: confirmed.kid, note: ' ' }, csrf });
    assert.equal(empty.status, 400);
    assert.equal(((await empty.json()) as { error: { code: string } }).error.code, 'invalid-note');
    assert.equal((await staff.fetch(path, { json: { kid: confirmed.kid, note: 'Answered by mail with the Art. 15 file.' }, csrf })).status, 200);
    const twice = await staff.fetch(path, { json: { kid: confirmed.kid, note: 'again' }, csrf });
    assert.equal(twice.status, 409);
    assert.equal(((await twice.json()) as { error: { code: string } }).error.code, 'already-closed');
    assert.equal((await receiver.store.closures()).filter((c) => c.requestId === confirmed.id).length, 1);

    const closed = (await (await staff.fetch('/console/api/requests?status=closed')).json()) as { requests: Record<string, unknown>[] };
    const row = closed.requests.find((r) => r.id === confirmed.id)!;
    assert.equal(row.status, 'closed');
    assert.equal(row.closedBy, STAFF);
    assert.equal(row.overdue, false);
    const open = (await (await staff.fetch('/console/api/requests?status=open')).json()) as { requests: { id: string }[] };
    assert.ok(!open.requests.some((r) => r.id === confirmed.id));

    await until(() => endpoint.deliveries.some((d) => d.verified && (d.payload as { type?: string }).type === 'request.closed' && d.body.includes(confirmed.id)));
    const hook = endpoint.deliveries.find((d) => (d.payload as { type?: string }).type === 'request.closed')!;
    assert.match(hook.body, /Answered by mail with the Art\. 15 file\./);

    const { request, trail } = await detail(confirmed.id, confirmed.kid);
    assert.equal(request.status, 'closed');
    assert.ok(trail.some((e) => e.kind === 'closure' && e.detail!.note === 'Answered by mail with the Art. 15 file.'));
    assert.ok(trail.some((e) => e.kind === 'action' && e.detail!.what === 'close' && e.detail!.who === STAFF));
    // Actions on a closed request: refused.
    assert.equal((await staff.fetch(`/console/api/requests/${confirmed.id}/verify-identity`, { json: { kid: confirmed.kid, how: 'late' }, csrf })).status, 409);
  });

  it('the Art. 15 answer: one HTML file in the requester\'s language, with the notice\'s sections and the export\'s JSON', async () => {
    const response = await staff.fetch(`/console/api/requests/${confirmed.id}/answer?kid=${encodeURIComponent(confirmed.kid)}`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/html/);
    const html = await response.text();
    assert.match(html, /^<!doctype html>\n<html lang="fi">/);
    assert.doesNotMatch(html, /<script|<link|src=/i, 'self-contained, no script');
    assert.match(html, /Henkilötietosi \(tietosuoja-asetuksen 15 artikla\)/);
    assert.match(html, /Henkilötietojen vastaanottajat ja tietojen säännönmukaiset luovutukset/, 'recipients, from the notice');
    assert.match(html, /Henkilötietojen säilytysaika/, 'retention, from the notice');
    assert.match(html, /Rekisteröidyn oikeudet/, 'rights, from the notice');
    assert.match(html, /versio 2018-05-24/, 'the notice version the person saw');
    const pre = html.match(/<pre id="export">([\s\S]*?)<\/pre>/)![1]!;
    const unescaped = pre.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
    const embedded = JSON.parse(unescaped) as { records: { record: { id: string } }[]; events: { kind: string; data: { action?: string } }[]; closures: { requestId: string }[] };
    assert.ok(embedded.records.some((r) => r.record.id === confirmed.id));
    assert.ok(embedded.events.some((e) => e.kind === 'console' && e.data.action === 'close'));
    assert.deepEqual(embedded.closures.map((c) => c.requestId), [confirmed.id]);
    // The download itself is recorded.
    assert.ok((await receiver.store.events(confirmed.email)).some((e) => e.kind === 'console' && e.data.action === 'answer'));
  });

  it('a Swedish request: the templated message and the Art. 15 answer in Swedish', async () => {
    const { record, kid } = await postRequest(receiver, { locale: 'sv', requestType: 'erasure' });
    const subject = 'Vi behöver mer tid för att behandla din dataskyddsbegäran';
    assert.equal((await staff.fetch(`/console/api/requests/${record.id}/message`, { json: { kid, template: 'extension' }, csrf })).status, 202);
    const mail = await smtp.waitFor((m) => m.envelope.to.includes(record.subject.email) && m.parsed.subject === subject, 10_000);
    assert.equal(mail.parsed.headers.get('content-language'), 'sv');
    const text = String(mail.parsed.text);
    assert.match(text, /^Hej,/);
    assert.match(text, new RegExp(`\\(Radering av uppgifter \\(artikel 17\\), referensnummer ${record.id}\\) den \\d{1,2}\\.\\d{1,2}\\.\\d{4} kl\\. \\d{1,2}\\.\\d{2} \\(finländsk tid\\)\\.`));
    assert.match(text, /Enligt artikel 12\.3 i dataskyddsförordningen får tidsfristen förlängas med ytterligare två månader: vi svarar senast \d{1,2}\.\d{1,2}\.\d{4}\./);
    assert.match(text, /Vänliga hälsningar/);

    const response = await staff.fetch(`/console/api/requests/${record.id}/answer?kid=${encodeURIComponent(kid)}`);
    assert.equal(response.status, 200);
    const html = await response.text();
    assert.match(html, /^<!doctype html>\n<html lang="sv">/);
    assert.match(html, /<h1>Dina personuppgifter \(artikel 15 i dataskyddsförordningen\)<\/h1>/);
    assert.match(html, new RegExp(`dataskyddsbegäran med referensnummer ${record.id} som vi tog emot den \\d{1,2}\\.\\d{1,2}\\.\\d{4} kl\\. `));
    assert.match(html, /<h3>Dataskyddsbegäran som skickades den [^<]*: Radering av uppgifter \(artikel 17\)<\/h3>/);
    assert.match(html, new RegExp(`<li>[^<]*: ${subject}</li>`), 'the message, among the mails sent');
    assert.match(html, /ärendet behandlades av vårt dataskyddsteam \(message\)/);
    assert.match(html, /Ur vår dataskyddsbeskrivning, version 2018-05-24/);
    assert.match(html, /Mottagare av personuppgifter och regelbundna utlämnanden av uppgifter/, 'recipients, from the Swedish notice');
    assert.match(html, /Den registrerades rättigheter/, 'rights, from the Swedish notice');
    assert.doesNotMatch(html, /Henkilötietosi|Your personal data|Meillä olevat tiedot|The data we hold/, 'no other language\'s answer');
  });

  it('consents per purpose, week by week, and per address as `consents --email` has them', async () => {
    const email = address('consenting');
    const consent = (granted: boolean, purpose: string) =>
      createConsentRecord({
        subject: { email },
        locale: 'fi',
        notice: NOTICE,
        source: { url: 'https://www.optimesys.fi/uutiskirje', element: 'consent-form' },
        decisions: [{ purpose, dpv: 'dpv:DirectMarketing', basis: 'consent', granted, text: purpose }],
        processing: [],
      });
    const send = async (record: ReturnType<typeof consent>) =>
      fetch(new URL('/api/records', receiver.url), { method: 'POST', headers: { 'content-type': 'application/jose' }, body: (await signRecord(record, formSigner())).jws });
    assert.equal((await send(consent(true, 'newsletter'))).status, 201);
    const link = confirmLink(await smtp.waitFor((m) => m.envelope.to.includes(email), 10_000));
    assert.equal((await fetch(link, { method: 'POST' })).status, 200);
    assert.equal((await send(consent(true, 'blog'))).status, 201); // waits for its confirmation
    assert.equal((await send(consent(false, 'events'))).status, 201);

    const stats = (await (await staff.fetch('/console/api/consents/stats')).json()) as {
      purposes: { purpose: string; label: string; granted: number; pending: number; withdrawn: number }[];
      weeks: { week: string; start: string; purpose: string; granted: number }[];
    };
    const by = Object.fromEntries(stats.purposes.map((p) => [p.purpose, p]));
    assert.deepEqual([by.newsletter!.granted, by.blog!.pending, by.events!.withdrawn], [1, 1, 1]);
    const labels = JSON.parse(readFileSync('packages/receiver/locales/fi/labels.json', 'utf8')) as { purposes: Record<string, { label: string }> };
    assert.equal(by.newsletter!.label, labels.purposes.newsletter!.label, 'in the site\'s words');
    assert.ok(stats.weeks.length >= 3);
    const week = stats.weeks.at(-1)!;
    assert.match(week.week, /^\d{4}-W\d{2}$/);
    assert.equal(new Date(`${week.start}T00:00:00Z`).getUTCDay(), 1, 'a Monday');

    const search = await staff.fetch(`/console/api/consents?email=${encodeURIComponent(email.toUpperCase())}`);
    assert.equal(search.status, 200);
    const found = (await search.json()) as { email: string; purposes: { purpose: string; granted: boolean; pending?: boolean; decidedAt: string }[] };
    assert.equal(found.email, emailKey(email));
    const cliStates = cli(dataDir, 'consents', '--email', email).json as { purpose: string; granted: boolean; pending?: boolean; decidedAt: string }[];
    assert.deepEqual(
      found.purposes.map(({ purpose, granted, pending, decidedAt }) => ({ purpose, granted, pending: Boolean(pending), decidedAt })),
      cliStates.map(({ purpose, granted, pending, decidedAt }) => ({ purpose, granted, pending: Boolean(pending), decidedAt })),
    );
    assert.equal((await staff.fetch(`/console/api/consents?email=${encodeURIComponent(address('nobody'))}`)).status, 404);
    assert.equal((await staff.fetch('/console/api/consents?email=not-an-address')).status, 400);
  });

  it('the command line sees it all: requests --open, export and verify', async () => {
    const open = cli(dataDir, 'requests', '--open');
    assert.equal(open.status, 0, open.stderr);
    assert.ok(!(open.json as { id: string }[]).some((r) => r.id === confirmed.id), 'the closed request is no longer open');
    const exported = cli(dataDir, 'export', '--email', confirmed.email);
    assert.equal(exported.status, 0, exported.stderr);
    const document = exported.json as { events: { kind: string; data: Record<string, unknown> }[]; closures: { requestId: string; closedAt: string; note: string }[] };
    assert.deepEqual(document.closures, [{ requestId: confirmed.id, closedAt: document.closures[0]!.closedAt, note: 'Answered by mail with the Art. 15 file.' }]);
    const actions = document.events.filter((e) => e.kind === 'console').map((e) => e.data.action);
    assert.ok(actions.includes('close') && actions.includes('answer'));
    const close = document.events.find((e) => e.data.action === 'close')!;
    assert.equal(close.data.by, STAFF);
    assert.equal(close.data.note, 'Answered by mail with the Art. 15 file.');
    const verify = cli(dataDir, 'verify');
    assert.equal(verify.status, 0, verify.stderr);
    const checked = verify.json as { events: { checked: number; failed: number } };
    assert.equal(checked.events.failed, 0);
    let consoleEvents = 0;
    for await (const event of receiver.store.allEvents()) if (event.kind === 'console') consoleEvents++;
    assert.ok(consoleEvents >= 5 && checked.events.checked >= consoleEvents);
  });
});
