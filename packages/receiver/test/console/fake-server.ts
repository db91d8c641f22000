// A fake of the receiver's console API, at the HTTP level: the console's own
// client (httpApi) talks to it through a `fetch` of the same shape, so the
// tests see the URLs, headers and bodies the real receiver will get. It keeps
// to the contract the end-to-end tests will hold the real receiver to.
import { httpApi, type AddressConsents, type ConsentStats, type ConsoleApi, type RequestDetail, type RequestRow, type TrailEntry } from '../../console/api.js';

export const CSRF = 'csrf-7f3a9c';
export const USER = 'tietosuoja@optimesys.fi';

/** Markup in every field a visitor controls: it must show as text, and never run. */
export const HOSTILE = {
  name: '<img src=x onerror="window.__pwned=1">Eve <b>Evil</b>',
  email: '"<b>eve</b>"@example.com',
  details: '<script>window.__pwned=1</script>Please send <i>everything</i>.\nSecond line.',
  organisation: '<iframe src="javascript:window.__pwned=1"></iframe>Acme',
  url: 'javascript:window.__pwned=1//<a href="x">link</a>',
  mailText: 'Hello <img src=x onerror="window.__pwned=1">,\nyour request was received.',
  mailSubject: '<u>Your request</u>',
  recordText: '<svg onload="window.__pwned=1"></svg>I want my data',
  note: '<marquee>closed</marquee>',
};

export interface Call {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Headers;
  body: unknown;
}

type Row = RequestRow & { organisation?: string; phone?: string; details: string; source: { url: string; element: string } };

function rows(): Row[] {
  const base = { locale: 'fi', identity: 'unconfirmed' as const, status: 'open' as const, overdue: false, source: { url: 'https://www.optimesys.fi/tietosuoja', element: 'data-request-form' } };
  return [
    { ...base, id: 'r-open', kid: 'kid-open', requestType: 'erasure', name: 'Olli Open', email: 'olli@example.fi', receivedAt: '2025-03-01T09:15:00Z', dueBy: '2025-04-01', daysLeft: 12, details: '' },
    {
      ...base,
      id: 'r-overdue',
      kid: 'kid-overdue',
      requestType: 'access',
      name: HOSTILE.name,
      email: HOSTILE.email,
      organisation: HOSTILE.organisation,
      phone: '+358 40 123 4567',
      locale: 'en',
      receivedAt: '2025-02-10T12:00:00Z',
      dueBy: '2025-03-10',
      daysLeft: -10,
      overdue: true,
      identity: 'confirmed',
      identityConfirmedAt: '2025-02-10T12:30:00Z',
      details: HOSTILE.details,
      source: { url: HOSTILE.url, element: 'data-request-form' },
    },
    {
      ...base,
      id: 'r-verified',
      kid: 'kid-verified',
      requestType: 'rectification',
      name: 'Veera Verified',
      email: 'veera@example.fi',
      locale: 'sv',
      receivedAt: '2025-03-05T08:00:00Z',
      dueBy: '2025-04-05',
      daysLeft: 16,
      identityVerified: { how: 'Phone call to the number in the customer register', by: USER, at: '2025-03-06T10:00:00Z' },
      details: 'My surname is wrong.',
    },
    {
      ...base,
      id: 'r-closed',
      kid: 'kid-closed',
      requestType: 'objection',
      name: 'Cecilia Closed',
      email: 'cecilia@example.fi',
      receivedAt: '2025-01-02T08:00:00Z',
      dueBy: '2025-02-02',
      daysLeft: -46,
      identity: 'confirmed',
      identityConfirmedAt: '2025-01-02T09:00:00Z',
      status: 'closed',
      closedAt: '2025-01-20T14:00:00Z',
      closedBy: USER,
      details: 'Stop the newsletter.',
    },
  ];
}

