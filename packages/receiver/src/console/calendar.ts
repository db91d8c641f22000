/**
 * The one calendar the console counts days on: the receipts' due dates are
 * set in Finnish time (`receiver.ts` countersigns with `Europe/Helsinki`), so
 * "today", days left and the digest's day are Finnish days too.
 */
import { FINNISH_TIME_ZONE, nextFinnishWorkingDay } from '../records/calendar.js';

export const RECEIVER_TIME_ZONE = FINNISH_TIME_ZONE;

const formats = new Map<string, Intl.DateTimeFormat>();

/** The hour (0–23) of `instant` in `timeZone`. */
export function localHour(instant: Date, timeZone = RECEIVER_TIME_ZONE): number {
  let format = formats.get(`${timeZone} hour`);
  if (!format) formats.set(`${timeZone} hour`, (format = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', hourCycle: 'h23' })));
  return Number(format.formatToParts(instant).find((p) => p.type === 'hour')?.value ?? 0);
}

/**
 * The date an answer extended by `months` further months (GDPR Art. 12(3)) is due: the same day
 * that many months after `dueBy` (or that month's last day), moved to the next working day.
 */
export function extendedDue(dueBy: string, months = 2): string {
  const [year, month, day] = dueBy.split('-').map(Number) as [number, number, number];
  const first = new Date(Date.UTC(year, month - 1 + months, 1));
  const last = new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + 1, 0)).getUTCDate();
  first.setUTCDate(Math.min(day, last));
  return nextFinnishWorkingDay(first.toISOString().slice(0, 10));
}
