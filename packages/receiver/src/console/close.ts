/**
 * Closing a data request, for `close-request` and the console alike: one
 * append-only closure for the id (ids are unique per signing key, so every
 * data request with this id is closed), with its `request.closed` webhook
 * messages queued in the same transaction.
 */
import { closureMessages, webhookJobs } from '../webhooks/feature.js';
import type { RecordStore, RequestClosure, StoredRecord } from '../store/store.js';

export async function closeDataRequest(
  store: RecordStore,
  closure: RequestClosure,
  /** The webhook endpoints that hear of it; none: no messages. */
  endpoints: readonly string[] = [],
): Promise<{ closure: RequestClosure; rows: StoredRecord[] } | undefined> {
  const rows = (await store.byId(closure.requestId)).filter((r) => r.type === 'data-request');
  if (!rows.length) return undefined;
  // The message carries the closure's time and note only (its schema is strict: no `requestId`).
  const said = { closedAt: closure.closedAt, note: closure.note };
  const jobs = endpoints.length ? rows.flatMap((row) => webhookJobs(closureMessages(row, said), endpoints, { email: row.email, recordId: row.id })) : [];
  await store.closeRequest(closure, jobs);
  return { closure, rows };
}
