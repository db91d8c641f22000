/**
 * Sign-in with the company's OpenID Connect provider (Entra ID, Google
 * Workspace, anything certified): the authorization code flow with PKCE
 * (S256), `state` and `nonce`, through `openid-client`. The provider's
 * metadata is discovered at the first sign-in and kept (a provider that is
 * down does not stop the receiver; the next sign-in tries again).
 *
 * Who signed in is the ID token's (or the UserInfo answer's) `email`, and
 * only when the provider says it verified it: `email_verified: true`, or
 * Entra ID's `xms_edov: true` (its "email domain owner verified" claim; Entra
 * sends no `email_verified`). The console then checks it against its list.
 */
import * as client from 'openid-client';
import type { ConsoleOidc } from './settings.js';
import { isLoopback } from './settings.js';
import type { OidcTransaction } from './session.js';
import { randomId } from './session.js';

/** How long a sign-in may take at the provider. */
export const TRANSACTION_MS = 10 * 60_000;

export type CallbackResult =
  | { ok: true; email: string; issuer: string; subject: string }
  | { ok: false; reason: 'unverified' | 'failed'; error?: string };

export interface OidcClient {
  /** A new transaction and the provider's authorization URL for it. */
  start(now: Date): Promise<{ tx: OidcTransaction; url: URL }>;
  /** The redirect back from the provider, checked against the transaction bound to this browser. */
  callback(currentUrl: URL, tx: OidcTransaction): Promise<CallbackResult>;
}

export function oidcClient(settings: ConsoleOidc, redirectUri: string): OidcClient {
  const issuer = new URL(settings.issuer);
  let configuration: Promise<client.Configuration> | undefined;
  const config = () =>
    (configuration ??= client
      .discovery(
        issuer,
        settings.clientId,
        settings.clientSecret,
        undefined,
        // Plain http only for a provider on this machine (a test's, a developer's).
        issuer.protocol === 'http:' && isLoopback(issuer.hostname) ? { execute: [client.allowInsecureRequests] } : undefined,
      )
      .catch((error: unknown) => {
        configuration = undefined;
        throw error;
      }));

  return {
    async start(now) {
      const cfg = await config();
      const tx: OidcTransaction = {
        id: randomId(),
        state: client.randomState(),
        nonce: client.randomNonce(),
        verifier: client.randomPKCECodeVerifier(),
        exp: now.getTime() + TRANSACTION_MS,
      };
      const url = client.buildAuthorizationUrl(cfg, {
        redirect_uri: redirectUri,
        scope: 'openid email',
        code_challenge: await client.calculatePKCECodeChallenge(tx.verifier),
        code_challenge_method: 'S256',
        state: tx.state,
        nonce: tx.nonce,
      });
      return { tx, url };
    },

    async callback(currentUrl, tx) {
      let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>;
      const cfg = await config();
      try {
        tokens = await client.authorizationCodeGrant(cfg, currentUrl, {
          pkceCodeVerifier: tx.verifier,
          expectedState: tx.state,
          expectedNonce: tx.nonce,
          idTokenExpected: true,
        });
      } catch (error) {
        // The provider's own words when it refused (`invalid_grant: PKCE verification failed`), else the check that failed.
        const { error: code, error_description: description } = error as { error?: unknown; error_description?: unknown };
        return { ok: false, reason: 'failed', error: [String((error as Error)?.message ?? error), code, description].filter(Boolean).join(': ') };
      }
      const claims = tokens.claims();
      if (!claims) return { ok: false, reason: 'failed', error: 'no ID token' };
      // The address and its verification from one source: the ID token, else the UserInfo answer.
      const verifiedEmail = (source: Record<string, unknown>) =>
        typeof source.email === 'string' && (source.email_verified === true || source.xms_edov === true) ? source.email : undefined;
      let email = verifiedEmail(claims);
      // A provider that keeps the e-mail claims out of the ID token (its access token covers them) answers at UserInfo.
      if (!email) {
        try {
          email = verifiedEmail(await client.fetchUserInfo(cfg, tokens.access_token, claims.sub));
        } catch {
          // no UserInfo endpoint, or it refused: what the ID token said stands
        }
      }
      if (!email) return { ok: false, reason: 'unverified' };
      return { ok: true, email, issuer: claims.iss, subject: claims.sub };
    },
  };
}
