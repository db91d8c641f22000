/**
 * Maps a consent to a HubSpot Forms API v3 submission body, for
 * `POST https://api.hsforms.com/submissions/v3/integration/submit/:portalId/:formGuid`
 * (or `…/secure/submit/…` with a private-app token). Shape as documented in
 * HubSpot's "Submit data to a form" reference
 * (https://developers.hubspot.com/docs/methods/forms/submit_form_v3 and
 * https://legacydocs.hubspot.com/docs/methods/forms/submit_form).
 */
import type { ConsentInput } from './consent-state.js';
import { consentState } from './consent-state.js';

export interface HubSpotCommunication {
  value: boolean;
  subscriptionTypeId: number;
  text: string;
}

export interface HubSpotLegitimateInterest {
  value: true;
  subscriptionTypeId: number;
  legalBasis: 'LEAD' | 'CUSTOMER';
  text: string;
}

export interface HubSpotSubmission {
  submittedAt?: string;
  fields: { objectTypeId: '0-1'; name: 'email'; value: string }[];
  context?: { pageUri: string };
  legalConsentOptions: {
    consent?: { consentToProcess: true; text: string; communications: HubSpotCommunication[] };
    legitimateInterest?: HubSpotLegitimateInterest;
  };
}

export interface HubSpotOptions {
  /** HubSpot subscription type id per purpose (`newsletter` → 12345); purposes not listed are not sent. */
  subscriptionTypeIds: Readonly<Record<string, number>>;
  /**
   * Processing on legitimate interest (a record's `processing[]`, e.g. the
   * webinar signup's `event-participation`) by purpose: the subscription type
   * HubSpot may e-mail on that basis, and the notice text the form shows for
   * it (a record names the purpose and basis but not the sentence shown).
   * `legalBasis`: HubSpot's `LEAD` (a prospect, the default: a signup is not
   * yet a customer) or `CUSTOMER`.
   */
  legitimateInterest?: Readonly<Record<string, { subscriptionTypeId: number; text: string; legalBasis?: 'LEAD' | 'CUSTOMER' }>>;
  /** For a bare record: were its grants confirmed from the mailed link? (A webhook event says so itself.) Default false. */
  confirmed?: boolean;
  /** `legalConsentOptions.consent.text`; default names the privacy notice version and digest the visitor was shown. */
  processText?: string;
}

/**
 * The submission body, or `undefined` when there is nothing HubSpot should
 * learn yet.
 *
 * - `communications`: one entry per purpose with a subscription type id,
 *   `text` being the exact label the visitor saw. A confirmed grant is
 *   `value: true`, a withdrawal (or refusal) `value: false`; an unconfirmed
 *   grant is left out, because a grant counts only once the address owner
 *   confirms it (`consent.confirmed` sends it then).
 * - `consentToProcess: true` with `text`: HubSpot keeps a submission only with
 *   it; the text says what the processing rests on (the notice shown), it does
 *   not claim the visitor ticked a processing box.
 * - Legitimate interest (webinar signup): when the record shows processing on
 *   `legitimate-interest` for a purpose configured in `legitimateInterest`,
 *   `legalConsentOptions.legitimateInterest` is `{ value: true,
 *   subscriptionTypeId, legalBasis, text }`, beside `consent` as in HubSpot's
 *   documented request example. HubSpot takes one such object, so the first
 *   configured purpose of the record is used. It is not a consent: it needs no
 *   confirmation and is sent with the first record.
 * - `submittedAt`: the record's `issuedAt` in milliseconds (HubSpot refuses
 *   dates more than a month old, and the receiver accepts records up to 30 days old).
 */
export function toHubSpotSubmission(input: ConsentInput, options: HubSpotOptions): HubSpotSubmission | undefined {
  const state = consentState(input, options.confirmed);
  const communications: HubSpotCommunication[] = [];
  for (const p of state.purposes) {
    const subscriptionTypeId = options.subscriptionTypeIds[p.purpose];
    if (subscriptionTypeId === undefined || (p.granted && !p.confirmed)) continue;
    communications.push({ value: p.granted, subscriptionTypeId, text: p.text });
  }
  const basis = state.processing.find((p) => p.basis === 'legitimate-interest' && options.legitimateInterest?.[p.purpose]);
  const li = basis && options.legitimateInterest?.[basis.purpose];
  if (!communications.length && !li) return undefined;

  const notice = state.record?.notice;
  const legalConsentOptions: HubSpotSubmission['legalConsentOptions'] = {};
  if (communications.length) {
    const text = options.processText ?? (notice ? `Privacy notice ${notice.version} (SHA-256 ${notice.digest})` : 'Privacy notice');
    legalConsentOptions.consent = { consentToProcess: true, text, communications };
  }
  if (li) legalConsentOptions.legitimateInterest = { value: true, subscriptionTypeId: li.subscriptionTypeId, legalBasis: li.legalBasis ?? 'LEAD', text: li.text };
  const { record } = state;
  return {
    ...(record ? { submittedAt: String(Date.parse(record.issuedAt)) } : {}),
    fields: [{ objectTypeId: '0-1', name: 'email', value: state.email }],
    ...(record ? { context: { pageUri: record.source.url } } : {}),
    legalConsentOptions,
  };
}
