/**
 * @module resilience/backoff
 * The delay between two attempts at the same provider. Pure: randomness is an argument.
 */

export interface BackoffOptions {
  /** Delay before the second attempt, before jitter, in ms. */
  initialDelayMs: number;
  /** Cap of every delay, in ms. */
  maxDelayMs: number;
}

/**
 * Capped exponential backoff with "equal jitter": the ceiling is
 * `min(maxDelayMs, initialDelayMs * 2^attemptIndex)` and the delay is drawn uniformly from
 * `[ceiling / 2, ceiling]`. Half the ceiling is kept so a retry never comes at once (full jitter
 * can draw 0 and hammer a provider that just said it is overloaded); the other half spreads
 * clients that failed together so they do not come back together.
 *
 * @param attemptIndex 0 for the wait after the first attempt, 1 after the second, ...
 * @param random a number in [0, 1); default `Math.random`
 * @returns whole ms in `[0, maxDelayMs]`
 */
export function backoffDelay(
  attemptIndex: number,
  options: BackoffOptions,
  random: () => number = Math.random,
): number {
  const cap = Math.max(0, options.maxDelayMs);
  const initial = Math.max(0, options.initialDelayMs);
  const exponent = Math.max(0, Math.floor(attemptIndex));

  const ceiling = Math.min(cap, initial * 2 ** Math.min(exponent, 52));

  const share = Math.min(1, Math.max(0, random()));
  const delay = ceiling / 2 + (ceiling / 2) * share;
  return Math.min(cap, Math.max(0, Math.round(delay)));
}
