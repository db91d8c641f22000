/**
 * The privacy office's mails: a data request arrived, its sender confirmed
 * it (each queued in the transaction of the record or the confirmation,
 * capped per client and per day, so posting requests cannot flood the
 * office), and the daily digest of the open requests due within 7 days or
 * overdue. Each process looks for the digest now and then; the store counts
 * its cap under its lock, so it goes once a day whatever the processes.
 */
import type { JobContext } from '../app.js';
import { emailKey, type MailCapCount, type NewJob, type StoredRecord } from '../store/store.js';
import { requestFacts } from './request-acts.js';
import { localDay } from '../records/calendar.js';
import { localHour } from './calendar.js';
import type { ConsoleContext } from './context.js';
import { digestMail, officeNotice } from './mail.js';
import { MAX_PAGE, requestList } from './requests.js';
import { CONSOLE_DEFAULTS } from './settings.js';
import type { RequestRow } from './types.js';

/** The digest's cap: one per office mailbox and Finnish day, counted in the store across processes. */
const DIGEST_WINDOW_MS = 36 * 3_600_000;
/** Notices of arriving requests per client an hour, and per office mailbox a day: posting requests cannot flood the office. */
const ARRIVAL_CAP = { perClient: 10, perClientMs: 3_600_000, perDay: 200 } as const;

export interface OfficeNotices {
  /** The notice of a data request that arrived, queued with the record. */
  jobsFor(row: StoredRecord, context: JobContext): NewJob[];
  /** The notice of a data request confirmed from its mailed link, queued with the confirmation. */
  confirmationJobs(row: StoredRecord, confirmedAt: string): NewJob[];
  /** Queues the day's digest if it is due, has something to say and no process sent it yet today. */
  digest(now?: Date): Promise<'queued' | 'nothing' | 'not-yet' | 'off'>;
  /** No more looks for the digest (the ones under way are the context's tracked work). */
  stop(): void;
}

export function officeNotices(ctx: ConsoleContext): OfficeNotices {
  const { office, mail, store, options } = ctx;
  const officeHash = () => ctx.deps.tokens.mailboxHash(office ?? '');

  function officeJob(kind: 'arrived' | 'confirmed', row: StoredRecord, at: string, caps: MailCapCount[]): NewJob[] {
    if (!office) return [];
    const message = officeNotice({ to: office, locale: ctx.officeLocale, kind, request: requestFacts(row), at, consoleUrl: ctx.consoleUrl(row) });
    return [{ kind: 'mail', email: emailKey(office), payload: { message, kind: `console-office-${kind}` }, caps }];
  }

  async function digest(at = ctx.now()): Promise<'queued' | 'nothing' | 'not-yet' | 'off'> {
    if (!office || !mail) return 'off';
    if (localHour(at) < (options.digestHour ?? CONSOLE_DEFAULTS.digestHour)) return 'not-yet';
    // Open requests come by due date: read pages until one is due later than a week from today.
    const due: RequestRow[] = [];
    let today = '';
    for (let offset = 0; ; offset += MAX_PAGE) {
      const page = await requestList(store, 'open', at, offset, MAX_PAGE);
      today = page.today;
      const soon = page.requests.filter((r) => r.overdue || r.daysLeft <= 7);
      due.push(...soon);
      if (soon.length < MAX_PAGE) break;
    }
    if (!due.length) return 'nothing';
    const message = digestMail({ to: office, locale: ctx.officeLocale, today, items: due, consoleUrl: ctx.consoleUrl() });
    await store.queueJobs([
      {
        kind: 'mail',
        email: emailKey(office),
        payload: { message, kind: 'console-digest', day: today },
        // One a day whatever the number of processes: the store counts the cap under its lock.
        caps: [{ key: `console-digest:${today}:${officeHash()}`, max: 1, windowMs: DIGEST_WINDOW_MS }],
      },
    ]);
    mail.wake();
    return 'queued';
  }

  // Each process looks now and then; after the first look on a day past the hour it rests until the next day.
  let lookedOn = '';
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const look = () => {
    const at = ctx.now();
    const day = localDay(at);
    if (stopped || lookedOn === day) return;
    ctx.track(
      digest(at).then(
        (outcome) => {
          if (outcome !== 'not-yet') lookedOn = day;
        },
        (error: unknown) => console.error('[receiver] console digest not queued:', (error as Error)?.message ?? error),
      ),
    );
  };
  if (office) {
    timer = setInterval(look, options.digestCheckMs ?? CONSOLE_DEFAULTS.digestCheckMs);
    timer.unref();
    setImmediate(look);
  }

  return {
    jobsFor(row, context) {
      if (row.type !== 'data-request' || !office) return [];
      const hash = officeHash();
      const caps: MailCapCount[] = [{ key: `console-office:arrived:${hash}`, max: ARRIVAL_CAP.perDay, windowMs: 86_400_000 }];
      if (context.client !== 'unknown') {
        caps.push({ key: `console-office:arrived:${hash}:${ctx.deps.tokens.capHash(context.client)}`, max: ARRIVAL_CAP.perClient, windowMs: ARRIVAL_CAP.perClientMs });
      }
      return officeJob('arrived', row, row.receivedAt, caps);
    },
    confirmationJobs(row, confirmedAt) {
      if (row.type !== 'data-request' || !office) return [];
      return officeJob('confirmed', row, confirmedAt, [{ key: `console-office:confirmed:${officeHash()}`, max: ARRIVAL_CAP.perDay, windowMs: 86_400_000 }]);
    },
    digest,
    stop() {
      stopped = true;
      if (timer) clearInterval(timer);
    },
  };
}
