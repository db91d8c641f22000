// The console's only way to the receiver: typed calls around fetch, one per
// route of the console API. The elements are handed an object of this shape,
// so tests hand them the same client over a fake `fetch` that plays the server.

export type RequestStatus = 'open' | 'closed';
export type StatusFilter = 'open' | 'overdue' | 'closed' | 'all';
export const STATUS_FILTERS: readonly StatusFilter[] = ['open', 'overdue', 'closed', 'all'];

export interface SignInOptions {
  /** The company's OpenID Connect provider is configured. */
  oidc: boolean;
  /** Mailed one-time links are configured. */
  link: boolean;
}

export type Session =
  | { signedIn: true; user: { email: string }; csrf: string; expiresAt: string; idleExpiresAt: string }
  | { signedIn: false; signIn: SignInOptions };

export interface RequestRow {
  id: string;
  kid: string;
  requestType: string;
  name: string;
  email: string;
  locale: string;
  receivedAt: string;
  /** `YYYY-MM-DD` */
  dueBy: string;
  daysLeft: number;
  overdue: boolean;
  identity: 'confirmed' | 'unconfirmed';
  identityConfirmedAt?: string;
  identityVerified?: { how: string; by: string; at: string };
  status: RequestStatus;
  closedAt?: string;
  closedBy?: string;
}

export interface RequestList {
  /** The server's today, `YYYY-MM-DD`: what `daysLeft` counts from. */
  today: string;
  /** One page of the list, from `offset`. */
  requests: RequestRow[];
  /** How many the list has in all. */
  total: number;
  offset: number;
  /** How many are open, overdue (of the open ones) and closed. */
  counts: RequestCounts;
}

export interface RequestCounts {
  open: number;
  overdue: number;
  closed: number;
}

export type TrailKind = 'record' | 'receipt' | 'mail' | 'confirmation' | 'withdrawal' | 'restoration' | 'webhook' | 'closure' | 'action';

export interface TrailEntry {
  at: string;
  kind: TrailKind;
  summary: string;
  detail?: Record<string, unknown>;
}

export interface RequestDetail {
  request: RequestRow & {
    organisation?: string;
    phone?: string;
    details: string;
    source: { url: string; element: string };
  };
  templates: { id: string; label: string }[];
  answerUrl: string;
  trail: TrailEntry[];
}

export interface PurposeCounts {
  purpose: string;
  label: string;
  granted: number;
  pending: number;
  withdrawn: number;
}

export interface WeekCounts {
  /** ISO week, `YYYY-Www` */
  week: string;
  /** Its Monday, `YYYY-MM-DD` */
  start: string;
  purpose: string;
  granted: number;
  pending: number;
  withdrawn: number;
}

export interface ConsentStats {
  purposes: PurposeCounts[];
  weeks: WeekCounts[];
}

export interface AddressConsents {
  email: string;
  purposes: { purpose: string; label: string; granted: boolean; pending?: boolean; decidedAt: string }[];
}

/** What went wrong, by the server's `error.code` (or `network` when there was no answer). */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message || (status ? `HTTP ${status}` : code));
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

/**
 * The console API. It fires `unauthorized` on itself whenever the server
 * answers 401 (the session ended), so the app can go to the sign-in view
 * wherever the call came from.
 */
export interface ConsoleApi extends EventTarget {
  /** Where the browser goes to sign in with the company's provider (a plain link). */
  readonly oidcUrl: string;
  session(): Promise<Session>;
  requestLink(email: string): Promise<void>;
  logout(): Promise<void>;
  /** A page of the list (the receiver's page size), from `offset`. */
  requests(status: StatusFilter, offset?: number): Promise<RequestList>;
  request(id: string, kid: string): Promise<RequestDetail>;
  close(id: string, kid: string, note: string): Promise<void>;
  verifyIdentity(id: string, kid: string, how: string): Promise<void>;
  message(id: string, kid: string, template: string): Promise<void>;
  consentStats(): Promise<ConsentStats>;
  consentsOf(email: string): Promise<AddressConsents>;
}

export interface HttpApiOptions {
  /** Path the console is served under; default `/console`. */
  base?: string;
  /** The fetch to use; tests pass one that plays the server. */
  fetch?: typeof fetch;
}

type Json = Record<string, unknown>;

