/**
 * Double opt-in in the receiver: a newly stored grant or data request queues
 * its confirmation mail in the same transaction (within the mail caps,
 * counted in the store); the mailed link shows a page with one button
 * (`/confirm/{token}`, routes.ts; GET changes nothing) and its POST appends
 * a confirmation event signed by the receiver. A withdrawal from a device
 * that never proved the mailbox counts at once and queues a notice to the
 * owner instead (restore.ts).
 */
import { createHash } from 'node:crypto';
import type { ConsentRecord, DataRequest } from '@optimesys/privacy-records/schemas';
import { mailCaps, type MailCap } from '../mail/caps.js';
import { handleConfirmLink, type ConfirmStore } from './link-page.js';
import { confirmationMail, withdrawalNoticeMail, type KnownAddress } from './mail.js';
import { needsConfirmation } from '../mail/compose.js';
import { startMailSender, type MailQueue, type MailSender } from '../mail/sender.js';
import type { SiteText } from '../mail/site.js';
import { redactTokens, type LinkTokens } from '../mail/link-tokens.js';
import type { MailTransport, OutgoingMail } from '../mail/transport.js';
import { eventAbout, type ServerKey } from '../records/countersign.js';
import type { JobContext } from '../app.js';
import type { Background } from '../http/background.js';
import { currentConsents } from '../derive.js';
import { preferencesLink } from '../preferences/feature.js';
import { mailedRecord, restorations, type Restoration } from './restore.js';
import type { ConfirmationPages } from './routes.js';
import { emailKey, type NewJob, type RecordStore, type StoredRecord } from '../store/store.js';

export interface MailSettings {
  transport: MailTransport;
  /** Origin (and optional base path) of every link in mails: configured, never taken from a request. */
  publicUrl: string;
  cap: MailCap;
  /** Keep the confirming client's IP address with the confirmation (personal data: off by default). */
  recordIp?: boolean;
  /** Sender loop settings (tests). */
  sender?: { intervalMs?: number; leaseMs?: number; backoff?: { baseMs?: number; capMs?: number; jitter?: number } };
}

/** What a mail job carries: the message and what its link confirms or restores. */
export interface MailPayload extends Record<string, unknown> {
  message: OutgoingMail;
  kind: 'confirm' | 'withdrawal-notice';
  /** `known`: the known-address variant (a preference link first, confirming this record second). */
  variant?: 'known';
  recordKid: string;
  tokenId: string;
}

const confirmKey = (kid: string, recordId: string) => `confirm:${kid}:${recordId}`;

/** A sent mail as the store keeps it: its link tokens redacted (the token id stays beside it). */
const redacted = (payload: MailPayload): MailPayload => {
  const { message } = payload;
  const headers = Object.fromEntries(Object.entries(message.headers).map(([name, value]) => [name, redactTokens(value)]));
  return { ...payload, message: { ...message, text: redactTokens(message.text), html: redactTokens(message.html), headers } };
};

/** The store's job queue as the mail sender sees it; `defer` holds claims back while requests wait. */
export function mailQueue(store: RecordStore, defer: () => boolean = () => false): MailQueue {
  // The claimed payloads, until their outcome is recorded: a sent one is stored again without its tokens.
  const claimed = new Map<string, MailPayload>();
  const settled = (id: string) => {
    const payload = claimed.get(id);
    claimed.delete(id);
    return payload && redacted(payload);
  };
  return {
    async claim(now, limit, leaseUntil) {
      if (defer()) return [];
      const jobs = await store.claimJobs('mail', now, limit, leaseUntil);
      return jobs.map((job) => {
        const payload = job.payload as MailPayload;
        claimed.set(job.id, payload);
        return { id: job.id, message: payload.message, attempts: job.attempts, queuedAt: new Date(job.createdAt) };
      });
    },
    async renew(ids, leasedUntil, until) {
      const kept = await store.renewJobLeases(ids, leasedUntil, until);
      // Released, or taken by another process meanwhile: this process reports no outcome for them.
      const held = new Set(until ? kept : []);
      for (const id of ids) if (!held.has(id)) claimed.delete(id);
      return kept;
    },
    // Lazy: a batch's outcomes share one commit (store.jobs, which a click on the link reads, writes them first).
    sent: (id, at, messageId) => store.jobDone(id, at, messageId, true, settled(id)),
    failed: (id, next, error) => {
      claimed.delete(id);
      return store.jobFailed(id, next, error);
    },
    gaveUp: (id, error) => {
      claimed.delete(id);
      return store.jobGaveUp(id, new Date(), error);
    },
  };
}

