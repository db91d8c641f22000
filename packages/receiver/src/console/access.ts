/**
 * Who is calling, and whether they may (the cookies themselves are session.ts):
 *
 * - nothing under `/console/api/` answers without a session: `guard` answers
 *   401 `no-session` before it says whether a path exists;
 * - every state-changing call needs the receiver's own `Origin` (and, when
 *   the browser sends it, `Sec-Fetch-Site: same-origin`), and, once signed
 *   in, the session's anti-CSRF token in `x-csrf-token`; the API takes JSON only;
 * - each answer of the API renews the session cookie (the idle timeout
 *   slides; the absolute one counts from sign-in);
 * - a new session id at every sign-in; a session cookie the browser had
 *   before is revoked then (no fixation).
 */
import type { Context, MiddlewareHandler } from 'hono';
import { emailKey } from '../store/store.js';
import type { ConsoleContext } from './context.js';
import { consoleEvent, consoleKeys as eventKeys } from './audit-log.js';
import { apiError, mediaType } from './http.js';
import { randomId, readCookie, sessionRef, setCookie, type SessionClaims } from './session.js';
import type { SessionAnswer } from './types.js';

export interface ConsoleAccess {
  /** The session a request carries, if it is one: MAC, timeouts, still allowed, not signed out. */
  sessionOf(c: Context): Promise<SessionClaims | undefined>;
  /** The session cookie again with `seen` now, and the session's answer. */
  renew(claims: SessionClaims): { cookie: string; answer: SessionAnswer };
  /**
   * Signs in `email`: the sign-in event (its key makes the link or transaction count once), a
   * new session id, and the end of any session this browser had. The session cookie; undefined
   * when the key was used already.
   */
  signIn(c: Context, email: string, via: SessionClaims['via'], eventKey: string, details: Record<string, unknown>): Promise<string | undefined>;
  /** Ends a session for good: the sign-out event every later call looks for. */
  signOut(claims: SessionClaims, at: Date): Promise<void>;
  /** A state-changing call from the receiver's own pages (see below for `fromLinkPage`). */
  fromConsole(c: Context, options?: { fromLinkPage?: boolean }): boolean;
  /** A signed-in call's refusal when it is not from the console or lacks the session's anti-CSRF token. */
  refuseCall(c: Context, claims: SessionClaims): Response | undefined;
  /** `Set-Cookie` values that remove the session and the OpenID Connect transaction. */
  clearSession(): string;
  clearTransaction(): string;
  /** The API's gate (`/console/api/*`): a session, and for anything but a read the checks above and JSON. */
  guard: MiddlewareHandler;
  /** The session `guard` let through. */
  claims(c: Context): SessionClaims;
}

export function consoleAccess(ctx: Omit<ConsoleContext, 'access'>): ConsoleAccess {
  const { keys, names, now } = ctx;
  // By the request's context, not its `Request`: a body limit replaces `c.req.raw` to count a body sent without a length.
  const sessions = new WeakMap<Context, SessionClaims>();

  async function sessionOf(c: Context): Promise<SessionClaims | undefined> {
    const claims = keys.openSession(readCookie(c.req.header('cookie'), names.session));
    if (!claims) return undefined;
    const t = now().getTime();
    if (t >= claims.iat + ctx.absoluteMs || t >= claims.seen + ctx.idleMs || claims.iat > t + 60_000) return undefined;
    if (!ctx.allowed(claims.email)) return undefined; // taken off the list since
    if (await ctx.store.event(eventKeys.signOut(sessionRef(claims.sid)))) return undefined;
    return claims;
  }

  function renew(claims: SessionClaims): { cookie: string; answer: SessionAnswer } {
    const t = now().getTime();
    const seen = { ...claims, seen: t };
    const idleEnd = Math.min(t + ctx.idleMs, claims.iat + ctx.absoluteMs);
    return {
      cookie: setCookie(names, names.session, keys.sealSession(seen), { maxAge: idleEnd - t, sameSite: 'Strict' }),
      answer: {
        user: { email: claims.email },
        csrf: keys.csrf(claims.sid),
        expiresAt: new Date(claims.iat + ctx.absoluteMs).toISOString(),
        idleExpiresAt: new Date(idleEnd).toISOString(),
      },
    };
  }

  /**
   * `fromLinkPage`: the sign-in link's page is served with `Referrer-Policy: no-referrer` (its URL holds the
   * token), and under that policy browsers send `Origin: null` on its form; there the browser's `Sec-Fetch-Site:
   * same-origin` (which no page can set) must say it came from this origin. A browser that sends neither is refused.
   */
  function fromConsole(c: Context, { fromLinkPage = false } = {}): boolean {
    const origin = c.req.header('origin');
    const site = c.req.header('sec-fetch-site');
    if (fromLinkPage && origin === 'null') return site === 'same-origin';
    if (origin !== ctx.publicOrigin) return false;
    return site === undefined || site === 'same-origin';
  }

  function refuseCall(c: Context, claims: SessionClaims): Response | undefined {
    if (!fromConsole(c)) return apiError(c, 403, 'origin', 'Send this from the console.');
    if (!keys.csrfMatches(claims.sid, c.req.header('x-csrf-token'))) return apiError(c, 403, 'csrf', 'The anti-CSRF token is missing or wrong.');
    return undefined;
  }

  async function signOut(claims: SessionClaims, at: Date): Promise<void> {
    const ref = sessionRef(claims.sid);
    await ctx.store.addEvent(await consoleEvent(ctx.key, { key: eventKeys.signOut(ref), action: 'sign-out', by: claims.email, email: claims.email, at, details: { session: ref } }));
  }

  async function signIn(c: Context, email: string, via: SessionClaims['via'], eventKey: string, details: Record<string, unknown>): Promise<string | undefined> {
    const at = now();
    const sid = randomId();
    const event = await consoleEvent(ctx.key, { key: eventKey, action: 'sign-in', by: email, email, at, details: { method: via, session: sessionRef(sid), ...details } });
    if ((await ctx.store.addEvent(event)).status === 'duplicate') return undefined;
    const previous = keys.openSession(readCookie(c.req.header('cookie'), names.session));
    if (previous) await signOut(previous, at);
    const claims: SessionClaims = { sid, email: emailKey(email), via, iat: at.getTime(), seen: at.getTime() };
    return setCookie(names, names.session, keys.sealSession(claims), { maxAge: ctx.idleMs, sameSite: 'Strict' });
  }

  const guard: MiddlewareHandler = async (c, next) => {
    const claims = await sessionOf(c);
    if (!claims) return apiError(c, 401, 'no-session', 'Sign in first.', { signIn: ctx.signInOptions() });
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') {
      const refused = refuseCall(c, claims);
      if (refused) return refused;
      if (mediaType(c) !== 'application/json') return apiError(c, 415, 'unsupported-media-type', 'Send JSON.');
    }
    sessions.set(c, claims);
    const { cookie } = renew(claims);
    await next();
    c.res.headers.append('set-cookie', cookie);
    c.res.headers.set('cache-control', 'no-store');
  };

  return {
    sessionOf,
    renew,
    signIn,
    signOut,
    fromConsole,
    refuseCall,
    clearSession: () => setCookie(names, names.session, '', { maxAge: 0, sameSite: 'Strict' }),
    clearTransaction: () => setCookie(names, names.oidc, '', { maxAge: 0, sameSite: 'Lax' }),
    guard,
    claims: (c) => sessions.get(c)!,
  };
}
