/**
 * @module validation/dates
 * RFC 3339 dates as the admin API takes them (sunsets, key expiry): real calendar dates, from
 * 1970 on, and date-times with their offset (so they mean one instant wherever they are read).
 */

const FULL_DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;

/** Whether `text` is an RFC 3339 date-time, or also a full-date when `dateAllowed`. */
export function isRfc3339(text: unknown, options: { dateAllowed?: boolean } = {}): boolean {
  if (typeof text !== 'string') return false;
  const shaped = DATE_TIME.test(text) || (options.dateAllowed === true && FULL_DATE.test(text));
  return shaped && isRealDate(text);
}

/** A calendar date that exists (no 30 February), from year 1970 on. */
function isRealDate(text: string): boolean {
  const time = Date.parse(text);
  if (Number.isNaN(time) || time < 0) return false;
  const [year, month, day] = [+text.slice(0, 4), +text.slice(5, 7), +text.slice(8, 10)];
  const date = new Date(Date.UTC(year, month - 1, day));
  return (
    date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day
  );
}
