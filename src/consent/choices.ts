import { openDb } from '../outbox/idb.js';
import type { ConsentRecord, NoticeRef } from '@optimesys/privacy-records/schemas';

/** This browser's current consent choices, kept so that the next visit shows them and withdrawal needs no retyping. */
export interface StoredChoices {
  email: string;
  /** Latest decision per purpose. */
  decisions: Record<string, { granted: boolean; recordId: string; issuedAt: string }>;
  /** The notice the latest decision referred to; a different digest now asks the visitor to review. */
  notice: NoticeRef;
}

const KEY = 'consent';

/** The stored choices, or undefined (first visit, or no IndexedDB). */
export async function loadChoices(): Promise<StoredChoices | undefined> {
  try {
    const db = await openDb();
    try {
      return await db.get<StoredChoices>('choices', KEY);
    } finally {
      db.close();
    }
  } catch {
    return undefined;
  }
}

/** Merges a record's decisions into the stored choices (other purposes keep theirs). */
export async function saveChoices(record: ConsentRecord): Promise<StoredChoices> {
  const previous = await loadChoices();
  const decisions = { ...(previous?.email === record.subject.email ? previous.decisions : {}) };
  for (const d of record.decisions) decisions[d.purpose] = { granted: d.granted, recordId: record.id, issuedAt: record.issuedAt };
  const next: StoredChoices = { email: record.subject.email, decisions, notice: record.notice };
  try {
    const db = await openDb();
    try {
      await db.put('choices', next, KEY);
    } finally {
      db.close();
    }
  } catch {
    // Without IndexedDB the choice is still sent; only the next visit will not remember it.
  }
  return next;
}
