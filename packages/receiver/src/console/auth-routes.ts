/**
 * Signing in and out of the console:
 *
 * - `POST /console/auth/link`: mail a one-time sign-in link; the same 202 for
 *   any address, answered before anything about it is looked at;
 * - `/console/auth/link/{token}`: the mailed link; a GET shows one button and
 *   changes nothing (mail scanners fetch links), its POST signs in, once;
 * - `/console/auth/oidc` and its callback: the company's OpenID Connect
 *   provider (oidc.ts), the transaction bound to the browser by a cookie;
 * - `POST /console/auth/logout`: ends the session for good.
 *
 * A sign-in is an event whose key is the link's or the transaction's, so it
 * happens once across processes (access.ts `signIn`).
 */
import { createHash } from 'node:crypto';
import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { RouteTools } from '../app.js';
import { answer, json, LIMITED, page, refusal, Token, UNAVAILABLE } from '../http/answers.js';
import { mailCaps, type MailGroup } from '../mail/caps.js';
import type { MailLocale } from '../mail/layout.js';
import { pageLocale } from '../mail/pages.js';
import { emailKey } from '../store/store.js';
import { CALLBACK_PATH, CONSOLE_PATH, LINK_PATH, type ConsoleContext } from './context.js';
import { consoleKeys as eventKeys } from './audit-log.js';
import { apiError, consoleRoute, jsonBody, jsonRequest, NO_SESSION, NOT_FROM_CONSOLE, NOT_JSON, sendJson, smallBody, TOO_LARGE, validEmail } from './http.js';
import { signInMail } from './mail.js';
import { TRANSACTION_MS } from './oidc.js';
import { renderSignInPage, type SignInPage } from './pages.js';
import { randomId, readCookie, setCookie } from './session.js';

/** How long after its answer a link request's work may run: a random moment in this window (as preference links). */
const LINK_WORK_DELAY_MS = [50, 500] as const;

const tokenIdOf = (token: string) => createHash('sha256').update(token).digest('hex').slice(0, 32);

const NOT_FROM_HERE = refusal(403, 'Not from the console: another `Origin` (or `Sec-Fetch-Site`).', ['origin']);
const NO_PROVIDER = refusal(404, 'No OpenID Connect provider is configured.', ['not-found']);
const SIGNED_IN = answer(303, 'Signed in: on to the console, with a new session cookie (and any earlier session ended).', undefined, 'location', 'set-cookie');

