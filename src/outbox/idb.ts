/**
 * A tiny promise wrapper over IndexedDB, shared by the device signer and the
 * outbox. Everything lives in one database (`privacy-widgets`); a new store
 * means a new entry in STORES and a version bump here.
 */
export const DB_NAME = 'privacy-widgets';
const VERSION = 2;
/**
 * `keys`: the device key (out-of-line key `device`). `outbox`: queued records by `id`.
 * `choices`: this browser's current consent choices (version 2).
 */
const STORES: Record<string, IDBObjectStoreParameters> = { keys: {}, outbox: { keyPath: 'id' }, choices: {} };
export type StoreName = 'keys' | 'outbox' | 'choices';

/** Resolves an IDBRequest. */
export function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

function done(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    // Not onerror: a request error handled with preventDefault() lets the transaction commit.
    tx.onabort = () => reject(tx.error ?? new DOMException('Transaction aborted', 'AbortError'));
  });
}

export interface Db {
  get<T>(store: StoreName, key: IDBValidKey): Promise<T | undefined>;
  getAll<T>(store: StoreName): Promise<T[]>;
  put(store: StoreName, value: unknown, key?: IDBValidKey): Promise<void>;
  delete(store: StoreName, key: IDBValidKey): Promise<void>;
  /** Stores `value` (in a store with a key path) unless its key exists; false when it did. */
  add(store: StoreName, value: unknown): Promise<boolean>;
  /**
   * Returns the stored value under `key`, or stores `value` and returns it, in
   * one readwrite transaction: IndexedDB runs such transactions on a store one
   * after another, so two tabs racing here end up with the same value.
   */
  getOrPut<T>(store: StoreName, key: IDBValidKey, value: T, valid?: (stored: unknown) => boolean): Promise<T>;
  close(): void;
}

/**
 * Opens (creating on first use) the widgets' database. Rejects when IndexedDB
 * is missing or refused (some private modes), so callers can fall back.
 */
export async function openDb(name = DB_NAME, factory: IDBFactory | null | undefined = globalThis.indexedDB): Promise<Db> {
  if (!factory) throw new DOMException('IndexedDB is not available', 'NotSupportedError');
  const open = factory.open(name, VERSION);
  open.onupgradeneeded = () => {
    for (const [store, params] of Object.entries(STORES)) {
      if (!open.result.objectStoreNames.contains(store)) open.result.createObjectStore(store, params);
    }
  };
  const db = await request(open);
  // Let a newer version of the package (in another tab) upgrade the database.
  db.onversionchange = () => db.close();

  return {
    get: (store, key) => request(db.transaction(store).objectStore(store).get(key)),
    getAll: (store) => request(db.transaction(store).objectStore(store).getAll()),
    async put(store, value, key) {
      const tx = db.transaction(store, 'readwrite');
      tx.objectStore(store).put(value, key);
      await done(tx);
    },
    async delete(store, key) {
      const tx = db.transaction(store, 'readwrite');
      tx.objectStore(store).delete(key);
      await done(tx);
    },
    async add(store, value) {
      const tx = db.transaction(store, 'readwrite');
      const req = tx.objectStore(store).add(value);
      let added = true;
      req.onerror = (event) => {
        if (req.error?.name !== 'ConstraintError') return;
        added = false;
        event.preventDefault(); // a known key is an answer, not a failed transaction
      };
      await done(tx);
      return added;
    },
    async getOrPut<T>(store: StoreName, key: IDBValidKey, value: T, valid = (stored: unknown) => stored !== undefined) {
      const tx = db.transaction(store, 'readwrite');
      const objects = tx.objectStore(store);
      let result = value;
      const get = objects.get(key);
      get.onsuccess = () => {
        if (valid(get.result)) result = get.result as T;
        else if (objects.keyPath === null) objects.put(value, key);
        else objects.put(value); // the key is inside the value
      };
      await done(tx);
      return result;
    },
    close: () => db.close(),
  };
}
