/**
 * What the console reads that the `RecordStore` contract has no query for
 * yet. Everything the console writes fits the contract as it is: sessions
 * live in MAC'd cookies, and sign-ins, sign-outs (revocations), used sign-in
 * links, used OpenID Connect transactions and console actions are the
 * receiver's signed events (kind `console`, once-only by their unique key);
 * mails and the digest are mail jobs with caps. So no table is added.
 *
 * The reads below are scans over the contract's iterators for now. A store
 * that has the index-backed query (one partial index on the records' type,
 * see the bench note in README) offers the same method and is used instead.
 */
import type { ReceiverEvent, RecordStore, StoredRecord } from '../store/store.js';

export interface ConsoleStore {
  /** Every data request, oldest first. */
  dataRequests(): Promise<StoredRecord[]>;
  /** Every consent record, oldest first. */
  consentRecords(): Promise<StoredRecord[]>;
  /** Every event the receiver signed, oldest first. */
  allEvents(): Promise<ReceiverEvent[]>;
}

/** The optional index-backed queries a store may offer (same meaning as above). */
type Indexed = Partial<Pick<ConsoleStore, 'dataRequests' | 'consentRecords'>>;

export function consoleStore(store: RecordStore & Indexed): ConsoleStore {
  const byType = async (type: StoredRecord['type']) => {
    const rows: StoredRecord[] = [];
    for await (const row of store.all()) if (row.type === type) rows.push(row);
    return rows;
  };
  return {
    dataRequests: () => (store.dataRequests ? store.dataRequests() : byType('data-request')),
    consentRecords: () => (store.consentRecords ? store.consentRecords() : byType('consent')),
    async allEvents() {
      const events: ReceiverEvent[] = [];
      for await (const event of store.allEvents()) events.push(event);
      return events;
    },
  };
}
