import { parseRetryAfter } from '../../src/resilience/retry-after';

const NOW = Date.parse('2025-01-01T00:00:00Z');

describe('parseRetryAfter', () => {
  it('reads retry-after-ms as milliseconds', () => {
    expect(parseRetryAfter(new Headers({ 'retry-after-ms': '1500' }), NOW)).toBe(1500);
  });

  it('prefers retry-after-ms over Retry-After', () => {
    const headers = new Headers({ 'retry-after-ms': '20', 'retry-after': '5' });
    expect(parseRetryAfter(headers, NOW)).toBe(20);
  });

  it('reads Retry-After seconds, fractions included', () => {
    expect(parseRetryAfter({ 'Retry-After': '2' }, NOW)).toBe(2000);
    expect(parseRetryAfter({ 'retry-after': '0.5' }, NOW)).toBe(500);
  });

  it('reads Retry-After as an HTTP date relative to now', () => {
    const at = new Date(NOW + 30_000).toUTCString();
    expect(parseRetryAfter({ 'retry-after': at }, NOW)).toBe(30_000);
  });

  it('counts a date in the past as no wait', () => {
    const at = new Date(NOW - 30_000).toUTCString();
    expect(parseRetryAfter({ 'retry-after': at }, NOW)).toBe(0);
  });

  it('falls back to Retry-After when retry-after-ms is garbage', () => {
    const headers = { 'retry-after-ms': 'soon', 'retry-after': '3' };
    expect(parseRetryAfter(headers, NOW)).toBe(3000);
  });

  it.each(['-1', '', '  ', 'abc', '1e3', '0x10', 'Infinity', '1s', 'Mon, 99 Foo 2025'])(
    'ignores %p',
    (value) => {
      expect(parseRetryAfter({ 'retry-after': value }, NOW)).toBeUndefined();
      expect(parseRetryAfter({ 'retry-after-ms': value }, NOW)).toBeUndefined();
    },
  );

  it('answers undefined without headers', () => {
    expect(parseRetryAfter(undefined, NOW)).toBeUndefined();
    expect(parseRetryAfter(new Headers(), NOW)).toBeUndefined();
  });

  it('takes the first value of a repeated header', () => {
    expect(parseRetryAfter({ 'retry-after': ['4', '9'] }, NOW)).toBe(4000);
  });
});
