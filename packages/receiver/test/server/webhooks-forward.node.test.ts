// examples/webhooks/forward.ts end to end on 127.0.0.1: the receiver's sender
// delivers signed messages to the example handler, which verifies them with
// `standardwebhooks` and forwards to stand-ins of HubSpot's and Mailchimp's
// documented endpoints; the stand-ins check path, auth and body shape.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { consentRecordEvents, webhookMessage } from '../../src/webhooks/events.js';
import { deliveriesFor, memoryWebhookQueue } from '../../src/webhooks/queue.js';
import { startWebhookSender } from '../../src/webhooks/sender.js';
import { webhookHeaders, parseWebhookSecret, createWebhookSecret } from '../../src/webhooks/sign.js';
import { HUBSPOT_PATH, HUBSPOT_REQUIRED, HUBSPOT_SUBMISSION_EXAMPLE } from '../fixtures/vendors/hubspot.js';
import { MAILCHIMP_MEMBER_EXAMPLE, MAILCHIMP_PATH, MAILCHIMP_REQUIRED } from '../fixtures/vendors/mailchimp.js';
import { shapeErrors } from '../fixtures/vendors/shape.js';
import { SECRET, storedConsent, until } from './webhook-helpers.js';

const root = process.cwd();
const work = mkdtempSync(join(root, 'node_modules', '.cache-pw-webhooks-'));
after(() => rmSync(work, { recursive: true, force: true }));

/** Bundles the example with the package name pointing at the source, as test/receiver/embed does. */
async function loadExample() {
  const outfile = join(work, 'forward.mjs');
  await build({
    entryPoints: [join(root, 'examples/webhooks/forward.ts')],
    outfile, bundle: true, platform: 'node', format: 'esm', target: 'node20', logLevel: 'silent',
    plugins: [{
      name: 'package-from-source',
      setup(b) {
        b.onResolve({ filter: /^@optimesys\/privacy-receiver$/ }, () => ({ path: join(root, 'packages/receiver/src/index.ts') }));
        b.onResolve({ filter: /^[^./]/ }, (args) => (args.path.startsWith('@optimesys/') ? undefined : { external: true }));
      },
    }],
  });
  return (await import(pathToFileURL(outfile).href)) as {
    forwardHandler(config: Record<string, unknown>): (req: IncomingMessage, res: ServerResponse) => void;
  };
}

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;
async function serve(handler: Handler) {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handler(req, res, Buffer.concat(chunks).toString('utf8')));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))) };
}

const PORTAL = '123456';
// Messages may arrive out of order (a retry overtaken by a later message): see the second test.
const FORM = '0c1e4a9e-5a8d-4b7e-9d3c-2f1a6b8c7d90';
const LIST = 'a1b2c3d4e5';
const API_KEY = '0123456789abcdef0123456789abcdef-us21';

