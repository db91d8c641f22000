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

// Characters that end a URL host: a domain holding one of them is not a
// domain, and converting it through URL would silently cut the rest off.
const NOT_IN_DOMAIN = /[\s/?#:@\\%[\]]/;

/**
 * An e-mail address as typed, made ready for the `Email` schema: trimmed, and
 * an internationalized domain (`matti@yhtiö.fi`, common under `.fi`) turned
 * into its ASCII form (`matti@xn--yhti-8qa.fi`), which is what the schema and
 * mail servers take. ASCII domains and the local part stay as typed; input
 * that is not an address comes back trimmed, for the schema to refuse. Forms
 * call this before validating.
 */
export function normalizeEmail(input: string): string {
  const text = input.trim();
  const at = text.lastIndexOf('@');
  const domain = text.slice(at + 1);
  if (at < 1 || !/[^\x00-\x7F]/.test(domain) || NOT_IN_DOMAIN.test(domain)) return text;
  try {
    // URL applies IDNA (UTS #46) to hosts in every browser and in Node.
    return `${text.slice(0, at)}@${new URL(`http://${domain}`).hostname}`;
  } catch {
    return text;
  }
}
