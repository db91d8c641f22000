/**
 * A data request as the console names it, `(id, kid)`, and a session's act
 * on it as the receiver's signed event: what the API's reads and actions
 * (routes.ts, action-routes.ts) and the office's mails (notices.ts) share.
 */
import type { RecordStore, StoredRecord } from '../store/store.js';
import { localDay } from '../records/calendar.js';
import { consoleEvent, consoleKeys as eventKeys, type ConsoleAction } from './audit-log.js';
import type { ConsoleContext } from './context.js';
import type { RequestFacts } from './mail.js';
import type { SessionClaims } from './session.js';

/** The data request `(id, kid)` names, if there is one. */
export async function requestRow(store: RecordStore, id: string, kid: unknown): Promise<StoredRecord | undefined> {
  if (typeof kid !== 'string' || !kid) return undefined;
  const row = await store.get(id, kid).catch(() => undefined);
  return row?.type === 'data-request' ? row : undefined;
}

export const isClosed = async (store: RecordStore, id: string) => (await store.closuresOf([id])).length > 0;

/** What the mails say about a request. */
export const requestFacts = (row: StoredRecord): RequestFacts => ({
  id: row.id,
  requestType: String(row.record.requestType),
  receivedAt: row.receivedAt,
  dueBy: row.dueBy ?? localDay(new Date(row.receivedAt)),
});

/** The signed event of `claims`' act on `row`; a close and a verification have the keys that let each happen once. */
export const acted = (ctx: ConsoleContext, action: ConsoleAction, claims: SessionClaims, row: StoredRecord, details: Record<string, unknown>, at = ctx.now()) =>
  consoleEvent(ctx.key, {
    key: action === 'close' ? eventKeys.close(row.kid, row.id) : action === 'verify-identity' ? eventKeys.verifyIdentity(row.kid, row.id) : eventKeys.once(action),
    action,
    by: claims.email,
    email: row.email,
    recordId: row.id,
    recordKid: row.kid,
    at,
    details,
  });
