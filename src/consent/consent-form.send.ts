/**
 * What `<consent-form>` does with a signed record, without touching the DOM:
 * hand it to the outbox, remember the choices, and work out what the form
 * shows next. The element applies the outcome and announces it.
 */
import { getConfig } from '../config.js';
import { normalizeEmail } from '@optimesys/privacy-records/create';
import type { ConsentRecord } from '@optimesys/privacy-records/schemas';
import { loadSender } from '../ui/lazy.js';
import type { Sent } from '../ui/send-record.js';
import { saveChoices, type StoredChoices } from './choices.js';
import type { Status } from './consent-form.render.js';

export interface Delivered {
  status: Status;
  /** What the outbox made of it (none when no backend is configured). */
  sent?: Sent;
  /** The choices as this browser now remembers them (not after a rejection). */
  stored?: StoredChoices;
  /** Where to ask for a mailed link to all of the address's choices, when the form should offer it. */
  offerUrl?: string;
}

/**
 * Sends a signed record. `firstHere`: this browser remembers no choices yet;
 * `standalone`: the form is not inside a host form.
 */
export async function deliverConsent(input: {
  endpoint: string | undefined;
  jws: string;
  record: ConsentRecord;
  firstHere: boolean;
  standalone: boolean;
}): Promise<Delivered> {
  const { endpoint, jws, record, firstHere } = input;
  const { outboxFor, sendSigned, preferencesLinkUrl } = await loadSender();
  const outbox = outboxFor(endpoint);
  if (!outbox) {
    console.error('[consent-form] no backend: set `endpoint` or call configure({ endpoint | adapter })');
    return { status: { state: 'misconfigured' } };
  }
  const sent = await sendSigned(outbox, jws, record);
  if (sent.status === 'rejected') return { status: { state: 'rejected', reason: sent.error.message || sent.error.code }, sent };
  // Sent or kept for a retry: either way this is now the visitor's choice.
  const stored = await saveChoices(record);
  // Double opt-in: the receiver mailed a link, and the grant counts once it is used. For an
  // address that has choices already, that mail leads with a link to all of them (only the
  // owner reads it); the page says the same for any address.
  const pending = sent.status === 'sent' && (sent.receipt as { confirmation?: string }).confirmation === 'pending';
  // No mail on its way (a withdrawal, a receiver without mail, a record kept for later): the
  // offer to mail that link, again the same for any address.
  const offerUrl = (firstHere && !pending && input.standalone && preferencesLinkUrl(endpoint ?? getConfig().endpoint)) || undefined;
  const status: Status =
    sent.status !== 'sent' ? { state: 'queued' } : pending ? { state: 'confirm', id: record.id, firstHere } : { state: 'sent', id: record.id };
  return { status, sent, stored, ...(offerUrl ? { offerUrl } : {}) };
}

/** The address typed, normalized, or the key (in `consent:`) of the message saying what is wrong with it. */
export async function checkEmailValue(raw: string): Promise<{ email: string; error: '' } | { email?: undefined; error: string }> {
  const value = normalizeEmail(raw);
  if ((await loadSender()).Email.safeParse(value).success) return { email: value, error: '' };
  return { error: value ? 'form.errors.emailInvalid' : 'form.errors.emailMissing' };
}

/** What a host form submits: each choice and the id of the record sent with it. */
export function formValueOf(name: string, choices: readonly { purpose: string; checked: boolean }[], recordId: string): FormData {
  const data = new FormData();
  for (const choice of choices) data.append(`${name}-${choice.purpose}`, choice.checked ? 'granted' : 'denied');
  data.append(`${name}-record-id`, recordId);
  return data;
}
