import type { Locale } from '../i18n.js';
import { createConsentRecord, processingNotice } from '@optimesys/privacy-records/create';
import type { ConsentRecord, NoticeRef } from '@optimesys/privacy-records/schemas';
import type { ProcessingBasis } from '@optimesys/privacy-records/vocabulary';
import { sourceUrl } from '../ui/lazy.js';
import { findPurpose, type Purpose } from './purposes.js';

/** A space-separated purpose list (`purposes`, `processing`), each once, in order. */
export function purposeIds(list: string): string[] {
  return [...new Set(list.split(/\s+/).filter(Boolean))];
}

/** The purposes of a list processed on a basis other than consent: shown as information, never as switches. */
export function processingPurposes(list: string, locale: Locale): Purpose[] {
  return purposeIds(list)
    .map((id) => findPurpose(id, locale))
    .filter((p): p is Purpose => p !== undefined && p.basis !== 'consent');
}

export interface ConsentChoices {
  email: string;
  locale: Locale;
  notice: NoticeRef;
  /** Each switch as the visitor left it. */
  choices: readonly { purpose: string; granted: boolean }[];
  /** The tag that made the record. */
  element: string;
  context?: string | undefined;
  /** `processing` attribute: purposes on another basis, recorded as shown. */
  processing?: string;
  id?: string;
}

/** The unsigned consent record of a visitor's choices, each with the exact label shown. */
export function consentRecordOf(input: ConsentChoices): ConsentRecord {
  const { locale } = input;
  const decisions = input.choices.map(({ purpose: id, granted }) => {
    const purpose = findPurpose(id, locale)!;
    return { purpose: purpose.id, dpv: purpose.dpv, basis: 'consent' as const, granted, text: purpose.text.label };
  });
  const processing = processingPurposes(input.processing ?? '', locale).map((p) => processingNotice(p.id, p.dpv, p.basis as ProcessingBasis));
  return createConsentRecord(
    {
      subject: { email: input.email },
      locale,
      notice: input.notice,
      source: { url: sourceUrl(), element: input.element, ...(input.context ? { context: input.context } : {}) },
      decisions,
      processing,
    },
    input.id ? { id: input.id } : {},
  ) as ConsentRecord;
}
