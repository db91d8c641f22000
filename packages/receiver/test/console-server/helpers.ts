// What the console's server tests share: a receiver with the console on (real SMTP), a browser-like
// agent for fetch (a cookie jar, the Origin a browser sends), sign-in by a mailed link, and
// data requests signed as the request form signs them.
import assert from 'node:assert/strict';
import { createDataRequest } from '@optimesys/privacy-records/create';
import { keySigner, signRecord, type Signer } from '@optimesys/privacy-records/sign';
import type { MailLocale } from '../../src/mail/layout.js';
import { createMailTransport } from '../../src/mail/transport.js';
import type { ConsoleOptions } from '../../src/console/settings.js';
import { emailKey, type RecordStore } from '../../src/store/store.js';
import type { ReceivedMail, TestSmtp } from '../helpers/smtp.js';
import { tempDir } from '../receiver/helpers.js';
import { serveReceiver, type ServeOptions, type Served } from '../receiver/serve.js';

export const NOTICE = { version: '2018-05-24', digest: 'a'.repeat(64) };
export const STAFF = 'dpo@optimesys.fi';
export const USERS = [STAFF, '@staff.optimesys.fi'];

let n = 0;
/** A fresh address per call, so tests sharing a receiver do not see each other's mail. */
export const address = (what: string, domain = 'example.fi') => `${what}-${++n}-${process.pid}@${domain}`;

/** A receiver with mail over `smtp` and the console on for `USERS`. */
export async function consoleReceiver(
  smtp: TestSmtp,
  console: Partial<ConsoleOptions> = {},
  more: Partial<ServeOptions> | ((url: string) => Partial<ServeOptions>) = {},
): Promise<Served> {
  return serveReceiver((url) => ({
    dataDir: tempDir('pw-console-'),
    mail: {
      transport: createMailTransport({ smtpUrl: smtp.url, from: 'OptimeSys <tietosuoja@optimesys.fi>' }),
      sender: { intervalMs: 50, backoff: { baseMs: 100, capMs: 300, jitter: 0 } },
    },
    console: { users: USERS, ...console },
    ...(typeof more === 'function' ? more(url) : more),
  }));
}

/**
 * A browser as the console's server sees one: it keeps the cookies it is given (by name, as one
 * site's jar), sends them back, and sends the page's `Origin` with every request that is not a GET.
 */
export class Agent {
  readonly cookies = new Map<string, string>();
  /** Set-Cookie headers of the last answer, as sent. */
  lastSetCookies: string[] = [];
  constructor(
    readonly base: string,
    readonly origin = new URL(base).origin,
  ) {}

  cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  async fetch(path: string, init: RequestInit & { json?: unknown; csrf?: string; headers?: Record<string, string> } = {}): Promise<Response> {
    const method = init.method ?? (init.json !== undefined ? 'POST' : 'GET');
    const headers: Record<string, string> = { ...(init.headers ?? {}) };
    if (this.cookies.size && !('cookie' in headers)) headers.cookie = this.cookieHeader();
    if (method !== 'GET' && method !== 'HEAD' && !('origin' in headers)) headers.origin = this.origin;
    if (init.json !== undefined) headers['content-type'] ??= 'application/json';
    if (init.csrf) headers['x-csrf-token'] = init.csrf;
    const response = await fetch(new URL(path, this.base), {
      method,
      headers,
      body: init.json !== undefined ? JSON.stringify(init.json) : init.body,
      redirect: 'manual',
    });
    this.lastSetCookies = response.headers.getSetCookie();
    for (const cookie of this.lastSetCookies) {
      const [pair, ...attributes] = cookie.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      const maxAge = attributes.map((a) => a.trim().toLowerCase()).find((a) => a.startsWith('max-age='));
      if (maxAge === 'max-age=0' || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return response;
  }

  /** The session answer (`csrf` and all), asserting one. */
  async session(): Promise<{ user: { email: string }; csrf: string; expiresAt: string; idleExpiresAt: string }> {
    const response = await this.fetch('/console/api/session');
    assert.equal(response.status, 200, `signed in (${response.status} ${await response.clone().text()})`);
    return (await response.json()) as { user: { email: string }; csrf: string; expiresAt: string; idleExpiresAt: string };
  }
}

/** The sign-in link in a mail. */
export function signInLink(mail: ReceivedMail): string {
  const url = String(mail.parsed.text).match(/https?:\/\/\S+\/console\/auth\/link\/[A-Za-z0-9_-]+/)?.[0];
  assert.ok(url, 'the mail has a sign-in link');
  return url;
}

/** Asks for a sign-in link for `email` and waits for its mail. */
export async function mailedLink(agent: Agent, smtp: TestSmtp, email: string): Promise<string> {
  const asked = await agent.fetch('/console/auth/link', { json: { email } });
  assert.equal(asked.status, 202);
  return signInLink(await smtp.waitFor((m) => m.envelope.to.includes(email) && /console\/auth\/link/.test(String(m.parsed.text)), 10_000));
}

/** Signs `agent` in as `email` with a mailed link; returns the session answer. */
export async function signInByLink(agent: Agent, smtp: TestSmtp, email = STAFF) {
  const link = await mailedLink(agent, smtp, email);
  const page = await agent.fetch(link);
  assert.equal(page.status, 200);
  const signedIn = await agent.fetch(link, { method: 'POST' });
  assert.equal(signedIn.status, 303, await signedIn.clone().text());
  assert.equal(signedIn.headers.get('location'), '/console');
  return agent.session();
}

let signer: Signer | undefined;
/** One browser's key, as the request form has. */
export const formSigner = () => (signer ??= keySigner());

export interface RequestInput {
  name?: string;
  email?: string;
  organisation?: string;
  phone?: string;
  details?: string;
  requestType?: 'access' | 'erasure' | 'rectification' | 'objection';
  locale?: MailLocale;
  url?: string;
}

/** A signed data request, as `<data-request-form>` sends it. */
export async function signedRequest(input: RequestInput = {}, now = new Date()) {
  const record = createDataRequest(
    {
      subject: {
        name: input.name ?? 'Maija Meikäläinen',
        email: input.email ?? address('requester'),
        ...(input.organisation ? { organisation: input.organisation } : {}),
        ...(input.phone ? { phone: input.phone } : {}),
      },
      locale: input.locale ?? 'fi',
      notice: NOTICE,
      source: { url: input.url ?? 'https://www.optimesys.fi/tietosuoja', element: 'data-request-form' },
      requestType: input.requestType ?? 'access',
      ...(input.details ? { details: input.details } : {}),
    } as Parameters<typeof createDataRequest>[0],
    { now },
  );
  const signed = await signRecord(record, formSigner());
  return { record: signed.record, jws: signed.jws };
}

/** Posts a signed data request to the receiver; returns the record, the stored address and the signing key's id. */
export async function postRequest(receiver: { url: string; store: RecordStore }, input: RequestInput = {}) {
  const { record, jws } = await signedRequest(input);
  const response = await fetch(new URL('/api/records', receiver.url), { method: 'POST', headers: { 'content-type': 'application/jose' }, body: jws });
  assert.equal(response.status, 201, await response.clone().text());
  const row = await receiver.store.get(record.id);
  assert.ok(row);
  return { record, email: emailKey(record.subject.email), kid: row.kid };
}
