/**
 * The one view of a consent both vendor mappers read: the subject's address
 * and each purpose with what the visitor chose, whether the address owner
 * confirmed it, and the exact label shown. From a stored record (grants
 * confirmed or not, as the caller says) or from a webhook event's `data`,
 * which already carries that state per purpose.
 */
import { normalizeEmail } from '@optimesys/privacy-records/create';
import type { ConsentRecord, ProcessingNotice } from '@optimesys/privacy-records/schemas';
import type { PurposeState } from '../webhooks/events.js';

/** A consent webhook event's `data`, or the part of it the mappers read. */
export interface ConsentEventInput {
  recordId: string;
  email: string;
  purposes: readonly PurposeState[];
  processing?: readonly ProcessingNotice[];
  record?: ConsentRecord;
}

/** A consent record, or a consent webhook event's `data`. */
export type ConsentInput = ConsentRecord | ConsentEventInput;

export interface ConsentState {
  email: string;
  purposes: PurposeState[];
  processing: readonly ProcessingNotice[];
  record?: ConsentRecord;
}

export function consentState(input: ConsentInput, confirmed = false): ConsentState {
  if ('decisions' in input) {
    return {
      email: normalizeEmail(input.subject.email),
      purposes: input.decisions.map(({ purpose, dpv, granted, text }) => ({ purpose, dpv, granted, confirmed: granted && confirmed, text })),
      processing: input.processing,
      record: input,
    };
  }
  return {
    email: normalizeEmail(input.email),
    purposes: [...input.purposes],
    processing: input.processing ?? input.record?.processing ?? [],
    ...(input.record ? { record: input.record } : {}),
  };
}
