/**
 * Double opt-in in the receiver: a newly stored grant or data request queues
 * its confirmation mail in the same transaction (capped per address, counted
 * in the store); the mailed link shows a page with one button (GET changes
 * nothing) and its POST appends a confirmation event signed by the receiver.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Hono } from 'hono';
import { CompactSign } from 'jose';
import { canonicalJson } from '../../records/canonical.js';
import type { ConsentRecord, DataRequest } from '../../records/schemas.js';
import { handleConfirmLink, type ConfirmStore } from '../mail/confirm-link.js';
import { confirmationMail, CONFIRM_PATH, type KnownAddress } from '../mail/confirmation.js';
import { needsConfirmation } from '../mail/compose.js';
import type { MailCap } from '../mail/memory-queue.js';
import { PAGES_CSS, PAGES_CSS_PATH } from '../mail/pages.js';
import { startMailSender, type MailQueue, type MailSender } from '../mail/sender.js';
import type { LinkTokens } from '../mail/tokens.js';
import type { MailTransport, OutgoingMail } from '../mail/transport.js';
import type { ServerKey } from '../receipt.js';
import type { Background } from './background.js';
import { currentConsents } from './derive.js';
import { preferencesLink } from './preferences.js';
import { emailKey, type NewJob, type RecordStore, type ReceiverEvent, type StoredRecord } from './store.js';

export interface MailSettings {
  transport: MailTransport;
  /** Origin of the links in mails; by default the origin the record was posted to. */
  publicUrl?: string;
  cap: MailCap;
  /** Keep the confirming client's IP address with the confirmation (personal data: off by default). */
  recordIp?: boolean;
  /** Sender loop settings (tests). */
  sender?: { intervalMs?: number; leaseMs?: number; backoff?: { baseMs?: number; capMs?: number; jitter?: number } };
}

/** What the mail job carries: the message and what its link confirms. */
interface MailPayload extends Record<string, unknown> {
  message: OutgoingMail;
  kind: 'confirm';
  /** `known`: the known-address variant (a preference link first, confirming this record second). */
  variant?: 'known';
  recordKid: string;
  tokenId: string;
}

const confirmKey = (kid: string, recordId: string) => `confirm:${kid}:${recordId}`;

/** The store's job queue as the mail sender sees it; `defer` holds claims back while requests wait. */
export function mailQueue(store: RecordStore, defer: () => boolean = () => false): MailQueue {
  return {
    async claim(now, limit, leaseUntil) {
      if (defer()) return [];
      const jobs = await store.claimJobs('mail', now, limit, leaseUntil);
      return jobs.map((job) => ({
        id: job.id,
        message: (job.payload as MailPayload).message,
        attempts: job.attempts,
        queuedAt: new Date(job.createdAt),
      }));
    },
    renew: (ids, leasedUntil, until) => store.renewJobLeases(ids, leasedUntil, until),
    // Lazy: a batch's outcomes share one commit (store.jobs, which a click on the link reads, writes them first).
    sent: (id, at, messageId) => store.jobDone(id, at, messageId, true),
    failed: (id, next, error) => store.jobFailed(id, next, error),
    gaveUp: (id, error) => store.jobGaveUp(id, new Date(), error),
  };
}

export interface Confirmations {
  /** The mail to queue with a newly stored record (none for a withdrawal, none when a mailed link vouched for it). */
  jobsFor(row: StoredRecord, requestUrl: string, vouched?: boolean): Promise<NewJob[]>;
  /** Whether the client should tell the visitor to confirm from the inbox. */
  pending(row: StoredRecord): boolean;
  /** Mail was queued: send it now rather than at the next interval. */
  queued(): void;
  install(app: Hono): void;
  stop(): Promise<void>;
}