test('the example forwards verified consent changes to HubSpot and Mailchimp in their documented shapes', async () => {
  const { forwardHandler } = await loadExample();
  const hubspot: unknown[] = [];
  const mailchimp: { email: string; body: Record<string, unknown> }[] = [];
  const problems: string[] = [];
  let mailchimpDown = 1; // the first Mailchimp call fails: the receiver must retry the message
  const hs = await serve((req, res, body) => {
    const json = JSON.parse(body);
    if (req.method !== 'POST' || !HUBSPOT_PATH.test(req.url!) || req.url !== `/submissions/v3/integration/submit/${PORTAL}/${FORM}`) problems.push(`hubspot path ${req.method} ${req.url}`);
    if (req.headers['content-type'] !== 'application/json') problems.push('hubspot content-type');
    problems.push(...shapeErrors(json, HUBSPOT_SUBMISSION_EXAMPLE).map((e) => `hubspot ${e}`));
    for (const key of HUBSPOT_REQUIRED) if (!(key in json)) problems.push(`hubspot missing ${key}`);
    hubspot.push(json);
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"inlineMessage":"Thanks"}');
  });
  const mc = await serve((req, res, body) => {
    const json = JSON.parse(body);
    const [, list, hash] = MAILCHIMP_PATH.exec(req.url!) ?? [];
    if (req.method !== 'PUT' || list !== LIST) problems.push(`mailchimp path ${req.method} ${req.url}`);
    if (hash !== createHash('md5').update(String(json.email_address).toLowerCase()).digest('hex')) problems.push('mailchimp subscriber hash');
    const [scheme, credentials] = String(req.headers.authorization).split(' ');
    if (scheme !== 'Basic' || Buffer.from(credentials!, 'base64').toString().split(':')[1] !== API_KEY) problems.push('mailchimp basic auth');
    problems.push(...shapeErrors(json, MAILCHIMP_MEMBER_EXAMPLE).map((e) => `mailchimp ${e}`));
    for (const key of MAILCHIMP_REQUIRED) if (!(key in json)) problems.push(`mailchimp missing ${key}`);
    if (mailchimpDown-- > 0) return void res.writeHead(503).end();
    mailchimp.push({ email: json.email_address, body: json });
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
  const site = createServer(
    forwardHandler({
      secret: SECRET,
      hubspot: { baseUrl: hs.url, portalId: PORTAL, formGuid: FORM, subscriptionTypeIds: { newsletter: 1001, events: 1002 } },
      mailchimp: { baseUrl: mc.url, listId: LIST, apiKey: API_KEY, marketingPermissionIds: { newsletter: 'p-news', events: 'p-events' } },
    }),
  );
  await new Promise<void>((r) => site.listen(0, '127.0.0.1', r));
  const endpoint = `http://127.0.0.1:${(site.address() as AddressInfo).port}/webhooks`;

  const queue = memoryWebhookQueue();
  const stored = await storedConsent();
  const granted = consentRecordEvents(stored)[0]!; // unconfirmed: nothing to forward yet
  const confirmed = webhookMessage('consent.confirmed', { ...JSON.parse(granted.body).data, confirmed: true, confirmedAt: new Date().toISOString(), purposes: JSON.parse(consentRecordEvents(stored, { confirmed: true })[0]!.body).data.purposes });
  const oneClick = webhookMessage('consent.withdrawn', {
    recordId: '0d8f6c1a-2b3e-4f5a-8b7c-9d0e1f2a3b4c', email: stored.record.subject.email, receivedAt: new Date().toISOString(), channel: 'one-click',
    purposes: [{ purpose: 'newsletter', dpv: 'dpv:DirectMarketing', granted: false, confirmed: false, text: 'Haluan uutiskirjeen sähköpostiini' }],
  });
  const outcomes: string[] = [];
  const sender = startWebhookSender({ queue, secret: SECRET, schedule: [30, 30, 30], jitter: 0, pollMs: 10, onAttempt: (o) => outcomes.push(`${o.delivery.type} ${o.result}`) });
  try {
    const deliver = async (...messages: { id: string; type: string; body: string }[]) => {
      await queue.enqueue(messages.flatMap((m) => deliveriesFor(m as never, [endpoint])), new Date());
      sender.wake();
      await until(() => [...queue.rows.values()].every((r) => r.state === 'delivered'), 8000, 'deliveries');
    };
    await deliver(granted, confirmed);
    await deliver(oneClick);
    // A replayed message (same webhook-id) and a forged one are not forwarded again.
    const replay = await fetch(endpoint, { method: 'POST', headers: webhookHeaders(parseWebhookSecret(SECRET), confirmed.id, confirmed.body), body: confirmed.body });
    assert.equal(replay.status, 204);
    const forged = await fetch(endpoint, { method: 'POST', headers: webhookHeaders(parseWebhookSecret(createWebhookSecret()), 'msg_forged', oneClick.body), body: oneClick.body });
    assert.equal(forged.status, 401);
  } finally {
    await sender.stop();
    await new Promise<void>((r) => (site.closeAllConnections(), site.close(() => r())));
    await hs.close();
    await mc.close();
  }
  assert.deepEqual(problems, []);
  assert.equal(outcomes.filter((o) => o.endsWith(' retry')).length, 1, 'the Mailchimp outage (502 from the site) made the receiver retry once');
  // HubSpot: the refusal of `events` with the first record, then the confirmed newsletter, then the withdrawal.
  const communications = hubspot.map((h) => (h as { legalConsentOptions: { consent: { communications: unknown[] } } }).legalConsentOptions.consent.communications);
  assert.deepEqual(communications.sort((a, b) => a.length - b.length).at(-1), [
    { value: true, subscriptionTypeId: 1001, text: 'Haluan uutiskirjeen sähköpostiini' },
    { value: false, subscriptionTypeId: 1002, text: 'Kutsut tapahtumiin ja webinaareihin' },
  ]);
  const statuses = mailchimp.map((m) => [m.body.status ?? null, m.body.status_if_new]);
  assert.deepEqual(statuses.sort(), [[null, 'unsubscribed'], ['subscribed', 'subscribed'], ['unsubscribed', 'unsubscribed']].sort());
  assert.equal(mailchimp.filter((m) => m.body.status === 'subscribed').length, 1, 'subscribed once, only after confirmation');
});

test('the example skips a confirmed grant that arrives after a later withdrawal (out-of-order delivery)', async () => {
  const { forwardHandler } = await loadExample();
  const members: Record<string, unknown>[] = [];
  const mc = await serve((_req, res, body) => {
    members.push(JSON.parse(body));
    res.writeHead(200).end('{}');
  });
  const hs = await serve((_req, res) => res.writeHead(200).end('{}'));
  const site = createServer(
    forwardHandler({
      secret: SECRET,
      hubspot: { baseUrl: hs.url, portalId: PORTAL, formGuid: FORM, subscriptionTypeIds: { newsletter: 1001 } },
      mailchimp: { baseUrl: mc.url, listId: LIST, apiKey: API_KEY, marketingPermissionIds: { newsletter: 'p-news' } },
    }),
  );
  await new Promise<void>((r) => site.listen(0, '127.0.0.1', r));
  const endpoint = `http://127.0.0.1:${(site.address() as AddressInfo).port}/webhooks`;
  const post = (m: { id: string; body: string }) =>
    fetch(endpoint, { method: 'POST', headers: webhookHeaders(parseWebhookSecret(SECRET), m.id, m.body), body: m.body });
  try {
    const stored = await storedConsent([{ purpose: 'newsletter', dpv: 'dpv:DirectMarketing', basis: 'consent', granted: true, text: 'Uutiskirje' }]);
    const confirmed = consentRecordEvents({ ...stored, receivedAt: '2026-12-03T05:00:00.000Z' }, { confirmed: true })[0]!;
    const withdrawal = webhookMessage('consent.withdrawn', {
      recordId: '0d8f6c1a-2b3e-4f5a-8b7c-9d0e1f2a3b4c', email: stored.record.subject.email, receivedAt: '2026-12-03T05:10:00.000Z', channel: 'preferences',
      purposes: [{ purpose: 'newsletter', dpv: 'dpv:DirectMarketing', granted: false, confirmed: false, text: 'Uutiskirje' }],
    });
    assert.equal((await post(withdrawal)).status, 204);
    assert.equal((await post(confirmed)).status, 204); // acknowledged, but older than the withdrawal: not applied
  } finally {
    await new Promise<void>((r) => (site.closeAllConnections(), site.close(() => r())));
    await hs.close();
    await mc.close();
  }
  assert.deepEqual(members.map((m) => m.status), ['unsubscribed']);
});
