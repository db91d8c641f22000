import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConsentRecord, createDataRequest, processingNotice } from '@optimesys/privacy-records/create';
import type { ConsentRecord, DataRequest } from '@optimesys/privacy-records/schemas';

export type Lang = 'fi' | 'en' | 'sv';
const consentStrings = (lang: Lang) =>
  JSON.parse(readFileSync(`packages/receiver/locales/${lang}/labels.json`, 'utf8')) as { purposes: Record<string, { label: string }> };

/** The catalogue label of a purpose, as the form showed it. */
export const label = (lang: Lang, purpose: string) => consentStrings(lang).purposes[purpose]!.label;

const NOTICE = { version: '2018-05-24', digest: 'a'.repeat(64) };
export const ISSUED = new Date('2026-12-03T05:02:00Z'); // 7.02 in Helsinki

/** A landing-page consent: newsletter and events granted, blog refused. */
export function consentRecord(lang: Lang, overrides: Partial<ConsentRecord> = {}): ConsentRecord {
  return {
    ...createConsentRecord(
      {
        subject: { email: 'maija.meikalainen@example.fi' },
        locale: lang,
        notice: NOTICE,
        source: { url: 'https://www.optimesys.fi/uutiskirje?utm=x&y=1', element: 'consent-form' },
        decisions: (['newsletter', 'blog', 'events'] as const).map((purpose) => ({
          purpose,
          dpv: 'dpv:DirectMarketing',
          basis: 'consent' as const,
          granted: purpose !== 'blog',
          text: label(lang, purpose),
        })),
        processing: [],
      },
      { now: ISSUED, id: '0b6f3c1e-8a41-4c52-9d3e-2f7a6b1c9e04' },
    ),
    signer: { persistent: true },
    ...overrides,
  };
}

/** A webinar signup: event participation on legitimate interest, plus the newsletter consent. */
export function webinarRecord(lang: Lang, context: string | null = 'Webinaari 10.12.2026'): ConsentRecord {
  const base = consentRecord(lang);
  return {
    ...base,
    source: { url: 'https://www.optimesys.fi/webinaari', element: 'consent-form', ...(context ? { context } : {}) },
    decisions: base.decisions.filter((d) => d.purpose === 'newsletter'),
    processing: [processingNotice('event-participation', 'dpv:RequestedServiceProvision', 'legitimate-interest')],
  };
}

export function requestRecord(lang: Lang, overrides: Partial<DataRequest> = {}): DataRequest {
  return {
    ...(createDataRequest(
      {
        subject: { name: 'Maija Meikäläinen', email: 'maija.meikalainen@example.fi' },
        locale: lang,
        notice: NOTICE,
        source: { url: 'https://www.optimesys.fi/tietosuoja', element: 'data-request-form' },
        requestType: 'erasure',
      },
      { now: ISSUED, id: '7c0e9a52-3d1f-4b8e-a6c2-5e4d3b2a1f09' },
    ) as DataRequest),
    signer: { persistent: true },
    ...overrides,
  } as DataRequest;
}

/** A temporary directory, removed when the test process exits. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
