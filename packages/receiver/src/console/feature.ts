/**
 * The privacy office's console, `/console`, as one receiver feature: the
 * built front end under the strict CSP, the sign-in routes (the company's
 * OpenID Connect provider, a mailed one-time link), the JSON API the front
 * end's `console/api.ts` calls, and the office's notices (a data request
 * arrived, its sender confirmed it, the daily digest of due ones).
 *
 * Security, in short (session.ts has the cookies):
 * - nothing under `/console/api/` answers without a session: 401 `no-session`;
 * - every state-changing call needs the receiver's own `Origin` (and, when the
 *   browser sends it, `Sec-Fetch-Site: same-origin`), and, once signed in,
 *   the session's anti-CSRF token in `x-csrf-token`;
 * - a new session id at every sign-in; a session cookie the browser had
 *   before is revoked then (no fixation);
 * - a session can do what the console offers anybody, on data requests and
 *   addresses, and each such act is a receiver-signed event (events.ts).
 *
 * Nothing that must hold across `--workers` and instances lives in memory:
 * sessions are cookies checked against revocations in the store, once-only
 * steps are events with unique keys, mails and the digest are mail jobs
 * whose caps the store counts.
 */
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { Email } from '@optimesys/privacy-records/schemas';
import type { ReceiverFeature, RouteTools } from '../app.js';
import { mailCaps, type MailCap, type MailGroup } from '../mail/caps.js';
import type { MailLocale } from '../mail/compose.js';
import { pageLocale } from '../mail/pages.js';
import type { SiteText } from '../mail/site.js';
import type { LinkTokens } from '../mail/link-tokens.js';
import type { ServerKey } from '../records/countersign.js';
import { STRICT_CSP } from '../http/static.js';
import { emailKey, type MailCapCount, type NewJob, type RecordStore, type StoredRecord } from '../store/store.js';
import { renderAnswer, type NoticeDocuments } from './answer.js';
import { localDay, localHour } from './calendar.js';
import { closeDataRequest } from './close.js';
import { actionOf, consoleEvent, consoleKeys as eventKeys, type ConsoleAction } from './events.js';
import { digestMail, mailLocale, officeNotice, signInMail, templateList, templateMail, TEMPLATE_IDS, type TemplateId } from './mail.js';
import { oidcClient, TRANSACTION_MS } from './oidc.js';
import { renderSignInPage, type SignInPage } from './pages.js';
import { eventsOf, filterRows, requestRows, subjectTrail } from './requests.js';
import { consoleKeys, cookieNames, randomId, readCookie, sessionRef, setCookie, type SessionClaims } from './session.js';
import { allowedUser, CONSOLE_DEFAULTS, isLoopback, type ConsoleOptions } from './settings.js';
import { consentStats } from './stats.js';
import { consoleStore } from './store.js';
import { subjectConsents, subjectExport, type SubjectOptions } from './subject.js';
import { STATUS_FILTERS, type AddressConsents, type RequestDetail, type SessionAnswer, type StatusFilter } from './types.js';

export const CONSOLE_PATH = '/console';
const LINK_PATH = `${CONSOLE_PATH}/auth/link/`;
const CALLBACK_PATH = `${CONSOLE_PATH}/auth/oidc/callback`;

/** How long after its answer a link request's work may run: a random moment in this window (as preference links). */
const LINK_WORK_DELAY_MS = [50, 500] as const;
/** The digest's cap: one per office mailbox and Finnish day, counted in the store across processes. */
const DIGEST_WINDOW_MS = 36 * 3_600_000;
/** Notices of arriving requests per client an hour, and per office mailbox a day: posting requests cannot flood the office. */
const ARRIVAL_CAP = { perClient: 10, perClientMs: 3_600_000, perDay: 200 } as const;
const NOTE_MAX = 4000;
const HOW_MAX = 1000;

export interface ConsoleDeps {
  options: ConsoleOptions;
  store: RecordStore;
  /** Signs the console's events. */
  key: ServerKey;
  /** The receiver key's private bytes: the cookies' and links' keys derive from them. */
  secret: Uint8Array;
  /** Hashes for mail caps. */
  tokens: Pick<LinkTokens, 'mailboxHash' | 'capHash'>;
  /** The receiver's public URL (`PUBLIC_URL`): the origin state-changing calls must come from, and links' base. */
  publicUrl: string;
  site: SiteText;
  /** Mail is on: sign-in links, notices, the digest and messages go through the mail queue. */
  mail?: { cap: MailCap; wake(): void } | undefined;
  /** Webhooks: a closure's `request.closed` messages. */
  hooks?: { endpoints: readonly string[]; queued(): void } | undefined;
  /** The site's privacy notice per language, quoted in the Art. 15 answer. */
  notices?: NoticeDocuments | undefined;
  /** The audit options the command line's `export` uses. */
  maxSkewSeconds: number;
}

