/**
 * The outbox: nothing a visitor submitted is dropped silently. A record is
 * stored in IndexedDB before it is sent and leaves the store only when the
 * backend accepts it (a receipt) or refuses it (a rejection, reported).
 * Anything else (offline, timeout, 5xx, 408, 429) is retried with exponential
 * backoff and jitter, at once when the browser comes back online, and when
 * the next page creates its outbox.
 *
 * Needs a secure context (HTTPS or localhost) like the signer; without Web
 * Locks it still works, serializing only this page's own attempts. A
 * backend's `Retry-After` (up to an hour) lengthens the wait, never shortens it.
 *
 * The record `id` is the idempotency key. Tabs share the store, so each
 * attempt holds a Web Lock named after the record and re-reads the record
 * inside it: two tabs never send the same record at the same time, and a tab
 * that lost the race finds the record gone and skips it.
 */
import { AdapterError, type BackendAdapter, type ServerError } from '../adapters/types.js';
import { DB_NAME, openDb } from './idb.js';
import type { PrivacyRecord, Receipt } from '@optimesys/privacy-records/schemas';

/** A record waiting in the outbox. */
export interface OutboxEntry {
  id: string;
  jws: string;
  record: PrivacyRecord;
  /** Failed attempts so far. */
  attempts: number;
  /** Epoch ms of the next timed retry. */
  nextAttemptAt: number;
  createdAt: number;
  lastError?: ServerError;
  /** Which backend it is for (see `OutboxOptions.scope`); missing on entries of older versions: `default`. */
  scope?: string;
}

/** A refusal: the server's typed error and the HTTP status, if any. */
export type Rejection = ServerError & { status?: number };

/** How `send` ended for now. `queued` records are retried until sent or rejected. */
export type SendResult =
  | { status: 'sent'; receipt: Receipt }
  | { status: 'queued'; error: ServerError }
  | { status: 'rejected'; error: Rejection };

/** What listeners hear, also for records delivered or refused by a later retry. */
export interface OutboxEvents {
  sent: { record: PrivacyRecord; jws: string; receipt: Receipt };
  queued: { record: PrivacyRecord; jws: string; error: ServerError; attempts: number; nextAttemptAt: number };
  rejected: { record: PrivacyRecord; jws: string; error: Rejection };
}

export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface OutboxOptions {
  /** IndexedDB database (default `privacy-widgets`); tests use their own. */
  dbName?: string;
  /** IndexedDB to use; `null`: none (records then live only as long as the page). */
  indexedDB?: IDBFactory | null;
  /** Web Locks; `null`: none (then only this page's own attempts are serialized). */
  locks?: LockManager | null;
  /** Delay in ms before retry number `attempt` (1, 2, …). Default: 2 s doubling up to 5 min, with jitter. */
  backoff?: (attempt: number, random: () => number) => number;
  random?: () => number;
  now?: () => number;
  timers?: Timers;
  /** Where `online` fires (default `window`); `null`: do not listen. */
  onlineTarget?: EventTarget | null;
  /** Whether the browser believes it is online (default `navigator.onLine`). */
  isOnline?: () => boolean;
  /**
   * The backend this outbox delivers to, e.g. its endpoint URL (default
   * `default`). Outboxes share one store; each sends only its own scope, so a
   * page with two backends never hands a record to the wrong one.
   */
  scope?: string;
  /** Send what earlier pages left in the store as soon as the outbox is created (default true). */
  resume?: boolean;
}

export interface Outbox {
  /** Stores the record, then tries to send it once. */
  send(jws: string, record: PrivacyRecord): Promise<SendResult>;
  /** Tries every stored record that is due (`force`: every stored record). */
  flush(options?: { force?: boolean }): Promise<void>;
  /** Records still waiting, oldest first. */
  pending(): Promise<OutboxEntry[]>;
  /**
   * Subscribes to sent/queued/rejected; returns the unsubscribe function.
   * Listeners hear what this page's outbox does, retries of records made by
   * earlier pages included; a record another tab delivers is reported there.
   */
  on<K extends keyof OutboxEvents>(type: K, listener: (detail: OutboxEvents[K]) => void): () => void;
  /** Settles when the resume-on-creation flush has run. */
  readonly ready: Promise<void>;
  /** Stops timers and listeners (stored records stay for the next page). */
  close(): void;
}

