// A real OpenID Connect provider for tests: `oidc-provider` on a loopback port, one confidential
// client (client_secret_post) that must use PKCE, and accounts whose e-mail claims the test
// chooses. The login and consent steps finish at once for the account the test names (no form):
// what the console must get right is everything around them.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';

export interface TestAccount {
  email?: string;
  email_verified?: boolean;
}

export interface TestProvider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Who signs in at the next authorization. */
  account: string;
  accounts: Record<string, TestAccount>;
  /** Starts the provider proper, with the client's redirect URI (known once the receiver listens). */
  configure(redirectUri: string): void;
  stop(): Promise<void>;
}

export async function startProvider(accounts: Record<string, TestAccount>): Promise<TestProvider> {
  let provider: Provider | undefined;
  let handler: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  const server: Server = createServer((req, res) => {
    if (!provider || !handler) {
      res.statusCode = 503;
      res.end();
      return;
    }
    if (req.url?.startsWith('/interaction/')) {
      void interaction(provider, req, res).catch((error: unknown) => {
        res.statusCode = 500;
        res.end(String(error));
      });
      return;
    }
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const state: TestProvider = {
    issuer,
    clientId: 'privacy-console',
    clientSecret: 'a-client-secret-for-the-console-tests',
    account: Object.keys(accounts)[0]!,
    accounts,
    configure(redirectUri) {
      provider = new Provider(issuer, {
        clients: [
          {
            client_id: state.clientId,
            client_secret: state.clientSecret,
            redirect_uris: [redirectUri],
            grant_types: ['authorization_code'],
            response_types: ['code'],
            token_endpoint_auth_method: 'client_secret_post',
          },
        ],
        // PKCE required of every client, confidential ones too.
        pkce: { required: () => true },
        claims: { openid: ['sub'], email: ['email', 'email_verified'] },
        scopes: ['openid', 'email'],
        async findAccount(_ctx: unknown, id: string) {
          return { accountId: id, claims: async () => ({ sub: id, ...state.accounts[id] }) };
        },
        features: { devInteractions: { enabled: false } },
        interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
        cookies: { keys: ['a-cookie-key-for-the-console-tests'] },
      });
      // oidc-provider warns about development settings on every start; the tests know.
      handler = provider.callback();
    },
    async stop() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };

  /** Login and consent, finished at once for `state.account`. */
  async function interaction(p: Provider, req: IncomingMessage, res: ServerResponse) {
    const details = await p.interactionDetails(req, res);
    if (details.prompt.name === 'login') {
      await p.interactionFinished(req, res, { login: { accountId: state.account } }, { mergeWithLastSubmission: false });
      return;
    }
    const grant = details.grantId ? await p.Grant.find(details.grantId) : new p.Grant({ accountId: details.session!.accountId, clientId: String(details.params.client_id) });
    const missing = details.prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[] };
    if (missing.missingOIDCScope) grant!.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims) grant!.addOIDCClaims(missing.missingOIDCClaims);
    await p.interactionFinished(req, res, { consent: { grantId: await grant!.save() } }, { mergeWithLastSubmission: true });
  }

  return state;
}
