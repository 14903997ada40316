import { backoffDelay } from '../../src/resilience/backoff';

const SETTINGS = { initialDelayMs: 100, maxDelayMs: 1000 };

describe('backoffDelay', () => {
  it('doubles the ceiling with every attempt', () => {
    const top = () => 1 - Number.EPSILON;
    expect([0, 1, 2, 3].map((i) => backoffDelay(i, SETTINGS, top))).toEqual([100, 200, 400, 800]);
  });

  it('keeps at least half the ceiling', () => {
    expect([0, 1, 2].map((i) => backoffDelay(i, SETTINGS, () => 0))).toEqual([50, 100, 200]);
  });

  it('never exceeds maxDelayMs, however many attempts', () => {
    for (const index of [4, 10, 60, 1000, Number.MAX_SAFE_INTEGER]) {
      expect(backoffDelay(index, SETTINGS, () => 0.999)).toBeLessThanOrEqual(1000);
      expect(backoffDelay(index, SETTINGS, () => 0)).toBe(500);
    }
  });

  it('stays within bounds for random jitter', () => {
    for (let i = 0; i < 1000; i += 1) {
      const delay = backoffDelay(i % 8, SETTINGS);
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThanOrEqual(1000);
      expect(Number.isInteger(delay)).toBe(true);
    }
  });

  it('never goes below 0 for odd inputs', () => {
    expect(backoffDelay(-3, SETTINGS, () => 0.5)).toBe(75);
    expect(backoffDelay(0, { initialDelayMs: -5, maxDelayMs: -1 }, () => 0.5)).toBe(0);
    expect(backoffDelay(2, SETTINGS, () => 7)).toBe(400);
    expect(backoffDelay(2, SETTINGS, () => -7)).toBe(200);
  });

  it('is 0 when the initial delay is 0', () => {
    expect(backoffDelay(5, { initialDelayMs: 0, maxDelayMs: 1000 })).toBe(0);
  });
});
