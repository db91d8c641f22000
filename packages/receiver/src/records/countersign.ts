/**
 * Server receipts: the receiver countersigns what it received with its own
 * ES256 key, so a visitor (or a DPO) can later prove the server got exactly
 * that JWS, when, and by when a data request must be answered.
 */
import { createHash, KeyObject, randomUUID, sign, type webcrypto } from 'node:crypto';
import { calculateJwkThumbprint, CompactSign, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';
import { canonicalJson } from '@optimesys/privacy-records/canonical';
import type { PublicJwk } from '@optimesys/privacy-records/jws';
import type { ConfirmedReceipt, PrivacyRecord, ReceiptPayload } from '@optimesys/privacy-records/schemas';
import { isFinnishNonWorkingDay } from './calendar.js';
import type { ReceiverEvent, StoredRecord } from '../store/store.js';

type CryptoKey = webcrypto.CryptoKey;

/** A loaded server signing key. */
export interface ServerKey {
  kid: string;
  privateKey: CryptoKey;
  /** The public half as published in the JWKS. */
  publicJwk: PublicJwk & { kid: string; alg: 'ES256'; use: 'sig' };
}

/** A new ES256 key as a private JWK (with `kid`) for the receiver to persist, e.g. in a 0600 file. */
export async function createServerKey(): Promise<JWK> {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = await exportJWK(privateKey);
  return { ...jwk, kid: await calculateJwkThumbprint(jwk, 'sha256'), alg: 'ES256', use: 'sig' };
}

/** Loads a private JWK made by `createServerKey`. */
export async function loadServerKey(jwk: JWK): Promise<ServerKey> {
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || !jwk.d || !jwk.x || !jwk.y) {
    throw new TypeError('The server key must be a private P-256 JWK');
  }
  const publicJwk: PublicJwk = { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y };
  const kid = await calculateJwkThumbprint(publicJwk, 'sha256');
  const privateKey = (await importJWK({ ...jwk, alg: 'ES256' }, 'ES256')) as CryptoKey;
  return { kid, privateKey, publicJwk: { ...publicJwk, kid, alg: 'ES256', use: 'sig' } };
}

/** The receiver's JWS over an event it attests (a confirmation, a withdrawal, a restoration): RFC 8785 canonical JSON, ES256. */
export async function signEvent(key: ServerKey, payload: Record<string, unknown>): Promise<string> {
  return new CompactSign(new TextEncoder().encode(canonicalJson(payload))).setProtectedHeader({ alg: 'ES256', kid: key.kid }).sign(key.privateKey);
}

/** The receiver's signed event about a stored record: a confirmation, a restoration. */
export async function eventAbout(
  key: ServerKey,
  row: Pick<StoredRecord, 'id' | 'kid' | 'email'>,
  event: Pick<ReceiverEvent, 'kind' | 'key' | 'at' | 'data'>,
): Promise<ReceiverEvent> {
  return { id: randomUUID(), ...event, email: row.email, recordId: row.id, recordKid: row.kid, jws: await signEvent(key, event.data) };
}

/** The JWKS to serve at `/.well-known/jwks.json`. */
export function publicJwks(...keys: ServerKey[]): { keys: ServerKey['publicJwk'][] } {
  return { keys: keys.map((k) => k.publicJwk) };
}

/** Formatters by time zone: making one costs more than the rest of a receipt. */
const dayFormats = new Map<string, Intl.DateTimeFormat>();

/** `YYYY-MM-DD` of `instant` in `timeZone`. */
function localDate(instant: Date, timeZone: string): [number, number, number] {
  let format = dayFormats.get(timeZone);
  if (!format) dayFormats.set(timeZone, (format = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' })));
  const parts = format.formatToParts(instant);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  return [get('year'), get('month'), get('day')];
}

/**
 * The date an answer to a data request is due: one calendar month after
 * `received` (GDPR Art. 12(3), counted as in Regulation 1182/71: the same day
 * next month, or that month's last day when it has no such day: 31 Jan →
 * 28/29 Feb), moved to the next working day when it falls on a Saturday,
 * Sunday or holiday (Art. 3(4) of that regulation; Finnish holidays unless
 * `nonWorkingDay` says otherwise). `timeZone` decides which calendar day the
 * request arrived on; UTC by default.
 */
export function dueDate(
  received: Date,
  timeZone = 'UTC',
  nonWorkingDay: (date: string) => boolean = isFinnishNonWorkingDay,
): string {
  const [year, month, day] = localDate(received, timeZone);
  const next = new Date(Date.UTC(year, month, 1)); // first day of the following month
  const lastDay = new Date(Date.UTC(next.getUTCFullYear(), next.getUTCMonth() + 1, 0)).getUTCDate();
  next.setUTCDate(Math.min(day, lastDay));
  while (nonWorkingDay(next.toISOString().slice(0, 10))) next.setUTCDate(next.getUTCDate() + 1);
  return next.toISOString().slice(0, 10);
}

export interface ReceiptOptions {
  now?: Date;
  /** `duplicate` when answering a retry of a stored record. */
  status?: 'stored' | 'duplicate';
  /** Calendar of the due date (default UTC), e.g. `Europe/Helsinki`. */
  timeZone?: string;
}

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64url');
const keyObjects = new WeakMap<CryptoKey, KeyObject>();
const keyObject = (key: CryptoKey) => {
  let found = keyObjects.get(key);
  if (!found) keyObjects.set(key, (found = KeyObject.from(key)));
  return found;
};

/**
 * Countersigns a received record: an ES256 JWS (header `alg`, `kid`) whose
 * payload is the canonical JSON of `{ recordId, jwsSha256, receivedAt, dueBy? }`,
 * `jwsSha256` being the lower-case hex SHA-256 of the client's JWS string.
 */
export async function signReceipt(
  record: Pick<PrivacyRecord, 'id' | 'type'>,
  clientJws: string,
  key: ServerKey,
  options: ReceiptOptions = {},
): Promise<ConfirmedReceipt> {
  const received = options.now ?? new Date();
  const payload: ReceiptPayload = {
    recordId: record.id,
    jwsSha256: createHash('sha256').update(clientJws, 'utf8').digest('hex'),
    receivedAt: received.toISOString(),
    ...(record.type === 'data-request' ? { dueBy: dueDate(received, options.timeZone) } : {}),
  };
  // The compact JWS jose's CompactSign makes, signed with node:crypto directly (no WebCrypto job queue);
  // tests verify receipts with jose.
  const signingInput = `${b64(JSON.stringify({ alg: 'ES256', kid: key.kid }))}.${b64(canonicalJson(payload))}`;
  const signature = sign('sha256', Buffer.from(signingInput), { key: keyObject(key.privateKey), dsaEncoding: 'ieee-p1363' });
  const receipt = `${signingInput}.${signature.toString('base64url')}`;
  return {
    recordId: payload.recordId,
    status: options.status ?? 'stored',
    receivedAt: payload.receivedAt,
    ...(payload.dueBy ? { dueBy: payload.dueBy } : {}),
    receipt,
  };
}