export function authRoutes(ctx: ConsoleContext, tools: RouteTools): OpenAPIHono {
  const app = new OpenAPIHono();
  const limit = tools.limit('page');

  const signInPage = (c: Context, name: SignInPage, values: { email?: string } = {}, cookies: string[] = []) => {
    const rendered = renderSignInPage(name, pageLocale(undefined, c.req.header('accept-language')), values);
    const response = c.body(rendered.body, rendered.status as 200, rendered.headers);
    for (const cookie of cookies) response.headers.append('set-cookie', cookie);
    return response;
  };
  const signedIn = (cookies: string[]) => {
    const headers = new Headers({ location: CONSOLE_PATH, 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' });
    for (const cookie of cookies) headers.append('set-cookie', cookie);
    return new Response(null, { status: 303, headers });
  };
  const unreachable = (error: unknown) => console.error(`[receiver] console: the OpenID Connect provider is not reachable: ${(error as Error)?.message ?? error}`);

  async function mailSignInLink(address: string, locale: MailLocale, client: string): Promise<void> {
    const mail = ctx.mail;
    if (!ctx.allowed(address) || !mail) return;
    const expiresAt = new Date(ctx.now().getTime() + ctx.linkTtlMs);
    const token = ctx.keys.sealLink({ e: emailKey(address), x: expiresAt.getTime(), n: randomId() });
    const message = signInMail({ to: address, url: `${ctx.publicOrigin}${LINK_PATH}${token}`, expiresAt, locale });
    await ctx.store.queueJobs([
      {
        kind: 'mail',
        email: emailKey(address),
        payload: { message, kind: 'console-sign-in', tokenId: tokenIdOf(token) },
        // Counted apart from the site's own kinds of mail, by the same keyed hashes.
        caps: mailCaps(ctx.deps.tokens, mail.cap, { to: address, client, group: 'console' as MailGroup }),
      },
    ]);
    mail.wake();
  }

  /** Runs a link request's work at a random moment after its answer went out. */
  function later(work: () => Promise<void>): void {
    const [min, max] = LINK_WORK_DELAY_MS;
    const run = (resolve: () => void) =>
      work()
        .catch((error: unknown) => console.error('[receiver] console sign-in link not queued:', (error as Error)?.message ?? error))
        .finally(resolve);
    void ctx.track(new Promise<void>((resolve) => setTimeout(() => run(resolve), min + Math.random() * (max - min))));
  }

  app.openapi(
    consoleRoute({
      method: 'post',
      path: `${CONSOLE_PATH}/auth/link`,
      summary: 'Mail a one-time sign-in link to an address that may sign in; the same answer for any address',
      request: jsonRequest('`{ email }`', { email: { type: 'string', description: 'The address to mail the link to.' } }, ['email']),
      middleware: [tools.limit('link'), smallBody()],
      answers: [
        json(202, 'Accepted. A link goes out only to an address in `CONSOLE_USERS`, capped per address; the answer never says which.', z.object({ status: z.literal('accepted') })),
        refusal(400, 'Not an e-mail address.', ['invalid-email']),
        NOT_FROM_HERE,
        refusal(404, 'Sign-in links are off: this receiver sends no mail.', ['not-found']),
        TOO_LARGE,
        NOT_JSON,
        LIMITED,
      ],
    }),
    async (c) => {
      if (!ctx.access.fromConsole(c)) return apiError(c, 403, 'origin', 'Send this from the console.');
      if (!ctx.linksOn) return apiError(c, 404, 'not-found', 'Sign-in links are off: this receiver sends no mail.');
      const body = await jsonBody(c);
      if (!body) return apiError(c, 415, 'unsupported-media-type', 'Send { "email" } as JSON.');
      const address = typeof body.email === 'string' ? body.email : '';
      if (!validEmail(address)) return apiError(c, 400, 'invalid-email', 'Enter a valid e-mail address.');
      const locale = pageLocale(undefined, c.req.header('accept-language'));
      const client = tools.client(c);
      // Nothing about the address is looked at before the answer, and the work comes at a random moment
      // after it: the answer and its timing are the same for an address that may sign in and one that may not.
      later(() => mailSignInLink(address, locale, client));
      return sendJson(c, { status: 'accepted' }, 202);
    },
  );

  const linkPage = async (c: Context) => {
    if (!ctx.linksOn) return signInPage(c, 'invalid');
    const token = c.req.param('token')!;
    const claims = ctx.keys.openLink(token);
    const email = typeof claims?.e === 'string' ? claims.e : undefined;
    const expires = typeof claims?.x === 'number' ? claims.x : undefined;
    if (!email || expires === undefined) return signInPage(c, 'invalid');
    if (ctx.now().getTime() >= expires) return signInPage(c, 'expired');
    if (!ctx.allowed(email)) return signInPage(c, 'refused');
    const eventKey = eventKeys.signIn('link', tokenIdOf(token));
    if (c.req.method !== 'POST') {
      // GET and HEAD change nothing: mail scanners fetch every link.
      return (await ctx.store.event(eventKey)) ? signInPage(c, 'used') : signInPage(c, 'link', { email });
    }
    if (!ctx.access.fromConsole(c, { fromLinkPage: true })) return signInPage(c, 'failed');
    const cookie = await ctx.access.signIn(c, email, 'link', eventKey, { tokenId: tokenIdOf(token) });
    if (!cookie) return signInPage(c, 'used');
    return signedIn([cookie]);
  };
  const link = { path: `${LINK_PATH}{token}`, request: { params: Token }, middleware: [limit] };
  const linkRefusals = [
    page(403, 'The address may no longer sign in.'),
    page(404, 'A tampered or unknown link, or sign-in links are off.'),
    page(410, 'An expired link, or one used already.'),
    LIMITED,
    UNAVAILABLE,
  ];
  app.openapi(
    consoleRoute({
      ...link,
      method: 'get',
      summary: 'A mailed sign-in link: a page with one button; a GET never changes anything (mail scanners fetch links)',
      answers: [page(200, 'The page with the button.'), ...linkRefusals],
    }),
    linkPage,
  );
  app.openapi(
    consoleRoute({
      ...link,
      method: 'post',
      summary: "The link page's button: signs in, once",
      answers: [SIGNED_IN, page(400, "Not from the link's page (its `Origin: null` needs `Sec-Fetch-Site: same-origin`)."), ...linkRefusals],
    }),
    linkPage,
  );

  app.openapi(
    consoleRoute({
      method: 'get',
      path: `${CONSOLE_PATH}/auth/oidc`,
      summary: "Sign in with the company's OpenID Connect provider: on to it (authorization code with PKCE)",
      middleware: [limit],
      answers: [
        answer(302, "On to the provider's authorization endpoint, with the transaction (state, nonce, PKCE verifier) in a cookie for 10 minutes.", undefined, 'location', 'set-cookie'),
        NO_PROVIDER,
        page(503, 'The provider is not reachable.'),
        LIMITED,
      ],
    }),
    async (c) => {
      const oidc = ctx.oidc;
      if (!oidc) return apiError(c, 404, 'not-found', 'No OpenID Connect provider is configured.');
      let started: Awaited<ReturnType<typeof oidc.start>>;
      try {
        started = await oidc.start(ctx.now());
      } catch (error) {
        unreachable(error);
        return signInPage(c, 'unavailable');
      }
      // Lax, not Strict: the provider's redirect back is a navigation from its site, and must carry it.
      const cookie = setCookie(ctx.names, ctx.names.oidc, ctx.keys.sealTransaction(started.tx), { maxAge: TRANSACTION_MS, sameSite: 'Lax' });
      return new Response(null, { status: 302, headers: { location: started.url.href, 'set-cookie': cookie, 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' } });
    },
  );

  app.openapi(
    consoleRoute({
      method: 'get',
      path: CALLBACK_PATH,
      summary: "The provider's redirect back (its `code` and `state`): signs in a verified address in `CONSOLE_USERS`, once per transaction",
      middleware: [limit],
      answers: [
        SIGNED_IN,
        page(400, 'No transaction in this browser, an expired or replayed one, or the provider refused (state, PKCE, token).'),
        page(403, 'The provider verified no e-mail address, or the address may not sign in.'),
        NO_PROVIDER,
        page(503, 'The provider is not reachable.'),
        LIMITED,
        UNAVAILABLE,
      ],
    }),
    async (c) => {
      const oidc = ctx.oidc;
      if (!oidc) return apiError(c, 404, 'not-found', 'No OpenID Connect provider is configured.');
      // The transaction is spent whatever happens next.
      const clear = [ctx.access.clearTransaction()];
      const tx = ctx.keys.openTransaction(readCookie(c.req.header('cookie'), ctx.names.oidc));
      if (!tx || ctx.now().getTime() >= tx.exp) return signInPage(c, 'failed', {}, clear);
      // The URL the provider redirected to, on the configured origin (never the request's Host).
      const current = new URL(`${ctx.publicOrigin}${CALLBACK_PATH}${new URL(c.req.url).search}`);
      let result: Awaited<ReturnType<typeof oidc.callback>>;
      try {
        result = await oidc.callback(current, tx);
      } catch (error) {
        unreachable(error);
        return signInPage(c, 'unavailable', {}, clear);
      }
      if (!result.ok) {
        if (result.error) console.error(`[receiver] console: OpenID Connect sign-in refused: ${result.error}`);
        return signInPage(c, result.reason === 'unverified' ? 'refused' : 'failed', {}, clear);
      }
      if (!ctx.allowed(result.email)) return signInPage(c, 'refused', {}, clear);
      const cookie = await ctx.access.signIn(c, result.email, 'oidc', eventKeys.signIn('oidc', tx.id), { issuer: result.issuer, subject: result.subject });
      if (!cookie) return signInPage(c, 'failed', {}, clear); // a replayed callback: this transaction signed in already
      return signedIn([...clear, cookie]);
    },
  );

  app.openapi(
    consoleRoute({
      method: 'post',
      path: `${CONSOLE_PATH}/auth/logout`,
      summary: 'Sign out: the session ends for good, wherever its cookie went',
      security: [{ consoleSession: [], consoleCsrf: [] }],
      middleware: [limit],
      answers: [answer(204, 'Signed out; the cookie is removed.', undefined, 'set-cookie'), NO_SESSION, NOT_FROM_CONSOLE, LIMITED, UNAVAILABLE],
    }),
    async (c) => {
      const claims = await ctx.access.sessionOf(c);
      if (!claims) return apiError(c, 401, 'no-session', 'Not signed in.', { signIn: ctx.signInOptions() });
      const refused = ctx.access.refuseCall(c, claims);
      if (refused) return refused;
      await ctx.access.signOut(claims, ctx.now());
      return new Response(null, { status: 204, headers: { 'set-cookie': ctx.access.clearSession(), 'cache-control': 'no-store' } });
    },
  );
  return app;
}
