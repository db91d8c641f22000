/**
 * Finnish non-working days for deadlines: when a time limit ends on one of
 * them it moves to the next working day (Regulation 1182/71 Art. 3(4) for the
 * GDPR's month; in Finland the Act on the Calculation of Statutory Time Limits,
 * 150/1930, names the same days: Saturdays, Sundays, public holidays, May Day,
 * Independence Day, Midsummer Eve and Christmas Eve).
 */

const day = 86_400_000;

/** Finland's time zone: the receipts' due dates, the mails' times and the console's days are Finnish. */
export const FINNISH_TIME_ZONE = 'Europe/Helsinki';

const dayFormats = new Map<string, Intl.DateTimeFormat>();

/** `YYYY-MM-DD` of `instant` in `timeZone` (Finnish by default). */
export function localDay(instant: Date, timeZone = FINNISH_TIME_ZONE): string {
  let format = dayFormats.get(timeZone);
  if (!format) dayFormats.set(timeZone, (format = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' })));
  const parts = Object.fromEntries(format.formatToParts(instant).map((p) => [p.type, p.value]));
  return `${parts.year}-${parts.month}-${parts.day}`;
}

/** Easter Sunday of a Gregorian year (the anonymous Gregorian algorithm), as UTC midnight. */
export function easterSunday(year: number): Date {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const date = ((h + l - 7 * m + 114) % 31) + 1;
  return new Date(Date.UTC(year, month - 1, date));
}

/** `YYYY-MM-DD` of a UTC-midnight date. */
const iso = (date: Date): string => date.toISOString().slice(0, 10);

/** The Finnish weekday holidays of a year (the ones that can fall on Monday–Friday). */
export function finnishHolidays(year: number): Map<string, string> {
  const easter = easterSunday(year).getTime();
  const at = (offset: number) => iso(new Date(easter + offset * day));
  const fixed = (month: number, date: number) => iso(new Date(Date.UTC(year, month - 1, date)));
  // Midsummer Eve is the Friday between 19 and 25 June.
  const june19 = new Date(Date.UTC(year, 5, 19));
  const midsummerEve = iso(new Date(june19.getTime() + ((5 - june19.getUTCDay() + 7) % 7) * day));
  return new Map([
    [fixed(1, 1), 'uudenvuodenpäivä'],
    [fixed(1, 6), 'loppiainen'],
    [at(-2), 'pitkäperjantai'],
    [at(1), 'toinen pääsiäispäivä'],
    [fixed(5, 1), 'vappu'],
    [at(39), 'helatorstai'],
    [midsummerEve, 'juhannusaatto'],
    [fixed(12, 6), 'itsenäisyyspäivä'],
    [fixed(12, 24), 'jouluaatto'],
    [fixed(12, 25), 'joulupäivä'],
    [fixed(12, 26), 'tapaninpäivä'],
  ]);
}

/** True for a Saturday, a Sunday or a Finnish holiday; `date` is `YYYY-MM-DD`. */
export function isFinnishNonWorkingDay(date: string): boolean {
  const utc = new Date(`${date}T00:00:00Z`);
  const weekday = utc.getUTCDay();
  return weekday === 0 || weekday === 6 || finnishHolidays(utc.getUTCFullYear()).has(date);
}

/** `date` itself when it is a working day, else the next working day after it. */
export function nextFinnishWorkingDay(date: string): string {
  let current = new Date(`${date}T00:00:00Z`);
  while (isFinnishNonWorkingDay(iso(current))) current = new Date(current.getTime() + day);
  return iso(current);
}
