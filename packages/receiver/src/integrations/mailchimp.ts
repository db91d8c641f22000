/**
 * Maps a consent to a Mailchimp Marketing API list member, for "Add or update
 * list member": `PUT https://<dc>.api.mailchimp.com/3.0/lists/{list_id}/members/{subscriber_hash}`
 * with HTTP Basic auth (any user name, the API key as password). Shape as
 * documented at https://mailchimp.com/developer/marketing/api/list-members/add-or-update-list-member/.
 */
import { createHash } from 'node:crypto';
import type { ConsentInput } from './consent-state.js';
import { consentState } from './consent-state.js';

export interface MailchimpMember {
  email_address: string;
  status_if_new: 'subscribed' | 'unsubscribed';
  status?: 'subscribed' | 'unsubscribed';
  marketing_permissions: { marketing_permission_id: string; enabled: boolean }[];
}

export interface MailchimpOptions {
  /** Mailchimp marketing permission id per purpose (GDPR fields of the audience); purposes not listed are not sent. */
  marketingPermissionIds: Readonly<Record<string, string>>;
  /** For a bare record: were its grants confirmed from the mailed link? (A webhook event says so itself.) Default false. */
  confirmed?: boolean;
}

/** Mailchimp's `subscriber_hash`: MD5 of the lower-cased address. */
export function mailchimpSubscriberHash(email: string): string {
  return createHash('md5').update(email.trim().toLowerCase(), 'utf8').digest('hex');
}

/**
 * The member body, or `undefined` when there is nothing Mailchimp should learn yet.
 *
 * - A confirmed grant: `status` and `status_if_new` `subscribed`, and the
 *   purpose's permission `enabled: true`. The address owner has confirmed
 *   from our mail, which is the double opt-in.
 * - An unconfirmed grant is not sent at all. `pending` would make Mailchimp
 *   mail its own opt-in on top of ours (two confirmation mails, two different
 *   proofs); `transactional` would still store the address in the audience
 *   for nothing. `consent.confirmed` sends it once it counts.
 * - A withdrawal (or refusal): that permission `enabled: false`. When the
 *   record leaves no purpose granted, `status` and `status_if_new`
 *   `unsubscribed`, so no campaign reaches the person and a later import
 *   cannot subscribe them silently. Withdrawals beside unconfirmed grants only
 *   update the permissions (`status_if_new: unsubscribed` for an unknown address).
 *
 * Only purposes listed in `marketingPermissionIds` count. The record is judged on its own decisions; a consent form sends all its
 * purposes at once. Mailchimp refuses, for its own compliance reasons, to
 * re-subscribe by API an address that unsubscribed in Mailchimp itself; that
 * error surfaces as a failed call and needs Mailchimp's own opt-in.
 */
export function toMailchimpMember(input: ConsentInput, options: MailchimpOptions): MailchimpMember | undefined {
  const state = consentState(input, options.confirmed);
  // Only the purposes this audience has a permission for: a grant of another
  // purpose (blog updates sent by another tool) must not subscribe anyone here.
  const purposes = state.purposes.filter((p) => options.marketingPermissionIds[p.purpose] !== undefined);
  if (!purposes.length) return undefined;
  const marketing_permissions = purposes
    .filter((p) => !p.granted || p.confirmed)
    .map((p) => ({ marketing_permission_id: options.marketingPermissionIds[p.purpose]!, enabled: p.granted }));
  const email_address = state.email;
  if (purposes.some((p) => p.granted && p.confirmed)) {
    return { email_address, status_if_new: 'subscribed', status: 'subscribed', marketing_permissions };
  }
  if (!purposes.some((p) => p.granted)) {
    return { email_address, status_if_new: 'unsubscribed', status: 'unsubscribed', marketing_permissions };
  }
  return marketing_permissions.length ? { email_address, status_if_new: 'unsubscribed', marketing_permissions } : undefined;
}