function trailOf(row: Row): TrailEntry[] {
  const trail: TrailEntry[] = [
    // Out of time order on purpose: the console sorts.
    { at: '2025-02-10T12:00:02Z', kind: 'mail', summary: 'Confirmation mail', detail: { to: row.email, subject: HOSTILE.mailSubject, text: HOSTILE.mailText, sentAt: '2025-02-10T12:00:05Z' } },
    {
      at: '2025-02-10T12:00:00Z',
      kind: 'record',
      summary: 'Data request received',
      detail: { record: { type: 'data-request', id: row.id, subject: { name: row.name, email: row.email }, details: HOSTILE.recordText, source: row.source } },
    },
    { at: '2025-02-10T12:00:01Z', kind: 'receipt', summary: 'Receipt issued', detail: { receiptId: 'rc-1', digest: 'sha-256:abc' } },
    { at: '2025-02-10T12:30:00Z', kind: 'confirmation', summary: 'Identity confirmed from the mailed link' },
    { at: '2025-02-11T07:00:00Z', kind: 'webhook', summary: 'Delivered to hubspot', detail: { endpoint: 'https://hooks.example/privacy', status: 200, attempts: 1 } },
  ];
  return row.id === 'r-overdue' ? trail : trail.slice(1, 2);
}

export const STATS: ConsentStats = {
  purposes: [
    { purpose: 'newsletter', label: 'Newsletter', granted: 1234, pending: 56, withdrawn: 78 },
    { purpose: 'blog', label: 'Blog updates', granted: 310, pending: 4, withdrawn: 12 },
    { purpose: 'events', label: 'Event invitations', granted: 95, pending: 7, withdrawn: 3 },
  ],
  weeks: [
    { week: '2025-W10', start: '2025-03-03', purpose: 'newsletter', granted: 1190, pending: 40, withdrawn: 70 },
    { week: '2025-W09', start: '2025-02-24', purpose: 'newsletter', granted: 1150, pending: 35, withdrawn: 66 },
    { week: '2025-W11', start: '2025-03-10', purpose: 'newsletter', granted: 1234, pending: 56, withdrawn: 78 },
    { week: '2025-W10', start: '2025-03-03', purpose: 'blog', granted: 300, pending: 2, withdrawn: 10 },
    { week: '2025-W11', start: '2025-03-10', purpose: 'blog', granted: 310, pending: 4, withdrawn: 12 },
  ],
};

export const ADDRESS: AddressConsents = {
  email: 'anna@example.fi',
  purposes: [
    { purpose: 'newsletter', label: 'Newsletter', granted: true, decidedAt: '2025-01-05T10:00:00Z' },
    { purpose: 'blog', label: 'Blog updates', granted: true, pending: true, decidedAt: '2025-03-01T10:00:00Z' },
    { purpose: 'events', label: 'Event invitations', granted: false, decidedAt: '2025-02-01T10:00:00Z' },
  ],
};

export interface FakeOptions {
  signedIn?: boolean;
  signIn?: { oidc: boolean; link: boolean };
  /** More open requests (due after the others), for a list longer than a page. */
  more?: number;
}

