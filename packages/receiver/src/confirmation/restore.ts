/**
 * The owner's way back after a withdrawal from a device that never proved
 * the mailbox. Withdrawing counts at once from anywhere (GDPR Art. 7(3):
 * as easy as consenting), so a stranger who knows an address can turn its
 * subscriptions off; the owner is mailed a notice (feature.ts) whose link
 * opens a page (`/restore/{token}`, routes.ts) with one button (GET changes
 * nothing: mail scanners fetch links), and its POST appends a receiver-signed
 * restoration: the purposes that record turned off, and are still off,
 * count as granted again, proved by the mailbox like any confirmed grant.
 */
import type { ConsentRecord } from '@optimesys/privacy-records/schemas';
import { pageLocale, renderLinkPage, type LinkPage, type RenderedPage } from '../mail/pages.js';
import type { SiteText } from '../mail/site.js';
import type { LinkTokens } from '../mail/link-tokens.js';
import { eventAbout, type ServerKey } from '../records/countersign.js';
import type { LinkRequest } from './routes.js';
import { currentConsents } from '../derive.js';
import type { NewJob, RecordStore, StoredRecord } from '../store/store.js';

/** What a restoration raises for the site's other tools (`consent.restored`). */
export interface Restoration {
  id: string;
  email: string;
  restoredAt: string;
  restores: { recordId: string; kid: string };
  purposes: { purpose: string; dpv: string; text: string }[];
}

/** The record a token was mailed for, found through the mail job that carried this very token. */
export async function mailedRecord(store: RecordStore, recordId: string, tokenId: string) {
  const job = (await store.jobs({ kind: 'mail', recordId })).find((j) => j.payload.tokenId === tokenId);
  if (!job) return undefined;
  const row = await store.get(recordId, String(job.payload.recordKid));
  return row && { row, job };
}

/** The purposes `row` turned off that are off still: what its restoration would turn back on. */
async function stillOff(store: RecordStore, row: StoredRecord): Promise<ConsentRecord['decisions']> {
  const states = currentConsents(await store.byEmail(row.email), await store.events(row.email));
  const off = new Set(states.filter((s) => !s.granted && s.recordId === row.id && s.kid === row.kid).map((s) => s.purpose));
  return (row.record as unknown as ConsentRecord).decisions.filter((d) => !d.granted && off.has(d.purpose));
}

/** The page of a withdrawal notice's link (`/restore/<token>`, routes.ts): GET shows the button, POST restores. */
export function restorations(deps: {
  store: RecordStore;
  key: ServerKey;
  tokens: LinkTokens;
  site: SiteText;
  also?: { jobs(restoration: Restoration): NewJob[]; queued(): void };
}): (request: LinkRequest) => Promise<RenderedPage> {
  const { store, key, tokens, site } = deps;
  return async (request) => {
    const verified = tokens.verify(request.token, { kind: 'restore' });
    const locale = pageLocale(verified.locale, request.acceptLanguage);
    const page = (name: LinkPage, items?: string[]) => renderLinkPage({ page: name, locale, ...(items ? { items } : {}) });
    if (!verified.ok) return page(verified.reason === 'expired' ? 'expired' : 'invalid');
    const found = await mailedRecord(store, verified.recordId!, verified.tokenId);
    if (!found || found.row.type !== 'consent' || tokens.addressHash(found.row.email) !== verified.addressHash) return page('invalid');
    const { row, job } = found;
    const eventKey = `restore:${row.kid}:${row.id}`;
    if (await store.event(eventKey)) return page('already');
    const decisions = await stillOff(store, row);
    // Turned on again since (from another device, a preference link): nothing left to restore.
    if (!decisions.length) return page('already');
    const labels = decisions.map((d) => site.label(d.purpose, locale));
    if (request.method !== 'POST') return page('restore', labels);

    const at = new Date().toISOString();
    const texts = Object.fromEntries(decisions.map((d, i) => [d.purpose, labels[i]!]));
    const data = {
      type: 'restoration',
      recordId: row.id,
      recordKid: row.kid,
      email: row.email,
      purposes: decisions.map((d) => d.purpose),
      // What the owner was shown when they pressed the button: the evidence of this grant.
      texts,
      locale,
      mail: { id: job.id, sentAt: job.doneAt },
      tokenId: verified.tokenId,
      receiverKid: key.kid,
      restoredAt: at,
    };
    const event = await eventAbout(key, row, { kind: 'restoration', key: eventKey, at, data });
    const jobs =
      deps.also?.jobs({
        id: event.id,
        email: row.email,
        restoredAt: at,
        restores: { recordId: row.id, kid: row.kid },
        purposes: decisions.map((d) => ({ purpose: d.purpose, dpv: d.dpv, text: texts[d.purpose]! })),
      }) ?? [];
    const stored = (await store.addEvent(event, jobs)).status === 'stored';
    if (stored && jobs.length) deps.also!.queued();
    return page(stored ? 'restored' : 'already');
  };
}
