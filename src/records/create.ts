import { canonicalJson } from './canonical.js';
import { sha256Hex, utf8 } from './jws.js';
import type { ConsentRecord, DataRequest, ProcessingNotice, UnsignedRecord } from './schemas.js';
import { BASES, type ProcessingBasis } from './vocabulary.js';

type Filled = 'type' | 'id' | 'issuedAt' | 'signer';
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** Options for the record helpers; tests fix the clock and the id. */
export interface CreateOptions {
  now?: Date;
  id?: string;
}

const stamp = (options: CreateOptions) => ({
  id: options.id ?? crypto.randomUUID(),
  issuedAt: (options.now ?? new Date()).toISOString(),
});

/** A consent record with a fresh id (the idempotency key) and the current time; sign it with `signRecord`. */
export function createConsentRecord(
  input: Omit<ConsentRecord, Filled>,
  options: CreateOptions = {},
): UnsignedRecord<ConsentRecord> {
  return { type: 'consent', ...stamp(options), ...input };
}

/** A data-subject request with a fresh id and the current time; sign it with `signRecord`. */
export function createDataRequest(
  input: DistributiveOmit<DataRequest, Filled>,
  options: CreateOptions = {},
): UnsignedRecord<DataRequest> {
  return { type: 'data-request', ...stamp(options), ...input } as UnsignedRecord<DataRequest>;
}

/** A `processing[]` entry with the DPV term of its basis filled in. */
export function processingNotice(purpose: string, dpv: string, basis: ProcessingBasis): ProcessingNotice {
  return { purpose, dpv, basis, basisDpv: BASES[basis].dpv } as ProcessingNotice;
}

/**
 * The notice digest a record carries: lower-case hex SHA-256 of the RFC 8785
 * canonical JSON of the notice document shown. Works in browsers and Node 20.
 */
export function noticeDigest(doc: unknown): Promise<string> {
  return sha256Hex(utf8(canonicalJson(doc)));
}
