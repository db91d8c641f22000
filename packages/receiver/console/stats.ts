import type { WeekCounts } from './api.js';

/** One purpose's weeks, oldest first, as uPlot's columns: x (seconds since 1970), granted, pending, withdrawn. */
export function weeklySeries(weeks: readonly WeekCounts[], purpose: string): { rows: WeekCounts[]; data: [number[], number[], number[], number[]] } {
  const rows = weeks.filter((w) => w.purpose === purpose).sort((a, b) => a.start.localeCompare(b.start));
  return {
    rows,
    data: [
      rows.map((w) => Date.parse(`${w.start}T00:00:00Z`) / 1000),
      rows.map((w) => w.granted),
      rows.map((w) => w.pending),
      rows.map((w) => w.withdrawn),
    ],
  };
}

/** An address's state for one purpose: a grant counts once confirmed, and until then it is pending. */
export function consentState(entry: { granted: boolean; pending?: boolean }): 'granted' | 'pending' | 'withdrawn' {
  if (entry.granted) return entry.pending ? 'pending' : 'granted';
  return 'withdrawn';
}