export interface ConsoleFeature extends ReceiverFeature {
  install(app: Hono, tools: RouteTools): void;
  /** The office's notice of a data request confirmed from its mailed link, queued with the confirmation. */
  confirmationJobs(row: StoredRecord, confirmedAt: string): NewJob[];
  /** Queues the day's digest if it is due, has something to say and no process sent it yet today. */
  digest(now?: Date): Promise<'queued' | 'nothing' | 'not-yet' | 'off'>;
  stop(): Promise<void>;
}

/** The built front end's folder: `dist/console` beside this package's package.json (from src/ or dist/src/). */
function defaultAssets(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); dir !== dirname(dir); dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string };
      if (pkg.name === '@optimesys/privacy-receiver') return join(dir, 'dist/console');
    } catch {
      // no package.json here: look further up
    }
  }
  return join(process.cwd(), 'dist/console');
}

const ASSETS = {
  'index.html': 'text/html; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'console.css': 'text/css; charset=utf-8',
} as const;

type Json = Record<string, unknown>;

/**
 * JSON with `<`, `>`, `&` (and the JavaScript line separators) as `\u` escapes: what visitors typed
 * stays data even for a client that would sniff the answer as HTML. `JSON.parse` gives the same strings.
 */
export const safeJson = (value: unknown) =>
  JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);

const json = (c: Context, value: unknown, status: 200 | 202 | 400 | 401 | 403 | 404 | 409 | 413 | 415 | 503 = 200, headers: Record<string, string> = {}) =>
  c.body(safeJson(value), status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers });

const apiError = (c: Context, status: 400 | 401 | 403 | 404 | 409 | 413 | 415 | 503, code: string, message: string, extra: Json = {}) =>
  json(c, { error: { code, message }, ...extra }, status);