class HttpApi extends EventTarget implements ConsoleApi {
  readonly oidcUrl: string;
  readonly #base: string;
  readonly #fetch: typeof fetch;
  /** The session's token, sent back on every state-changing call. */
  #csrf = '';

  constructor({ base = '/console', fetch: fetchImpl }: HttpApiOptions) {
    super();
    this.#base = base.replace(/\/$/, '');
    this.#fetch = fetchImpl ?? globalThis.fetch.bind(globalThis);
    this.oidcUrl = `${this.#base}/auth/oidc`;
  }

  async #call(method: 'GET' | 'POST', path: string, body?: Json): Promise<{ status: number; json: Json }> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (method === 'POST') {
      headers['content-type'] = 'application/json';
      if (this.#csrf) headers['x-csrf-token'] = this.#csrf;
    }
    let response: Response;
    try {
      response = await this.#fetch(`${this.#base}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: 'same-origin',
        cache: 'no-store',
      });
    } catch (error) {
      throw new ApiError(0, 'network', String((error as Error)?.message ?? error));
    }
    // 202 and 204 may have no body; an HTML error page from a proxy is no JSON either.
    const json = ((await response.json().catch(() => ({}))) ?? {}) as Json;
    return { status: response.status, json };
  }

  /** A call whose non-2xx answer is an ApiError (and a 401 also an `unauthorized` event). */
  async #expect(method: 'GET' | 'POST', path: string, body?: Json): Promise<Json> {
    const { status, json } = await this.#call(method, path, body);
    if (status >= 200 && status < 300) return json;
    const error = (json.error ?? {}) as { code?: string; message?: string };
    if (status === 401) {
      this.#csrf = '';
      this.dispatchEvent(new Event('unauthorized'));
    }
    throw new ApiError(status, error.code ?? (status === 401 ? 'no-session' : `http-${status}`), error.message ?? '');
  }

  async session(): Promise<Session> {
    const { status, json } = await this.#call('GET', '/api/session');
    if (status === 401) {
      this.#csrf = '';
      const signIn = (json.signIn ?? {}) as Partial<SignInOptions>;
      return { signedIn: false, signIn: { oidc: Boolean(signIn.oidc), link: Boolean(signIn.link) } };
    }
    if (status !== 200) {
      const error = (json.error ?? {}) as { code?: string; message?: string };
      throw new ApiError(status, error.code ?? `http-${status}`, error.message ?? '');
    }
    const session = json as unknown as Omit<Extract<Session, { signedIn: true }>, 'signedIn'>;
    this.#csrf = session.csrf;
    return { signedIn: true, ...session };
  }

  async requestLink(email: string): Promise<void> {
    await this.#expect('POST', '/auth/link', { email });
  }

  async logout(): Promise<void> {
    await this.#expect('POST', '/auth/logout');
    this.#csrf = '';
  }

  async requests(status: StatusFilter, offset = 0): Promise<RequestList> {
    const page = offset ? `&offset=${offset}` : '';
    return (await this.#expect('GET', `/api/requests?status=${encodeURIComponent(status)}${page}`)) as unknown as RequestList;
  }

  async request(id: string, kid: string): Promise<RequestDetail> {
    return (await this.#expect('GET', `${requestPath(id)}?kid=${encodeURIComponent(kid)}`)) as unknown as RequestDetail;
  }

  async close(id: string, kid: string, note: string): Promise<void> {
    await this.#expect('POST', `${requestPath(id)}/close`, { kid, note });
  }

  async verifyIdentity(id: string, kid: string, how: string): Promise<void> {
    await this.#expect('POST', `${requestPath(id)}/verify-identity`, { kid, how });
  }

  async message(id: string, kid: string, template: string): Promise<void> {
    await this.#expect('POST', `${requestPath(id)}/message`, { kid, template });
  }

  async consentStats(): Promise<ConsentStats> {
    return (await this.#expect('GET', '/api/consents/stats')) as unknown as ConsentStats;
  }

  async consentsOf(email: string): Promise<AddressConsents> {
    return (await this.#expect('GET', `/api/consents?email=${encodeURIComponent(email)}`)) as unknown as AddressConsents;
  }
}

function requestPath(id: string): string {
  return `/api/requests/${encodeURIComponent(id)}`;
}

/** The client of the receiver's console API (same origin, cookie session). */
export function httpApi(options: HttpApiOptions = {}): ConsoleApi {
  return new HttpApi(options);
}
