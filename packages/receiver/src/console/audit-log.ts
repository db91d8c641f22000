/**
 * What the console did, as the receiver's own signed events (kind `console`)
 * in the append-only events table: who, when, what, on which request or
 * address. The store keeps them as it keeps confirmations; `export` prints
 * the ones about a person, `verify` checks every one's signature, and each
 * event's unique key makes the once-only steps (a sign-in link or an OpenID
 * Connect transaction used once, a request closed once) hold across
 * processes and instances.
 */
import { randomUUID } from 'node:crypto';
import { signEvent, type ServerKey } from '../records/countersign.js';
import { emailKey, type ReceiverEvent } from '../store/store.js';

export type ConsoleAction =
  /** A staff member signed in (`method`: `oidc` or `link`). */
  | 'sign-in'
  | 'sign-out'
  /** A data request closed with a note (the closure itself is the store's, as `close-request` writes it). */
  | 'close'
  /** The requester's identity verified by other means than the mailed link (`how`). */
  | 'verify-identity'
  /** A templated message queued to the requester (`template`, `subject`). */
  | 'message'
  /** The Art. 15 answer downloaded. */
  | 'answer'
  /** An address's consents looked up. */
  | 'lookup';

export interface ConsoleEventInput {
  /** The event's unique key: `console:<action>:…`. */
  key: string;
  action: ConsoleAction;
  /** The staff member. */
  by: string;
  /** Whom it is about: the requester (the staff member for sign-in and sign-out). */
  email: string;
  recordId?: string | undefined;
  recordKid?: string | undefined;
  at: Date;
  /** What else the event says (a note, how identity was verified, the template). */
  details?: Record<string, unknown>;
}

/** Console events' keys: the once-only ones are fixed by what they are about. */
export const consoleKeys = {
  signIn: (method: 'oidc' | 'link', once: string) => `console:sign-in:${method}:${once}`,
  signOut: (session: string) => `console:sign-out:${session}`,
  close: (kid: string, id: string) => `console:close:${kid}:${id}`,
  verifyIdentity: (kid: string, id: string) => `console:verify-identity:${kid}:${id}`,
  /** Repeatable actions: a fresh key each. */
  once: (action: ConsoleAction) => `console:${action}:${randomUUID()}`,
};

/** The receiver's signed event for a console action. */
export async function consoleEvent(key: ServerKey, input: ConsoleEventInput): Promise<ReceiverEvent> {
  const email = emailKey(input.email);
  const data: Record<string, unknown> = {
    type: 'console',
    action: input.action,
    by: emailKey(input.by),
    email,
    ...(input.recordId ? { recordId: input.recordId } : {}),
    ...(input.recordKid ? { recordKid: input.recordKid } : {}),
    ...input.details,
    actedAt: input.at.toISOString(),
    receiverKid: key.kid,
  };
  return {
    id: randomUUID(),
    kind: 'console',
    key: input.key,
    email,
    recordId: input.recordId ?? null,
    recordKid: input.recordKid ?? null,
    at: data.actedAt as string,
    data,
    jws: await signEvent(key, data),
  };
}

/** The action of a console event, if it is one. */
export const actionOf = (event: ReceiverEvent): ConsoleAction | undefined =>
  event.kind === 'console' ? (event.data.action as ConsoleAction | undefined) : undefined;
