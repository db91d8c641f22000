/**
 * The console API's answers, as the front end's `console/api.ts` declares
 * them (a type test holds the two equal: test/console-server/contract.ts).
 * Plain types, no imports: the server's copy of the contract.
 */

export type RequestStatus = 'open' | 'closed';
export type StatusFilter = 'open' | 'overdue' | 'closed' | 'all';
export const STATUS_FILTERS: readonly StatusFilter[] = ['open', 'overdue', 'closed', 'all'];

export interface SignInOptions {
  oidc: boolean;
  link: boolean;
}

export interface SessionAnswer {
  user: { email: string };
  csrf: string;
  expiresAt: string;
  idleExpiresAt: string;
}

export interface RequestRow {
  id: string;
  kid: string;
  requestType: string;
  name: string;
  email: string;
  locale: string;
  receivedAt: string;
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
  today: string;
  requests: RequestRow[];
  total: number;
  offset: number;
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
  week: string;
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
