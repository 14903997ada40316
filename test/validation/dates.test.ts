import { isRfc3339 } from '../../src/validation/dates';

describe('isRfc3339', () => {
  it('takes date-times with an offset, and full dates only when allowed', () => {
    expect(isRfc3339('2030-01-31T12:00:00Z')).toBe(true);
    expect(isRfc3339('2030-01-31T12:00:00.250+02:00')).toBe(true);
    expect(isRfc3339('2030-01-31')).toBe(false);
    expect(isRfc3339('2030-01-31', { dateAllowed: true })).toBe(true);
  });

  it('refuses dates that do not exist, times without offset, and non-strings', () => {
    for (const text of [
      '2030-02-30T00:00:00Z',
      '2030-13-01T00:00:00Z',
      '2030-01-01T00:00:00',
      '1969-12-31T00:00:00Z',
    ]) {
      expect(isRfc3339(text)).toBe(false);
    }
    expect(isRfc3339('2029-02-29', { dateAllowed: true })).toBe(false);
    expect(isRfc3339('2028-02-29', { dateAllowed: true })).toBe(true);
    expect(isRfc3339(20300101)).toBe(false);
  });
});
