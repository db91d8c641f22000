/**
 * The purposes, lawful bases and request types the widgets know, with their
 * W3C Data Privacy Vocabulary (DPV, https://w3id.org/dpv) identifiers.
 * Data only: this module ships to browsers, keep it small.
 */

/** Lawful bases (GDPR Art. 6(1)) a record can name, with their DPV terms. */
export const BASES = {
  consent: { dpv: 'dpv:Consent', article: '6(1)(a)' },
  contract: { dpv: 'dpv:Contract', article: '6(1)(b)' },
  'legal-obligation': { dpv: 'dpv:LegalObligation', article: '6(1)(c)' },
  'legitimate-interest': { dpv: 'dpv:LegitimateInterest', article: '6(1)(f)' },
} as const;

export type Basis = keyof typeof BASES;
/** Bases other than consent: shown as information, never as a toggle. */
export type ProcessingBasis = Exclude<Basis, 'consent'>;
export const PROCESSING_BASES = ['contract', 'legitimate-interest', 'legal-obligation'] as const satisfies readonly ProcessingBasis[];

/**
 * The built-in purposes. Sites may add their own (see `configure()`); records
 * accept any slug, not only these.
 */
export const PURPOSES = {
  // E-mail sent to promote the company's offering, here its newsletter, is
  // direct marketing (GDPR recital 47, ePrivacy Art. 13): DPV's DirectMarketing.
  newsletter: { basis: 'consent', dpv: 'dpv:DirectMarketing' },
  // Notices of new blog posts are marketing communication sent to a person too.
  blog: { basis: 'consent', dpv: 'dpv:DirectMarketing' },
  // Invitations to the company's events and webinars: the same.
  events: { basis: 'consent', dpv: 'dpv:DirectMarketing' },
  // Handling a signup the visitor asked for (sending the webinar link,
  // reminders, the attendee list): providing a service the person requested,
  // not marketing and not governance of the organisation, hence
  // RequestedServiceProvision (a narrower ServiceProvision).
  'event-participation': { basis: 'legitimate-interest', dpv: 'dpv:RequestedServiceProvision' },
} as const satisfies Record<string, { basis: Basis; dpv: string }>;

export type BuiltInPurpose = keyof typeof PURPOSES;

/** Data-subject requests with the GDPR article each exercises. */
export const REQUEST_TYPES = {
  access: { article: '15' },
  rectification: { article: '16' },
  erasure: { article: '17' },
  restriction: { article: '18' },
  portability: { article: '20' },
  objection: { article: '21' },
  'withdraw-consent': { article: '7(3)' },
} as const;

export type RequestType = keyof typeof REQUEST_TYPES;
export const REQUEST_TYPE_IDS = Object.keys(REQUEST_TYPES) as RequestType[];

/** The languages a record can be made in. */
export const RECORD_LOCALES = ['fi', 'en', 'sv'] as const;
