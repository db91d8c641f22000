// Sample records for tests (browser and Node): valid, built with the public helpers.
import { createConsentRecord, createDataRequest, processingNotice } from '../src/create.js';
import type { ConsentRecord, DataRequest, UnsignedRecord } from '../src/schemas.js';

export const DIGEST = '3f79bb7b435b05321651daefd374cdc681dc06faa65e374e38337b88ca046dea';

export function consentSample(overrides: Partial<ConsentRecord> = {}, now = new Date()): UnsignedRecord<ConsentRecord> {
  return {
    ...createConsentRecord(
      {
        subject: { email: 'maija.meikalainen+uutiset@example.fi' },
        locale: 'fi',
        notice: { version: '2026-05-24', digest: DIGEST },
        source: { url: 'https://www.example.fi/webinaari?id=42', element: 'consent-form', context: 'webinar-2026-12' },
        decisions: [
          { purpose: 'newsletter', dpv: 'dpv:DirectMarketing', basis: 'consent', granted: true, text: 'Haluan uutiskirjeen sähköpostiini' },
          { purpose: 'events', dpv: 'dpv:DirectMarketing', basis: 'consent', granted: false, text: 'Kutsut tapahtumiin ja webinaareihin' },
        ],
        processing: [processingNotice('event-participation', 'dpv:RequestedServiceProvision', 'legitimate-interest')],
      },
      { now },
    ),
    ...overrides,
  };
}

export function requestSample(overrides: Record<string, unknown> = {}, now = new Date()): UnsignedRecord<DataRequest> {
  return {
    ...createDataRequest(
      {
        subject: { name: 'Åsa Öhman-Äijälä', email: "o'hara@example.com", organisation: 'Esimerkki Oy', phone: '+358 40 123 4567' },
        locale: 'en',
        notice: { version: '2026-05-24', digest: DIGEST },
        source: { url: 'https://www.example.fi/tietosuoja', element: 'data-request-form' },
        requestType: 'rectification',
        details: 'My surname is misspelt.\nPlease correct it to Öhman-Äijälä.',
      },
      { now },
    ),
    ...overrides,
  } as UnsignedRecord<DataRequest>;
}
