/**
 * The privacy office's console as the receiver sees it: a route family at
 * `/console` (routes.ts: the built front end, sign-in in auth-routes.ts, the
 * JSON API in routes.ts and action-routes.ts, the gate in access.ts), mounted by
 * app.ts when someone may sign in, and a receiver feature for the office's
 * notices and daily digest (notices.ts), which go out with or without it.
 *
 * Nothing that must hold across `--workers` and instances lives in memory:
 * sessions are cookies checked against revocations in the store, once-only
 * steps are events with unique keys, mails and the digest are mail jobs
 * whose caps the store counts.
 */
import type { ReceiverFeature } from '../app.js';
import type { NewJob, StoredRecord } from '../store/store.js';
import { consoleContext, type ConsoleContext, type ConsoleDeps } from './context.js';
import { actionOf } from './audit-log.js';
import { officeNotices } from './notices.js';
import { isLoopback } from './settings.js';

export { CONSOLE_PATH, type ConsoleDeps } from './context.js';

export interface ConsoleFeature extends ReceiverFeature {
  /** What the console's routes run on (`AppOptions.console`); undefined when nobody may sign in (no `CONSOLE_USERS`): no routes then. */
  routes: ConsoleContext | undefined;
  /** The office's notice of a data request confirmed from its mailed link, queued with the confirmation. */
  confirmationJobs(row: StoredRecord, confirmedAt: string): NewJob[];
  /** Queues the day's digest if it is due, has something to say and no process sent it yet today. */
  digest(now?: Date): Promise<'queued' | 'nothing' | 'not-yet' | 'off'>;
  stop(): Promise<void>;
}

export function consoleFeature(deps: ConsoleDeps): ConsoleFeature {
  const ctx = consoleContext(deps);
  const notices = officeNotices(ctx);
  return {
    routes: ctx.routesOn ? ctx : undefined,
    jobsFor: notices.jobsFor,
    confirmationJobs: notices.confirmationJobs,
    queued: () => ctx.mail?.wake(),
    digest: notices.digest,
    async stop() {
      notices.stop();
      await ctx.settle();
    },
  };
}

/** The console's public origin must be https, or plain http on this machine (a `__Host-` cookie needs Secure). */
export function consoleOriginProblem(publicUrl: string | undefined): string | undefined {
  if (!publicUrl) return 'the console needs the receiver\'s public URL (mail.publicUrl, PUBLIC_URL): state-changing calls must come from it';
  const url = new URL(publicUrl);
  if (url.protocol === 'https:' || (url.protocol === 'http:' && isLoopback(url.hostname))) return undefined;
  return `the console needs an https PUBLIC_URL (its session cookie is Secure); ${url.origin} is plain http and not this machine`;
}

/** The console events' actions, for readers of the trail. */
export { actionOf };
