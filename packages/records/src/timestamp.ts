/**
 * Calendar validity of the schemas' `Timestamp` strings. The schema's pattern
 * allows any day 01–31 in any month (a JSON Schema pattern cannot know month
 * lengths), and `Date.parse` rolls `2026-11-31` over to 1 December; this says
 * whether the date really exists. Used after the schema by `verifyRecord`
 * and `signRecord`.
 */
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d{1,9})?Z$/;

/** True when `text` is a `Timestamp` naming a day that exists in the Gregorian calendar. */
export function isCalendarTimestamp(text: string): boolean {
  const m = TIMESTAMP.exec(text);
  if (!m) return false;
  const [year, month, day, hour, minute, second] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, 0);
  return (
    date.getUTCFullYear() === year &&
    date.getUTCMonth() === month - 1 &&
    date.getUTCDate() === day &&
    date.getUTCHours() === hour &&
    date.getUTCMinutes() === minute &&
    date.getUTCSeconds() === second
  );
}