export function confirmations({
  store,
  key,
  tokens,
  mail,
  also,
  load,
  manageUrl,
}: {
  store: RecordStore;
  key: ServerKey;
  tokens: LinkTokens;
  mail: MailSettings;
  /** What else a confirmation raises (webhook messages), queued with it. */
  also?: { jobs(row: StoredRecord, confirmedAt: string): NewJob[]; queued(): void };
  /** Requests first: sending waits while they are in flight. */
  load?: Background;
  /** The preference page, linked from consent mails as "manage your choices". */
  manageUrl?(requestUrl: string): string;
}): Confirmations {
  const sender: MailSender = startMailSender({ queue: mailQueue(store, load?.defer), transport: mail.transport, ...mail.sender });
  load?.onIdle(() => sender.wake());

  /** The record a token was mailed for: found through the mail job that carried this very token. */
  async function mailedRecord(recordId: string, tokenId: string) {
    const job = (await store.jobs({ kind: 'mail', recordId })).find((j) => (j.payload as MailPayload).tokenId === tokenId);
    if (!job) return undefined;
    const row = await store.get(recordId, (job.payload as MailPayload).recordKid);
    return row && { row, job };
  }

  async function signEvent(payload: Record<string, unknown>): Promise<string> {
    return new CompactSign(new TextEncoder().encode(canonicalJson(payload))).setProtectedHeader({ alg: 'ES256', kid: key.kid }).sign(key.privateKey);
  }

  function confirmStore(token: string, ip: string | undefined): ConfirmStore {
    const verified = tokens.verify(token, { kind: 'confirm' });
    const tokenId = verified.ok ? verified.tokenId : '';
    // One look-up per request: the route asks for the record, then whether it is confirmed or to confirm it.
    const lookups = new Map<string, ReturnType<typeof mailedRecord>>();
    const mailed = (recordId: string) => {
      if (!lookups.has(recordId)) lookups.set(recordId, mailedRecord(recordId, tokenId));
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
        const event: ReceiverEvent = {
          id: randomUUID(),
          kind: 'confirmation',
          key: confirmKey(row.kid, recordId),
          email: row.email,
          recordId,
          recordKid: row.kid,
          at: data.confirmedAt,
          data,
          jws: await signEvent(data),
        };
        const jobs = also?.jobs(row, event.at) ?? [];
        const stored = (await store.addEvent(event, jobs)).status === 'stored';
        if (stored && jobs.length) also!.queued();
        return stored ? 'confirmed' : 'already';
      },
    };
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
    const [rows, events] = await Promise.all([store.byEmail(row.email), store.events(row.email)]);
    const consents = new Set(rows.filter((r) => r.type === 'consent').map((r) => `${r.kid} ${r.id}`));
    const confirmations = events.filter((e) => e.kind === 'confirmation');
    // Any confirmation from this key (a consent or a data request) proved its mailbox: the usual mail.
    if (confirmations.some((e) => e.recordKid === row.kid)) return undefined;
    if (!confirmations.some((e) => consents.has(`${e.recordKid} ${e.recordId}`))) return undefined;
    // The state as it stands with this record stored: its withdrawals count at once, its grants wait.
    const states = currentConsents([...rows, row], events);
    const current = states
      .filter((st) => !(st.pending && st.recordId === st.pendingRecordId && st.recordId === row.id))
      .map((st) =>
        st.pending && st.recordId === st.pendingRecordId
          ? { text: st.text, granted: false }
          : { text: st.text, granted: st.granted, since: st.decidedAt },
      );
    const wasOn = new Set(currentConsents(rows, events).filter((st) => st.granted).map((st) => st.purpose));
    const withdrawn = (row.record as unknown as ConsentRecord).decisions.filter((d) => !d.granted && wasOn.has(d.purpose)).map((d) => d.text);
    return { current, withdrawn, preferencesUrl: (token) => preferencesLink(pageUrl, token) };
  }

  return {
    async jobsFor(row, requestUrl, vouched) {
      if (vouched) return [];
      const record = row.record as unknown as ConsentRecord | DataRequest;
      if (!needsConfirmation(record)) return [];
      const manage = manageUrl?.(requestUrl);
      const known = record.type === 'consent' && manage ? await knownAddress(row, manage) : undefined;
      const built = confirmationMail({
        record,
        tokens,
        publicUrl: mail.publicUrl ?? new URL(requestUrl).origin,
        ...(row.dueBy ? { dueBy: row.dueBy } : {}),
        ...(manage ? { manageUrl: manage } : {}),
        ...(known ? { known } : {}),
      });
      if (!built) return [];
      const payload: MailPayload = {
        message: built.message,
        kind: 'confirm',
        ...(built.variant === 'known' ? { variant: 'known' as const } : {}),
        recordKid: row.kid,
        tokenId: built.tokenId,
      };
      return [
        {
          kind: 'mail',
          email: emailKey(record.subject.email),
          recordId: record.id,
          payload,
          // One cap for both variants: the known-address mail is a confirmation mail too.
          cap: { key: `mail:${built.addressKey}`, max: mail.cap.max, windowMs: mail.cap.windowMs },
        },
      ];
    },
    pending: (row) => needsConfirmation(row.record as unknown as ConsentRecord | DataRequest),
    queued: () => sender.wake(),
    install(app) {
      app.get(PAGES_CSS_PATH, (c) => c.body(PAGES_CSS, 200, { 'content-type': 'text/css; charset=utf-8', 'cache-control': 'public, max-age=3600' }));
      app.on(['GET', 'POST'], `${CONFIRM_PATH}:token`, async (c) => {
        const token = c.req.param('token');
        const ip = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming?.socket?.remoteAddress;
        const page = await handleConfirmLink({
          method: c.req.method,
          token,
          acceptLanguage: c.req.header('accept-language') ?? null,
          tokens,
          store: confirmStore(token, ip),
        });
        return c.body(page.body, page.status as 200, page.headers);
      });
    },
    stop: () => sender.stop(),
  };
}
