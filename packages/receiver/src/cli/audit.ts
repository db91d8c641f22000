/**
 * Re-deriving a stored row from its JWS. The store's columns (type, email,
 * kid, record, id) are copies made when the record was accepted; only the
 * JWS is signed. `auditRow` verifies the JWS as at arrival and says which
 * columns disagree with it, so reports can trust the signed payload and
 * flag a row changed behind the store's back.
 */
import { compactVerify, decodeProtectedHeader, importJWK } from 'jose';
import { canonicalJson } from '@optimesys/privacy-records/canonical';
import type { PrivacyRecord } from '@optimesys/privacy-records/schemas';
import type { ServerKey } from '../records/countersign.js';
import { verifyRecord } from '../records/verify.js';
import { emailKey, type ReceiverEvent, type StoredRecord } from '../store/store.js';

export interface AuditOptions {
  /** The receiver's accepted clock difference (`serve`'s `maxSkewSeconds`), so an audit judges as the receiver did. */
  maxSkewSeconds: number;
  /** The receiver's accepted age of a record (default 30 days, as `serve`). */
  maxAgeSeconds?: number;
}

export type AuditResult =
  | { ok: true; record: PrivacyRecord; kid: string }
  /** `record`/`kid` are set when the signature verifies but stored columns disagree with it. */
  | { ok: false; code: string; message: string; columns?: string[]; record?: PrivacyRecord; kid?: string };

/** The columns a row must have for its JWS, derived exactly as the receiver stores them. */
export function derivedColumns(record: PrivacyRecord, kid: string): Pick<StoredRecord, 'id' | 'type' | 'email' | 'kid'> {
  return { id: record.id, type: record.type, email: emailKey(record.subject.email), kid };
}

/** Verifies a stored row's JWS as at its arrival and compares every derived column with it. */
export async function auditRow(row: StoredRecord, options: AuditOptions): Promise<AuditResult> {
  const received = Date.parse(row.receivedAt);
  if (Number.isNaN(received)) return { ok: false, code: 'mismatch', message: 'receivedAt is not a time', columns: ['receivedAt'] };
  // Checked as at arrival: a record that was fresh then is not stale now.
  const result = await verifyRecord(row.jws, {
    now: received,
    maxBytes: Infinity,
    maxSkewSeconds: options.maxSkewSeconds,
    ...(options.maxAgeSeconds === undefined ? {} : { maxAgeSeconds: options.maxAgeSeconds }),
  });
  if (!result.ok) return { ok: false, code: result.error.code, message: result.error.message };
  const expected = derivedColumns(result.record, result.kid);
  const columns: string[] = (Object.keys(expected) as (keyof typeof expected)[]).filter((k) => row[k] !== expected[k]);
  let same = false;
  try {
    same = canonicalJson(row.record) === canonicalJson(result.record);
  } catch {
    // not JSON-able: differs
  }
  if (!same) columns.push('record');
  if (columns.length) {
    return {
      ok: false,
      code: 'mismatch',
      message: `stored ${columns.join(', ')} ${columns.length > 1 ? 'differ' : 'differs'} from the signed record`,
      columns,
      record: result.record,
      kid: result.kid,
    };
  }
  return { ok: true, record: result.record, kid: result.kid };
}

/** The row with its columns replaced by what its verified JWS says. */
export function fromSigned(row: StoredRecord, record: PrivacyRecord, kid: string): StoredRecord {
  return { ...row, ...derivedColumns(record, kid), record: record as unknown as Record<string, unknown> };
}

/** The receiver's public key as published in its JWKS. */
export type ReceiverPublicKey = ServerKey['publicJwk'];

export type EventAudit =
  | { ok: true; event: ReceiverEvent }
  | { ok: false; code: 'signature'; message: string }
  /** `event` is the event as signed: its columns rebuilt from the verified payload. */
  | { ok: false; code: 'mismatch'; message: string; columns: string[]; event: ReceiverEvent };

// Imported once per key, not once per event an audit reads.
const imported = new WeakMap<ReceiverPublicKey, ReturnType<typeof importJWK>>();

/** When an event happened by its signed payload: the time it carries for its kind. */
const signedAt = (data: Record<string, unknown>): unknown => data['confirmedAt'] ?? data['withdrawnAt'] ?? data['restoredAt'] ?? data['actedAt'];

/**
 * Verifies an event the receiver signed (a confirmation, a one-click
 * withdrawal) with the receiver's public key, and compares its columns with
 * the signed payload: `consents` reads the columns, so a row changed behind
 * the append-only triggers must not pass unnoticed.
 */
export async function auditEvent(event: ReceiverEvent, receiverKey: ReceiverPublicKey | undefined): Promise<EventAudit> {
  if (!receiverKey) return { ok: false, code: 'signature', message: 'no receiver key (receiver-key.json) to verify the event with' };
  let payload: Record<string, unknown>;
  try {
    const protectedHeader = decodeProtectedHeader(event.jws);
    if (protectedHeader.kid !== receiverKey.kid) {
      return { ok: false, code: 'signature', message: `signed by key ${String(protectedHeader.kid)}, not this receiver's ${receiverKey.kid}` };
    }
    let key = imported.get(receiverKey);
    if (!key) imported.set(receiverKey, (key = importJWK({ ...receiverKey }, 'ES256')));
    const verified = await compactVerify(event.jws, await key, { algorithms: ['ES256'] });
    payload = JSON.parse(new TextDecoder().decode(verified.payload)) as Record<string, unknown>;
  } catch (error) {
    return { ok: false, code: 'signature', message: `the receiver's signature does not verify (${(error as Error).message})` };
  }
  const expected = {
    kind: payload['type'] as ReceiverEvent['kind'],
    email: typeof payload['email'] === 'string' ? emailKey(payload['email']) : '',
    at: String(signedAt(payload)),
    recordId: (payload['recordId'] as string | undefined) ?? null,
    recordKid: (payload['recordKid'] as string | undefined) ?? null,
  };
  const columns: string[] = (Object.keys(expected) as (keyof typeof expected)[]).filter((k) => event[k] !== expected[k]);
  let same = false;
  try {
    same = canonicalJson(event.data) === canonicalJson(payload);
  } catch {
    // not JSON-able: differs
  }
  if (!same) columns.push('data');
  if (!columns.length) return { ok: true, event };
  return {
    ok: false,
    code: 'mismatch',
    message: `stored ${columns.join(', ')} ${columns.length > 1 ? 'differ' : 'differs'} from the signed event`,
    columns,
    event: { ...event, ...expected, data: payload },
  };
}
