/**
 * @module resilience/retry-after
 * Reads a provider's own wait from its response headers. Pure: the clock is an argument.
 */

/** Header lookup that works for `Headers`, plain objects and missing headers alike. */
export type HeaderSource =
  | { get(name: string): string | null | undefined }
  | Record<string, string | string[] | undefined>
  | undefined;

/**
 * The provider's wait in ms: `retry-after-ms` (milliseconds, a non-standard header OpenAI sends)
 * first, else `Retry-After` as delta-seconds or an HTTP date relative to `now`. Negative, empty or
 * unparsable values are ignored; a date in the past counts as 0.
 *
 * @param headers response headers, any case
 * @param now epoch ms the HTTP date is measured from; default `Date.now()`
 * @returns the wait in ms, or undefined when the provider gave none
 */
export function parseRetryAfter(
  headers: HeaderSource,
  now: number = Date.now(),
): number | undefined {
  const ms = parseNumber(readHeader(headers, 'retry-after-ms'));
  if (ms !== undefined) return ms;

  const value = readHeader(headers, 'retry-after');
  if (value === undefined) return undefined;

  const seconds = parseNumber(value);
  if (seconds !== undefined) return seconds * 1000;

  return parseHttpDate(value, now);
}

function readHeader(headers: HeaderSource, name: string): string | undefined {
  if (!headers) return undefined;

  if (typeof headers.get === 'function') {
    return (headers as { get(name: string): string | null | undefined }).get(name) ?? undefined;
  }

  const record = headers as Record<string, string | string[] | undefined>;
  const key = Object.keys(record).find((k) => k.toLowerCase() === name);
  const value = key === undefined ? undefined : record[key];
  return Array.isArray(value) ? value[0] : value;
}

/** A non-negative finite decimal number, nothing else (no hex, no units, no sign games). */
function parseNumber(value: string | undefined): number | undefined {
  const text = value?.trim();
  if (!text || !/^\d+(\.\d+)?$/.test(text)) return undefined;

  const number = Number(text);
  return Number.isFinite(number) ? number : undefined;
}

/** RFC 9110 HTTP date; the three accepted formats all parse with `Date.parse`. */
function parseHttpDate(value: string, now: number): number | undefined {
  if (!/[a-z]/i.test(value)) return undefined;

  const at = Date.parse(value);
  if (Number.isNaN(at)) return undefined;

  return Math.max(0, at - now);
}
