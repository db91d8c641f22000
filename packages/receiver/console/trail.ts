import type { TrailEntry } from './api.js';

/** The trail in time order; entries at the same instant keep the server's order. */
export function sortTrail(entries: readonly TrailEntry[]): TrailEntry[] {
  const time = (entry: TrailEntry) => {
    const t = Date.parse(entry.at);
    return Number.isNaN(t) ? Number.POSITIVE_INFINITY : t;
  };
  return [...entries].sort((a, b) => time(a) - time(b));
}

/** One line of an entry's detail: a short value, or a block of preformatted text. */
export interface DetailRow {
  key: string;
  value: string;
  block: boolean;
}

/**
 * An entry's detail as name/value rows, to be rendered as text: strings as
 * they are (multi-line ones as blocks), other values as indented JSON.
 * `skip` leaves out keys the view shows elsewhere.
 */
export function detailRows(detail: Record<string, unknown> | undefined, skip: readonly string[] = []): DetailRow[] {
  if (!detail || typeof detail !== 'object') return [];
  return Object.entries(detail)
    .filter(([key, value]) => !skip.includes(key) && value !== undefined && value !== null)
    .map(([key, value]) => {
      if (typeof value === 'string') return { key, value, block: value.includes('\n') || value.length > 120 };
      if (typeof value === 'number' || typeof value === 'boolean') return { key, value: String(value), block: false };
      return { key, value: JSON.stringify(value, null, 2), block: true };
    });
}

/** A detail value as text, whatever the server put there (mail subjects are strings; anything else is shown as JSON). */
export function text(value: unknown): string {
  if (value === undefined || value === null) return '';
  return typeof value === 'string' ? value : JSON.stringify(value, null, 2);
}