/** A fake receiver: `api` is the console's real client over it; `calls` is every request it got; `state` can be changed mid-test. */
export function fakeServer(options: FakeOptions = {}) {
  const state = { signedIn: options.signedIn ?? true, signIn: options.signIn ?? { oidc: true, link: true }, rows: rows(), trails: new Map<string, TrailEntry[]>(), failPages: false };
  for (let i = 0; i < (options.more ?? 0); i++) {
    const n = String(i).padStart(3, '0');
    state.rows.push({ ...state.rows[0]!, id: `r-more-${n}`, kid: 'kid-more', name: `Requester ${n}`, email: `r${n}@example.fi`, dueBy: `2025-05-${String(1 + (i % 28)).padStart(2, '0')}`, daysLeft: 42 + (i % 28) });
  }
  for (const row of state.rows) state.trails.set(row.id, trailOf(row));
  const calls: Call[] = [];

  const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  const error = (status: number, code: string, message = code) => json(status, { error: { code, message } });
  const summary = ({ organisation: _o, phone: _p, details: _d, source: _s, ...row }: Row): RequestRow => row;

  async function handle(call: Call): Promise<Response> {
    const { method, path, query, headers, body } = call;
    if (method === 'GET' && path === '/console/api/session') {
      return state.signedIn
        ? json(200, { user: { email: USER }, csrf: CSRF, expiresAt: '2025-03-21T08:00:00Z', idleExpiresAt: '2025-03-20T09:00:00Z' })
        : json(401, { error: { code: 'no-session' }, signIn: state.signIn });
    }
    if (method === 'POST' && path === '/console/auth/link') return new Response(null, { status: 202 });
    if (!state.signedIn) return error(401, 'no-session');
    if (method === 'POST' && (headers.get('x-csrf-token') !== CSRF || headers.get('content-type') !== 'application/json')) return error(403, 'csrf');
    if (method === 'POST' && path === '/console/auth/logout') {
      state.signedIn = false;
      return new Response(null, { status: 204 });
    }
    if (method === 'GET' && path === '/console/api/requests') {
      if (state.failPages && query.get('offset')) return error(503, 'unavailable', 'Database unavailable');
      const status = query.get('status') ?? 'open';
      const listed = state.rows.filter((r) => status === 'all' || (status === 'overdue' ? r.status === 'open' && r.overdue : r.status === status));
      // The receiver's order: open ones by due date (overdue first), then closed ones; a page of it.
      listed.sort((a, b) => Number(a.status === 'closed') - Number(b.status === 'closed') || a.dueBy.localeCompare(b.dueBy));
      const offset = Number(query.get('offset') ?? 0);
      const limit = Number(query.get('limit') ?? 100);
      const open = state.rows.filter((r) => r.status === 'open');
      const counts = { open: open.length, overdue: open.filter((r) => r.overdue).length, closed: state.rows.length - open.length };
      return json(200, { today: '2025-03-20', requests: listed.slice(offset, offset + limit).map(summary), total: listed.length, offset, counts });
    }
    if (method === 'GET' && path === '/console/api/consents/stats') return json(200, STATS);
    if (method === 'GET' && path === '/console/api/consents') {
      const email = query.get('email') ?? '';
      return json(200, email === ADDRESS.email ? ADDRESS : { email, purposes: [] });
    }
    const match = /^\/console\/api\/requests\/([^/]+)(?:\/(close|verify-identity|message))?$/.exec(path);
    const row = match && state.rows.find((r) => r.id === decodeURIComponent(match[1]!));
    if (!match || !row) return error(404, 'not-found');
    const action = match[2];
    if (method === 'GET' && !action) {
      if (query.get('kid') !== row.kid) return error(404, 'not-found');
      const detail: RequestDetail = {
        request: row,
        templates: [
          { id: 'extension', label: 'We need more time (Art. 12(3))' },
          { id: 'identify', label: 'Please confirm your identity' },
        ],
        answerUrl: `/console/api/requests/${row.id}/answer?kid=${row.kid}`,
        trail: state.trails.get(row.id)!,
      };
      return json(200, detail);
    }
    const input = (body ?? {}) as { kid?: string; note?: string; how?: string; template?: string };
    if (method !== 'POST' || input.kid !== row.kid) return error(404, 'not-found');
    const trail = state.trails.get(row.id)!;
    const at = new Date().toISOString();
    if (action === 'close') {
      if (!input.note?.trim()) return error(400, 'invalid-note', 'A note is required');
      if (row.status === 'closed') return error(409, 'already-closed', 'Already closed');
      Object.assign(row, { status: 'closed', closedAt: at, closedBy: USER });
      trail.push({ at, kind: 'action', summary: 'Closed in the console', detail: { who: USER, what: 'close', note: input.note } });
      trail.push({ at, kind: 'closure', summary: 'Request closed' });
      return json(200, { ok: true });
    }
    if (action === 'verify-identity') {
      if (!input.how?.trim()) return error(400, 'invalid-how', 'Say how');
      row.identityVerified = { how: input.how, by: USER, at };
      trail.push({ at, kind: 'action', summary: 'Identity verified', detail: { who: USER, what: 'verify-identity', note: input.how } });
      return json(200, { ok: true });
    }
    trail.push({ at, kind: 'mail', summary: `Template ${input.template}`, detail: { to: row.email, subject: 'A message', text: 'Hello', sentAt: at } });
    return json(202, { ok: true });
  }

  const fetch = async (input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> => {
    const url = new URL(String(input), location.href);
    const text = typeof init.body === 'string' ? init.body : undefined;
    const call: Call = { method: init.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: new Headers(init.headers), body: text ? JSON.parse(text) : undefined };
    calls.push(call);
    return handle(call);
  };

  const api: ConsoleApi = httpApi({ fetch });
  return { api, calls, state, fetch };
}