export function consoleFeature(deps: ConsoleDeps): ConsoleFeature {
  const { options, store, key, site } = deps;
  const now = options.now ?? (() => new Date());
  const idleMs = options.idleMs ?? CONSOLE_DEFAULTS.idleMs;
  const absoluteMs = options.absoluteMs ?? CONSOLE_DEFAULTS.absoluteMs;
  const linkTtlMs = options.linkTtlMs ?? CONSOLE_DEFAULTS.linkTtlMs;
  const officeLocale = options.officeLocale ?? CONSOLE_DEFAULTS.officeLocale;
  const publicUrl = deps.publicUrl.replace(/\/+$/, '');
  const publicOrigin = new URL(publicUrl).origin;
  const base = new URL(publicUrl);
  const secure = base.protocol === 'https:';
  const names = cookieNames(secure);
  const keys = consoleKeys(deps.secret);
  const allowed = allowedUser(options.users);
  const routesOn = options.users.length > 0;
  const mail = deps.mail;
  const office = options.officeEmail && mail ? options.officeEmail : undefined;
  const oidc = options.oidc && routesOn ? oidcClient(options.oidc, `${publicOrigin}${CALLBACK_PATH}`) : undefined;
  const linksOn = routesOn && Boolean(mail);
  const cstore = consoleStore(store);
  const subjectOptions: SubjectOptions = {
    audit: { maxSkewSeconds: deps.maxSkewSeconds },
    receiverKey: key.publicJwk,
    warn: (line) => console.error(`[receiver] console: ${line}`),
  };
  const inFlight = new Set<Promise<unknown>>();
  const track = <T>(work: Promise<T>): Promise<T> => {
    inFlight.add(work);
    void work.finally(() => inFlight.delete(work)).catch(() => undefined);
    return work;
  };
  const consoleUrl = (row?: Pick<StoredRecord, 'id' | 'kid'>) =>
    `${publicOrigin}${CONSOLE_PATH}${row ? `#/requests/${encodeURIComponent(row.id)}?kid=${encodeURIComponent(row.kid)}` : ''}`;

  // --- sessions ---

  const sessions = new WeakMap<Request, SessionClaims>();

  /** The session a request carries, if it is one: MAC, timeouts, still allowed, not signed out. */
  async function sessionOf(c: Context): Promise<SessionClaims | undefined> {
    const claims = keys.openSession(readCookie(c.req.header('cookie'), names.session));
    if (!claims) return undefined;
    const t = now().getTime();
    if (t >= claims.iat + absoluteMs || t >= claims.seen + idleMs || claims.iat > t + 60_000) return undefined;
    if (!allowed(claims.email)) return undefined; // taken off the list since
    if (await store.event(eventKeys.signOut(sessionRef(claims.sid)))) return undefined;
    return claims;
  }

  /** The session cookie again with `seen` now: the idle timeout slides, the absolute one does not. */
  function touch(claims: SessionClaims): { cookie: string; answer: SessionAnswer } {
    const t = now().getTime();
    const seen = { ...claims, seen: t };
    const idleEnd = Math.min(t + idleMs, claims.iat + absoluteMs);
    return {
      cookie: setCookie(names, names.session, keys.sealSession(seen), { maxAge: idleEnd - t, sameSite: 'Strict' }),
      answer: {
        user: { email: claims.email },
        csrf: keys.csrf(claims.sid),
        expiresAt: new Date(claims.iat + absoluteMs).toISOString(),
        idleExpiresAt: new Date(idleEnd).toISOString(),
      },
    };
  }

  const clearSession = () => setCookie(names, names.session, '', { maxAge: 0, sameSite: 'Strict' });
  const clearTransaction = () => setCookie(names, names.oidc, '', { maxAge: 0, sameSite: 'Lax' });

  /**
   * A state-changing request from the receiver's own pages: its Origin, and the browser's own word when it gives
   * one. `fromLinkPage`: the sign-in link's page is served with `Referrer-Policy: no-referrer` (its URL holds the
   * token), and under that policy browsers send `Origin: null` on its form; there the browser's `Sec-Fetch-Site:
   * same-origin` (which no page can set) must say it came from this origin. A browser that sends neither is refused.
   */
  function sameOrigin(c: Context, { fromLinkPage = false } = {}): boolean {
    const origin = c.req.header('origin');
    const site = c.req.header('sec-fetch-site');
    if (fromLinkPage && origin === 'null') return site === 'same-origin';
    if (origin !== publicOrigin) return false;
    return site === undefined || site === 'same-origin';
  }

  async function revoke(claims: SessionClaims, at: Date): Promise<void> {
    const event = await consoleEvent(key, {
      key: eventKeys.signOut(sessionRef(claims.sid)),
      action: 'sign-out',
      by: claims.email,
      email: claims.email,
      at,
      details: { session: sessionRef(claims.sid) },
    });
    await store.addEvent(event);
  }

  /**
   * Signs in `email`: the sign-in event (its key makes the link or transaction count once), a
   * new session id, and the end of any session this browser had. Undefined when the key was used.
   */
  async function signIn(c: Context, email: string, via: SessionClaims['via'], eventKey: string, details: Json): Promise<string | undefined> {
    const at = now();
    const sid = randomId();
    const event = await consoleEvent(key, { key: eventKey, action: 'sign-in', by: email, email, at, details: { method: via, session: sessionRef(sid), ...details } });
    if ((await store.addEvent(event)).status === 'duplicate') return undefined;
    const previous = keys.openSession(readCookie(c.req.header('cookie'), names.session));
    if (previous) await revoke(previous, at);
    const claims: SessionClaims = { sid, email: emailKey(email), via, iat: at.getTime(), seen: at.getTime() };
    return setCookie(names, names.session, keys.sealSession(claims), { maxAge: idleMs, sameSite: 'Strict' });
  }

  const page = (c: Context, name: SignInPage, values: { email?: string } = {}, cookies: string[] = []) => {
    const rendered = renderSignInPage(name, pageLocale(undefined, c.req.header('accept-language')), values);
    const response = c.body(rendered.body, rendered.status as 200, rendered.headers);
    for (const cookie of cookies) response.headers.append('set-cookie', cookie);
    return response;
  };

  const signedInAnswer = (cookies: string[]) => {
    const headers = new Headers({ location: CONSOLE_PATH, 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' });
    for (const cookie of cookies) headers.append('set-cookie', cookie);
    return new Response(null, { status: 303, headers });
  };

  // --- mail ---

  /** Runs a link request's work at a random moment after its answer went out. */
  function later(work: () => Promise<void>): void {
    const [min, max] = LINK_WORK_DELAY_MS;
    track(
      new Promise<void>((resolve) => {
        setTimeout(() => {
          work()
            .catch((error: unknown) => console.error('[receiver] console sign-in link not queued:', (error as Error)?.message ?? error))
            .finally(resolve);
        }, min + Math.random() * (max - min));
      }),
    );
  }

  async function mailSignInLink(address: string, locale: MailLocale, client: string): Promise<void> {
    if (!allowed(address) || !mail) return;
    const expiresAt = new Date(now().getTime() + linkTtlMs);
    const token = keys.sealLink({ e: emailKey(address), x: expiresAt.getTime(), n: randomId() });
    const message = signInMail({ to: address, url: `${publicOrigin}${LINK_PATH}${token}`, expiresAt, locale });
    await store.queueJobs([
      {
        kind: 'mail',
        email: emailKey(address),
        payload: { message, kind: 'console-sign-in', tokenId: tokenIdOf(token) },
        // Counted apart from the site's own kinds of mail, by the same keyed hashes.
        caps: mailCaps(deps.tokens, mail.cap, { to: address, client, group: 'console' as MailGroup }),
      },
    ]);
    mail.wake();
  }

  const tokenIdOf = (token: string) => createHash('sha256').update(token).digest('hex').slice(0, 32);

  const requestFacts = (row: StoredRecord) => ({ id: row.id, requestType: String(row.record.requestType), receivedAt: row.receivedAt, dueBy: row.dueBy ?? localDay(new Date(row.receivedAt)) });

  function officeJob(kind: 'arrived' | 'confirmed', row: StoredRecord, at: string, caps: MailCapCount[]): NewJob[] {
    if (!office) return [];
    const message = officeNotice({ to: office, locale: officeLocale, kind, request: requestFacts(row), at, consoleUrl: consoleUrl(row) });
    return [{ kind: 'mail', email: emailKey(office), payload: { message, kind: `console-office-${kind}` }, caps }];
  }

  const officeHash = () => deps.tokens.mailboxHash(office ?? '');

  async function digest(at = now()): Promise<'queued' | 'nothing' | 'not-yet' | 'off'> {
    if (!office || !mail) return 'off';
    if (localHour(at) < (options.digestHour ?? CONSOLE_DEFAULTS.digestHour)) return 'not-yet';
    const rows = await cstore.dataRequests();
    const { today, rows: listed } = requestRows(rows, await store.closures(), await eventsOf(store, rows), at);
    const due = listed.filter((r) => r.status === 'open' && (r.overdue || r.daysLeft <= 7));
    if (!due.length) return 'nothing';
    const message = digestMail({ to: office, locale: officeLocale, today, items: due, consoleUrl: consoleUrl() });
    await store.queueJobs([
      {
        kind: 'mail',
        email: emailKey(office),
        payload: { message, kind: 'console-digest', day: today },
        // One a day whatever the number of processes: the store counts the cap under its lock.
        caps: [{ key: `console-digest:${today}:${officeHash()}`, max: 1, windowMs: DIGEST_WINDOW_MS }],
      },
    ]);
    mail.wake();
    return 'queued';
  }

  // Each process looks now and then; after the first look on a day past the hour it rests until the next day.
  let lookedOn = '';
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const look = () => {
    const at = now();
    const day = localDay(at);
    if (stopped || lookedOn === day) return;
    track(
      digest(at).then(
        (outcome) => {
          if (outcome !== 'not-yet') lookedOn = day;
        },
        (error: unknown) => console.error('[receiver] console digest not queued:', (error as Error)?.message ?? error),
      ),
    );
  };
  if (office) {
    timer = setInterval(look, options.digestCheckMs ?? CONSOLE_DEFAULTS.digestCheckMs);
    timer.unref();
    setImmediate(look);
  }

  // --- the console's own answers ---

  const signInOptions = () => ({ oidc: Boolean(oidc), link: linksOn });

  async function jsonBody(c: Context): Promise<Json | undefined> {
    const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== 'application/json') return undefined;
    try {
      const body: unknown = await c.req.json();
      return body !== null && typeof body === 'object' && !Array.isArray(body) ? (body as Json) : {};
    } catch {
      return {};
    }
  }

  /** The data request `(id, kid)` names, if there is one. */
  async function requestRow(id: string, kid: unknown): Promise<StoredRecord | undefined> {
    if (typeof kid !== 'string' || !kid) return undefined;
    const row = await store.get(id, kid).catch(() => undefined);
    return row?.type === 'data-request' ? row : undefined;
  }

  const acted = (action: ConsoleAction, claims: SessionClaims, row: StoredRecord, details: Json, at = now()) =>
    consoleEvent(key, {
      key: action === 'close' ? eventKeys.close(row.kid, row.id) : action === 'verify-identity' ? eventKeys.verifyIdentity(row.kid, row.id) : eventKeys.once(action),
      action,
      by: claims.email,
      email: row.email,
      recordId: row.id,
      recordKid: row.kid,
      at,
      details,
    });

  const isClosed = async (id: string) => (await store.closures()).some((c) => c.requestId === id);

  function install(app: Hono, tools: RouteTools): void {
    if (!routesOn) return;
    const limit = tools.limit('page');
    const assetsDir = options.assetsDir ?? defaultAssets();
    const assets = new Map<string, string>();
    const asset = (name: keyof typeof ASSETS) => {
      let text = assets.get(name);
      if (text === undefined) {
        try {
          text = readFileSync(join(assetsDir, name), 'utf8');
          assets.set(name, text);
        } catch {
          return undefined; // not built (yet): looked for again at the next request
        }
      }
      return text;
    };
    const serve = (name: keyof typeof ASSETS) => (c: Context) => {
      const text = asset(name);
      if (text === undefined) return apiError(c, 404, 'not-built', 'The console is not built: run node packages/receiver/console/build.mjs.');
      const headers: Record<string, string> = { 'content-type': ASSETS[name], 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff' };
      if (name === 'index.html') Object.assign(headers, { 'content-security-policy': STRICT_CSP, 'referrer-policy': 'no-referrer', 'x-robots-tag': 'noindex' });
      return c.body(text, 200, headers);
    };
    for (const path of [CONSOLE_PATH, `${CONSOLE_PATH}/`, `${CONSOLE_PATH}/index.html`]) app.get(path, limit, serve('index.html'));
    app.get(`${CONSOLE_PATH}/app.js`, limit, serve('app.js'));
    app.get(`${CONSOLE_PATH}/console.css`, limit, serve('console.css'));

    const small = bodyLimit({ maxSize: 16_384, onError: (c) => apiError(c, 413, 'too-large', 'The body is too large.') });

    // --- sign-in with a mailed link ---

    app.post(`${CONSOLE_PATH}/auth/link`, tools.limit('link'), small, async (c) => {
      if (!sameOrigin(c)) return apiError(c, 403, 'origin', 'Send this from the console.');
      if (!linksOn) return apiError(c, 404, 'not-found', 'Sign-in links are off: this receiver sends no mail.');
      const body = await jsonBody(c);
      if (!body) return apiError(c, 415, 'unsupported-media-type', 'Send { "email" } as JSON.');
      const address = typeof body.email === 'string' ? body.email : '';
      let valid = false;
      try {
        valid = Email.safeParse(emailKey(address)).success;
      } catch {
        valid = false;
      }
      if (!valid) return apiError(c, 400, 'invalid-email', 'Enter a valid e-mail address.');
      const locale = pageLocale(undefined, c.req.header('accept-language'));
      const client = tools.client(c);
      // Nothing about the address is looked at before the answer, and the work comes at a random moment
      // after it: the answer and its timing are the same for an address that may sign in and one that may not.
      later(() => mailSignInLink(address, locale, client));
      return json(c, { status: 'accepted' }, 202);
    });

    app.on(['GET', 'HEAD', 'POST'], `${LINK_PATH}:token`, limit, async (c) => {
      if (!linksOn) return page(c, 'invalid');
      const token = c.req.param('token');
      const claims = keys.openLink(token);
      const email = typeof claims?.e === 'string' ? claims.e : undefined;
      const expires = typeof claims?.x === 'number' ? claims.x : undefined;
      if (!email || expires === undefined) return page(c, 'invalid');
      if (now().getTime() >= expires) return page(c, 'expired');
      if (!allowed(email)) return page(c, 'refused');
      const eventKey = eventKeys.signIn('link', tokenIdOf(token));
      if (c.req.method !== 'POST') {
        // GET and HEAD change nothing: mail scanners fetch every link.
        return (await store.event(eventKey)) ? page(c, 'used') : page(c, 'link', { email });
      }
      if (!sameOrigin(c, { fromLinkPage: true })) return page(c, 'failed');
      const cookie = await signIn(c, email, 'link', eventKey, { tokenId: tokenIdOf(token) });
      if (!cookie) return page(c, 'used');
      return signedInAnswer([cookie]);
    });

    // --- sign-in with the company's accounts ---

    app.get(`${CONSOLE_PATH}/auth/oidc`, limit, async (c) => {
      if (!oidc) return apiError(c, 404, 'not-found', 'No OpenID Connect provider is configured.');
      let started: Awaited<ReturnType<typeof oidc.start>>;
      try {
        started = await oidc.start(now());
      } catch (error) {
        console.error(`[receiver] console: the OpenID Connect provider is not reachable: ${(error as Error)?.message ?? error}`);
        return page(c, 'unavailable');
      }
      // Lax, not Strict: the provider's redirect back is a navigation from its site, and must carry it.
      const cookie = setCookie(names, names.oidc, keys.sealTransaction(started.tx), { maxAge: TRANSACTION_MS, sameSite: 'Lax' });
      return new Response(null, { status: 302, headers: { location: started.url.href, 'set-cookie': cookie, 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' } });
    });

    app.get(CALLBACK_PATH, limit, async (c) => {
      if (!oidc) return apiError(c, 404, 'not-found', 'No OpenID Connect provider is configured.');
      // The transaction is spent whatever happens next.
      const clear = [clearTransaction()];
      const tx = keys.openTransaction(readCookie(c.req.header('cookie'), names.oidc));
      if (!tx || now().getTime() >= tx.exp) return page(c, 'failed', {}, clear);
      // The URL the provider redirected to, on the configured origin (never the request's Host).
      const url = new URL(c.req.url);
      const current = new URL(`${publicOrigin}${CALLBACK_PATH}${url.search}`);
      let result: Awaited<ReturnType<typeof oidc.callback>>;
      try {
        result = await oidc.callback(current, tx);
      } catch (error) {
        console.error(`[receiver] console: the OpenID Connect provider is not reachable: ${(error as Error)?.message ?? error}`);
        return page(c, 'unavailable', {}, clear);
      }
      if (!result.ok) {
        if (result.error) console.error(`[receiver] console: OpenID Connect sign-in refused: ${result.error}`);
        return page(c, result.reason === 'unverified' ? 'refused' : 'failed', {}, clear);
      }
      if (!allowed(result.email)) return page(c, 'refused', {}, clear);
      const cookie = await signIn(c, result.email, 'oidc', eventKeys.signIn('oidc', tx.id), { issuer: result.issuer, subject: result.subject });
      if (!cookie) return page(c, 'failed', {}, clear); // a replayed callback: this transaction signed in already
      return signedInAnswer([...clear, cookie]);
    });

    app.post(`${CONSOLE_PATH}/auth/logout`, limit, async (c) => {
      const claims = await sessionOf(c);
      if (!claims) return apiError(c, 401, 'no-session', 'Not signed in.', { signIn: signInOptions() });
      if (!sameOrigin(c)) return apiError(c, 403, 'origin', 'Send this from the console.');
      if (!keys.csrfMatches(claims.sid, c.req.header('x-csrf-token'))) return apiError(c, 403, 'csrf', 'The anti-CSRF token is missing or wrong.');
      await revoke(claims, now());
      return new Response(null, { status: 204, headers: { 'set-cookie': clearSession(), 'cache-control': 'no-store' } });
    });

    // --- the API: a session first, then for a POST the origin, the anti-CSRF token and JSON ---

    app.use(`${CONSOLE_PATH}/api/*`, limit, async (c, next) => {
      const claims = await sessionOf(c);
      if (!claims) return apiError(c, 401, 'no-session', 'Sign in first.', { signIn: signInOptions() });
      if (c.req.method !== 'GET' && c.req.method !== 'HEAD') {
        if (!sameOrigin(c)) return apiError(c, 403, 'origin', 'Send this from the console.');
        if (!keys.csrfMatches(claims.sid, c.req.header('x-csrf-token'))) return apiError(c, 403, 'csrf', 'The anti-CSRF token is missing or wrong.');
        const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
        if (type !== 'application/json') return apiError(c, 415, 'unsupported-media-type', 'Send JSON.');
      }
      sessions.set(c.req.raw, claims);
      const { cookie } = touch(claims);
      await next();
      c.res.headers.append('set-cookie', cookie);
      c.res.headers.set('cache-control', 'no-store');
    });
    const session = (c: Context) => sessions.get(c.req.raw)!;
    const viewLocale = (c: Context) => pageLocale(undefined, c.req.header('accept-language'));

    app.get(`${CONSOLE_PATH}/api/session`, (c) => json(c, touch(session(c)).answer, 200));

    app.get(`${CONSOLE_PATH}/api/requests`, async (c) => {
      const status = (c.req.query('status') ?? 'open') as StatusFilter;
      if (!STATUS_FILTERS.includes(status)) return apiError(c, 400, 'invalid-status', `status is one of ${STATUS_FILTERS.join(', ')}.`);
      const rows = await cstore.dataRequests();
      const { today, rows: listed } = requestRows(rows, await store.closures(), await eventsOf(store, rows), now());
      return json(c, { today, requests: filterRows(listed, status) }, 200);
    });

    app.get(`${CONSOLE_PATH}/api/requests/:id`, async (c) => {
      const id = c.req.param('id');
      const kid = c.req.query('kid');
      const row = await requestRow(id, kid);
      if (!row) return apiError(c, 404, 'not-found', 'No such data request.');
      const locale = viewLocale(c);
      const { rows: listed } = requestRows([row], await store.closures(), await store.events(row.email), now());
      const listedRow = listed[0]!;
      const record = row.record as { subject?: { organisation?: string; phone?: string }; details?: string; source?: { url?: string; element?: string } };
      const detail: RequestDetail = {
        request: {
          ...listedRow,
          ...(record.subject?.organisation ? { organisation: record.subject.organisation } : {}),
          ...(record.subject?.phone ? { phone: record.subject.phone } : {}),
          details: record.details ?? '',
          source: { url: String(record.source?.url ?? ''), element: String(record.source?.element ?? '') },
        },
        templates: mail ? templateList(locale) : [],
        answerUrl: `${CONSOLE_PATH}/api/requests/${encodeURIComponent(row.id)}/answer?kid=${encodeURIComponent(row.kid)}`,
        trail: await subjectTrail(store, row.email, locale),
      };
      return json(c, detail, 200);
    });

    app.get(`${CONSOLE_PATH}/api/requests/:id/answer`, async (c) => {
      const row = await requestRow(c.req.param('id'), c.req.query('kid'));
      if (!row) return apiError(c, 404, 'not-found', 'No such data request.');
      const at = now();
      const { document, rows, events } = await subjectExport(store, row.email, subjectOptions);
      const html = renderAnswer({ request: row, rows, events, document, notices: deps.notices ?? {}, site, now: at });
      await store.addEvent(await acted('answer', session(c), row, {}, at));
      const day = localDay(at);
      return c.body(html, 200, {
        'content-type': 'text/html; charset=utf-8',
        'content-disposition': `attachment; filename="art15-${day}-${row.id.slice(0, 8)}.html"`,
        // Never rendered as the receiver's page: no script may run, nothing loads.
        'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; sandbox",
        'x-content-type-options': 'nosniff',
      });
    });

    app.post(`${CONSOLE_PATH}/api/requests/:id/close`, small, async (c) => {
      const body = (await jsonBody(c))!;
      const row = await requestRow(c.req.param('id'), body.kid);
      if (!row) return apiError(c, 404, 'not-found', 'No such data request.');
      const note = typeof body.note === 'string' ? body.note.trim() : '';
      if (!note || note.length > NOTE_MAX) return apiError(c, 400, 'invalid-note', `Write a note of at most ${NOTE_MAX} characters: how the request was answered.`);
      if (await isClosed(row.id)) return apiError(c, 409, 'already-closed', 'The request is closed already.');
      const at = now();
      const event = await acted('close', session(c), row, { note }, at);
      // The console's record first: its key lets one close happen. Then the closure `close-request` writes, with its webhook.
      const added = await store.addEvent(event);
      // Another close won the race; one whose closure never got written (a crash in between) is finished here.
      if (added.status === 'duplicate' && (await isClosed(row.id))) return apiError(c, 409, 'already-closed', 'The request is closed already.');
      const closure = added.status === 'stored' ? { requestId: row.id, closedAt: at.toISOString(), note } : { requestId: row.id, closedAt: added.event.at, note: String(added.event.data.note ?? note) };
      await closeDataRequest(store, closure, deps.hooks?.endpoints);
      if (deps.hooks?.endpoints.length) deps.hooks.queued();
      return json(c, { ok: true }, 200);
    });

    app.post(`${CONSOLE_PATH}/api/requests/:id/verify-identity`, small, async (c) => {
      const body = (await jsonBody(c))!;
      const row = await requestRow(c.req.param('id'), body.kid);
      if (!row) return apiError(c, 404, 'not-found', 'No such data request.');
      const how = typeof body.how === 'string' ? body.how.trim() : '';
      if (!how || how.length > HOW_MAX) return apiError(c, 400, 'invalid-how', `Say how the identity was verified, in at most ${HOW_MAX} characters.`);
      if (await isClosed(row.id)) return apiError(c, 409, 'already-closed', 'The request is closed already.');
      const added = await store.addEvent(await acted('verify-identity', session(c), row, { how }));
      if (added.status === 'duplicate') return apiError(c, 409, 'already-verified', 'The identity was recorded as verified already.');
      return json(c, { ok: true }, 200);
    });

    app.post(`${CONSOLE_PATH}/api/requests/:id/message`, small, async (c) => {
      const body = (await jsonBody(c))!;
      const row = await requestRow(c.req.param('id'), body.kid);
      if (!row) return apiError(c, 404, 'not-found', 'No such data request.');
      if (!mail) return apiError(c, 409, 'mail-off', 'This receiver sends no mail.');
      const template = body.template as TemplateId;
      if (typeof template !== 'string' || !TEMPLATE_IDS.includes(template)) return apiError(c, 400, 'invalid-template', `template is one of ${TEMPLATE_IDS.join(', ')}.`);
      const subject = row.record.subject as { email: string };
      const message = templateMail({ template, to: subject.email, locale: mailLocale(row.record.locale), request: requestFacts(row) });
      const event = await acted('message', session(c), row, { template, subject: message.subject });
      // The message and the record of who sent it, in one transaction.
      await store.addEvent(event, [{ kind: 'mail', email: row.email, recordId: row.id, payload: { message, kind: 'console-message', template, recordKid: row.kid } }]);
      mail.wake();
      return json(c, { ok: true }, 202);
    });

    app.get(`${CONSOLE_PATH}/api/consents/stats`, async (c) => {
      const locale = viewLocale(c);
      const stats = consentStats(await cstore.consentRecords(), await cstore.allEvents(), now(), (purpose) => site.label(purpose, locale));
      return json(c, stats, 200);
    });

    app.get(`${CONSOLE_PATH}/api/consents`, async (c) => {
      const address = c.req.query('email') ?? '';
      let valid = false;
      try {
        valid = Email.safeParse(emailKey(address)).success;
      } catch {
        valid = false;
      }
      if (!valid) return apiError(c, 400, 'invalid-email', 'Enter a valid e-mail address.');
      const { states, rows } = await subjectConsents(store, address, subjectOptions, now());
      if (!rows.length) return apiError(c, 404, 'not-found', 'No records about this address.');
      // Looking a person up is an act on their data: recorded, about them.
      const at = now();
      await store.addEvent(
        await consoleEvent(key, { key: eventKeys.once('lookup'), action: 'lookup', by: session(c).email, email: address, at, details: { what: 'consents' } }),
      );
      const locale = viewLocale(c);
      const answer: AddressConsents = {
        email: emailKey(address),
        purposes: states.map((s) => ({
          purpose: s.purpose,
          label: site.label(s.purpose, locale),
          granted: s.granted,
          ...(s.pending ? { pending: true } : {}),
          decidedAt: s.decidedAt,
        })),
      };
      return json(c, answer, 200);
    });
  }

  return {
    install,
    jobsFor(row, context) {
      if (row.type !== 'data-request' || !office) return [];
      const hash = officeHash();
      const caps: MailCapCount[] = [{ key: `console-office:arrived:${hash}`, max: ARRIVAL_CAP.perDay, windowMs: 86_400_000 }];
      if (context.client !== 'unknown') {
        caps.push({ key: `console-office:arrived:${hash}:${deps.tokens.capHash(context.client)}`, max: ARRIVAL_CAP.perClient, windowMs: ARRIVAL_CAP.perClientMs });
      }
      return officeJob('arrived', row, row.receivedAt, caps);
    },
    confirmationJobs(row, confirmedAt) {
      if (row.type !== 'data-request' || !office) return [];
      return officeJob('confirmed', row, confirmedAt, [{ key: `console-office:confirmed:${officeHash()}`, max: ARRIVAL_CAP.perDay, windowMs: 86_400_000 }]);
    },
    queued: () => mail?.wake(),
    digest,
    async stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      await Promise.all([...inFlight]);
    },
  };
}

/** The console's public origin must be https, or plain http on this machine (a `__Host-` cookie needs Secure). */
export function consoleOriginProblem(publicUrl: string | undefined): string | undefined {
  if (!publicUrl) return 'the console needs the receiver\'s public URL (mail.publicUrl, PUBLIC_URL): state-changing calls must come from it';
  const url = new URL(publicUrl);
  if (url.protocol === 'https:' || (url.protocol === 'http:' && isLoopback(url.hostname))) return undefined;
  return `the console needs an https PUBLIC_URL (its session cookie is Secure); ${url.origin} is plain http and not this machine`;
}

/** The console events' actions, for readers of the trail. */
export { actionOf };