export interface Confirmations extends ConfirmationPages {
  /** The mail to queue with a newly stored record (none when a mailed link vouched for it). */
  jobsFor(row: StoredRecord, context: JobContext): Promise<NewJob[]>;
  /** Whether the client should tell the visitor to confirm from the inbox. */
  pending(row: StoredRecord): boolean;
  /** Mail was queued: send it now rather than at the next interval. */
  queued(): void;
  stop(): Promise<void>;
}

export function confirmations({
  store,
  key,
  tokens,
  mail,
  site,
  also,
  load,
  manageUrl,
}: {
  store: RecordStore;
  key: ServerKey;
  tokens: LinkTokens;
  mail: MailSettings;
  site: SiteText;
  /** What else a confirmation or a restoration raises (webhook messages), queued with it. */
  also?: {
    jobs(row: StoredRecord, confirmedAt: string): NewJob[];
    restorationJobs(restoration: Restoration): NewJob[];
    queued(): void;
  };
  /** Requests first: sending waits while they are in flight. */
  load?: Background;
  /** The preference page, linked from consent mails as "manage your choices". */
  manageUrl?: string;
}): Confirmations {
  const sender: MailSender = startMailSender({ queue: mailQueue(store, load?.defer), transport: mail.transport, ...mail.sender });
  load?.onIdle(() => sender.wake());

  function confirmStore(token: string, ip: string | undefined): ConfirmStore {
    const verified = tokens.verify(token, { kind: 'confirm' });
    const tokenId = verified.ok ? verified.tokenId : '';
    // One look-up per request: the route asks for the record, then whether it is confirmed or to confirm it.
    const lookups = new Map<string, ReturnType<typeof mailedRecord>>();
    const mailed = (recordId: string) => {
      if (!lookups.has(recordId)) lookups.set(recordId, mailedRecord(store, recordId, tokenId));
      return lookups.get(recordId)!;
    };
    return {
      async findRecord(recordId) {
        return (await mailed(recordId))?.row.record as ConsentRecord | DataRequest | undefined;
      },
      async isConfirmed(recordId) {
        const found = await mailed(recordId);
        return Boolean(found && (await store.event(confirmKey(found.row.kid, recordId))));
      },
      async confirm(recordId, at) {
        const found = await mailed(recordId);
        if (!found) throw new Error('confirmed a record that was not mailed');
        const { row, job } = found;
        // What an authority asks for in a dispute: the record, the mail and when it went, the click.
        const data = {
          type: 'confirmation',
          recordId,
          recordKid: row.kid,
          recordJwsSha256: createHash('sha256').update(row.jws, 'utf8').digest('hex'),
          email: row.email,
          submittedAt: row.receivedAt,
          page: (row.record.source as { url?: string } | undefined)?.url ?? null,
          mail: { id: job.id, queuedAt: job.createdAt, sentAt: job.doneAt, subject: (job.payload as MailPayload).message.subject },
          tokenId,
          confirmedAt: at.toISOString(),
          ...(mail.recordIp && ip ? { ip } : {}),
        };
        const event = await eventAbout(key, row, { kind: 'confirmation', key: confirmKey(row.kid, recordId), at: data.confirmedAt, data });
        const jobs = also?.jobs(row, event.at) ?? [];
        const stored = (await store.addEvent(event, jobs)).status === 'stored';
        if (stored && jobs.length) also!.queued();
        return stored ? 'confirmed' : 'already';
      },
    };
  }

  /** The address's history as it stands before `row` is stored, and whether `row`'s key has proved the mailbox. */
  async function history(row: StoredRecord) {
    const [rows, events] = await Promise.all([store.byEmail(row.email), store.events(row.email)]);
    const confirmations = events.filter((e) => e.kind === 'confirmation');
    // Any confirmation from this key (a consent or a data request) proved its mailbox.
    const provedByKey = confirmations.some((e) => e.recordKid === row.kid);
    const wasOn = new Set(currentConsents(rows, events).filter((st) => st.granted).map((st) => st.purpose));
    const turnedOff = (row.record as unknown as ConsentRecord).decisions.filter((d) => !d.granted && wasOn.has(d.purpose)).map((d) => d.purpose);
    return { rows, events, confirmations, provedByKey, turnedOff };
  }

  /**
   * Whether the address already has confirmed choices while the record's key
   * has none for it (a returning visitor on a new device, or someone typing
   * another person's address): then the mail, which only the address owner
   * reads, shows them and leads with a preference link. The page's answer is
   * the same either way, and so is the work done before it (this look-up runs
   * for every consent grant).
   */
  async function knownAddress(row: StoredRecord, pageUrl: string): Promise<KnownAddress | undefined> {
    const { rows, events, confirmations, provedByKey, turnedOff } = await history(row);
    if (provedByKey) return undefined;
    const consents = new Set(rows.filter((r) => r.type === 'consent').map((r) => `${r.kid} ${r.id}`));
    if (!confirmations.some((e) => consents.has(`${e.recordKid} ${e.recordId}`))) return undefined;
    // The state as it stands with this record stored: its withdrawals count at once, its grants wait.
    const current = currentConsents([...rows, row], events)
      .filter((st) => !(st.pending && st.recordId === st.pendingRecordId && st.recordId === row.id))
      .map((st) =>
        st.pending && st.recordId === st.pendingRecordId
          ? { purpose: st.purpose, granted: false }
          : { purpose: st.purpose, granted: st.granted, since: st.decidedAt },
      );
    return { current, withdrawn: turnedOff, preferencesUrl: (token) => preferencesLink(pageUrl, token) };
  }

  /** A notice when a device that never proved the mailbox turned off what was on; nothing otherwise. */
  async function withdrawalNotice(row: StoredRecord): Promise<MailPayload | undefined> {
    const { provedByKey, turnedOff } = await history(row);
    if (provedByKey || !turnedOff.length) return undefined;
    const built = withdrawalNoticeMail({
      record: row.record as unknown as ConsentRecord,
      withdrawn: turnedOff,
      receivedAt: row.receivedAt,
      tokens,
      publicUrl: mail.publicUrl,
      site,
      ...(manageUrl ? { manageUrl } : {}),
    });
    return { message: built.message, kind: 'withdrawal-notice', recordKid: row.kid, tokenId: built.tokenId };
  }

  async function payloadFor(row: StoredRecord): Promise<MailPayload | undefined> {
    const record = row.record as unknown as ConsentRecord | DataRequest;
    if (!needsConfirmation(record)) return record.type === 'consent' ? withdrawalNotice(row) : undefined;
    const known = record.type === 'consent' && manageUrl ? await knownAddress(row, manageUrl) : undefined;
    const built = confirmationMail({
      record,
      tokens,
      publicUrl: mail.publicUrl,
      site,
      ...(row.dueBy ? { dueBy: row.dueBy } : {}),
      ...(manageUrl ? { manageUrl } : {}),
      ...(known ? { known } : {}),
    });
    if (!built) return undefined;
    return {
      message: built.message,
      kind: 'confirm',
      ...(built.variant === 'known' ? { variant: 'known' as const } : {}),
      recordKid: row.kid,
      tokenId: built.tokenId,
    };
  }

  return {
    async jobsFor(row, { client, vouched }) {
      if (vouched) return [];
      const payload = await payloadFor(row);
      if (!payload) return [];
      const group = row.type === 'data-request' ? 'request' : 'consent';
      return [
        {
          kind: 'mail',
          email: emailKey(row.email),
          recordId: row.id,
          payload,
          caps: mailCaps(tokens, mail.cap, { to: row.email, client, kid: row.kid, group }),
        },
      ];
    },
    pending: (row) => needsConfirmation(row.record as unknown as ConsentRecord | DataRequest),
    queued: () => sender.wake(),
    confirmPage: (request) =>
      handleConfirmLink({
        method: request.method,
        token: request.token,
        acceptLanguage: request.acceptLanguage ?? null,
        tokens,
        site,
        store: confirmStore(request.token, request.ip),
      }),
    restorePage: restorations({ store, key, tokens, site, ...(also ? { also: { jobs: also.restorationJobs, queued: also.queued } } : {}) }),
    stop: () => sender.stop(),
  };
}