/** Default backoff: 2 s, 4 s, 8 s … capped at 5 min, each between half and all of that ("equal jitter"). */
export function defaultBackoff(attempt: number, random: () => number): number {
  const ceiling = Math.min(5 * 60_000, 2000 * 2 ** Math.max(0, attempt - 1));
  return ceiling / 2 + (random() * ceiling) / 2;
}

interface Store {
  all(): Promise<OutboxEntry[]>;
  get(id: string): Promise<OutboxEntry | undefined>;
  put(entry: OutboxEntry): Promise<void>;
  /** Stores `entry` unless its id is already stored; returns what is stored (one transaction). */
  add(entry: OutboxEntry): Promise<OutboxEntry>;
  delete(id: string): Promise<void>;
  close(): void;
}

async function openStore(dbName: string, factory: IDBFactory | null | undefined): Promise<Store> {
  try {
    const db = await openDb(dbName, factory);
    return {
      all: () => db.getAll<OutboxEntry>('outbox'),
      get: (id) => db.get<OutboxEntry>('outbox', id),
      put: (entry) => db.put('outbox', entry),
      // One cheap write in the usual case (a new id); a read only for a record sent twice.
      add: async (entry) => ((await db.add('outbox', entry)) ? entry : ((await db.get<OutboxEntry>('outbox', entry.id)) ?? entry)),
      delete: (id) => db.delete('outbox', id),
      close: () => db.close(),
    };
  } catch {
    // No IndexedDB (some private modes): keep records for this page at least.
    const map = new Map<string, OutboxEntry>();
    return {
      all: async () => [...map.values()],
      get: async (id) => map.get(id),
      put: async (entry) => void map.set(entry.id, structuredClone(entry)),
      add: async (entry) => {
        if (!map.has(entry.id)) map.set(entry.id, structuredClone(entry));
        return map.get(entry.id)!;
      },
      delete: async (id) => void map.delete(id),
      close: () => {},
    };
  }
}

const SKIPPED = Symbol('skipped');

/** Wraps `adapter` in an IndexedDB-backed outbox. */
export function createOutbox(adapter: BackendAdapter, options: OutboxOptions = {}): Outbox {
  const dbName = options.dbName ?? DB_NAME;
  const scope = options.scope ?? 'default';
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const backoff = options.backoff ?? defaultBackoff;
  const timers: Timers = options.timers ?? { setTimeout: (f, ms) => setTimeout(f, ms), clearTimeout: (h) => clearTimeout(h as number) };
  const locks = options.locks === undefined ? globalThis.navigator?.locks : options.locks;
  const isOnline = options.isOnline ?? (() => globalThis.navigator?.onLine !== false);
  const onlineTarget = options.onlineTarget === undefined ? globalThis.window : options.onlineTarget;

  const store = openStore(dbName, options.indexedDB);
  const listeners: { [K in keyof OutboxEvents]: Set<(detail: OutboxEvents[K]) => void> } = {
    sent: new Set(),
    queued: new Set(),
    rejected: new Set(),
  };
  const local = new Set<string>(); // ids this page is sending (the fallback when Web Locks are missing)
  const busy = new Set<string>(); // ids this page is attempting right now: no timer for them
  let timer: unknown;
  let closed = false;
  let chain: Promise<void> = Promise.resolve();
  let scheduling: Promise<void> = Promise.resolve();

  function emit<K extends keyof OutboxEvents>(type: K, detail: OutboxEvents[K]): void {
    for (const listener of listeners[type]) {
      try {
        listener(detail);
      } catch (error) {
        // A failing listener must not stop delivery; report it like an uncaught error.
        globalThis.reportError?.(error);
      }
    }
  }

  /** Runs `fn` holding the record's lock; SKIPPED when `ifAvailable` and another tab holds it. */
  async function withLock<T>(id: string, ifAvailable: boolean, fn: () => Promise<T>): Promise<T | typeof SKIPPED> {
    if (locks) {
      return locks.request(`${dbName}:outbox:${id}`, { ifAvailable }, (lock) => (lock ? fn() : SKIPPED));
    }
    if (local.has(id)) return SKIPPED;
    local.add(id);
    try {
      return await fn();
    } finally {
      local.delete(id);
    }
  }

  /** One delivery attempt of a stored entry; the caller holds its lock. */
  async function attempt(entry: OutboxEntry): Promise<SendResult> {
    const db = await store;
    let error: ServerError;
    let retryAfterMs = 0;
    try {
      if (!isOnline()) throw new AdapterError('retry', { code: 'offline', message: 'The browser is offline' });
      const receipt = await adapter.send(entry.jws, entry.record);
      await db.delete(entry.id);
      emit('sent', { record: entry.record, jws: entry.jws, receipt });
      return { status: 'sent', receipt };
    } catch (caught) {
      if (caught instanceof AdapterError && caught.kind === 'rejected') {
        const rejection: Rejection = { ...caught.error, ...(caught.status ? { status: caught.status } : {}) };
        await db.delete(entry.id);
        emit('rejected', { record: entry.record, jws: entry.jws, error: rejection });
        return { status: 'rejected', error: rejection };
      }
      // Anything else, an unexpected exception too, keeps the record: never drop silently.
      if (caught instanceof AdapterError) retryAfterMs = caught.retryAfterMs ?? 0;
      error =
        caught instanceof AdapterError
          ? caught.error
          : { code: 'send-failed', message: String((caught as Error)?.message ?? caught) };
    }
    const attempts = entry.attempts + 1;
    const queued: OutboxEntry = { ...entry, attempts, nextAttemptAt: now() + Math.max(backoff(attempts, random), retryAfterMs), lastError: error };
    await db.put(queued);
    emit('queued', { record: entry.record, jws: entry.jws, error, attempts, nextAttemptAt: queued.nextAttemptAt });
    return { status: 'queued', error };
  }

  async function pending(): Promise<OutboxEntry[]> {
    return (await (await store).all())
      .filter((entry) => (entry.scope ?? 'default') === scope)
      .sort((a, b) => a.createdAt - b.createdAt);
  }

  /** Sets one timer for the earliest due retry; calls run in order, so the latest state wins. */
  function schedule(): Promise<void> {
    scheduling = scheduling.then(async () => {
      const entries = (await pending()).filter((e) => !busy.has(e.id));
      if (timer !== undefined) timers.clearTimeout(timer);
      timer = undefined;
      if (closed || !entries.length) return;
      const due = Math.min(...entries.map((e) => e.nextAttemptAt));
      timer = timers.setTimeout(() => {
        timer = undefined;
        void flush();
      }, Math.max(0, due - now()));
    }).catch((error: unknown) => globalThis.reportError?.(error));
    return scheduling;
  }

  /** `attempt` with the id marked busy, so timers are not set for it meanwhile. */
  async function attemptBusy(entry: OutboxEntry): Promise<SendResult> {
    busy.add(entry.id);
    try {
      return await attempt(entry);
    } finally {
      busy.delete(entry.id);
    }
  }

  async function run(force: boolean): Promise<void> {
    if (closed) return;
    const db = await store;
    for (const entry of await pending()) {
      if (closed) return;
      if (!force && entry.nextAttemptAt > now()) continue;
      await withLock(entry.id, true, async () => {
        // Another tab may have delivered it between our listing and our lock.
        const current = await db.get(entry.id);
        if (current) await attemptBusy(current);
      });
    }
    await schedule();
  }

  /** Flushes run one after another, so a page never has two of its own in flight. */
  function flush({ force = false } = {}): Promise<void> {
    chain = chain.then(() => run(force)).catch((error: unknown) => globalThis.reportError?.(error));
    return chain;
  }

  const onOnline = () => void flush({ force: true });
  onlineTarget?.addEventListener('online', onOnline);

  return {
    async send(jws, record) {
      busy.add(record.id);
      const result = await withLock(record.id, false, async () => {
        const t = now();
        // A record sent twice (a double click) keeps its first entry and its attempt count.
        const entry = await (await store).add({ id: record.id, jws, record, attempts: 0, nextAttemptAt: t, createdAt: t, scope });
        return attemptBusy(entry);
      }).finally(() => busy.delete(record.id));
      if (result === SKIPPED) throw new Error('unreachable: send waits for its lock');
      // A timer may have been set for this record while it was in flight; renew it then.
      if (result.status === 'queued' || timer !== undefined) await schedule();
      return result;
    },
    flush,
    pending,
    on(type, listener) {
      listeners[type].add(listener);
      return () => listeners[type].delete(listener);
    },
    ready: options.resume === false ? store.then(() => {}) : flush({ force: true }),
    close() {
      closed = true;
      if (timer !== undefined) timers.clearTimeout(timer);
      onlineTarget?.removeEventListener('online', onOnline);
      // Close after any flush still running, so it does not fail half-way.
      void chain.then(() => store).then((db) => db.close());
    },
  };
}
