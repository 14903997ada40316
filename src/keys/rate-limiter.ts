/**
 * @module keys/rate-limiter
 * A fixed-window counter per key, in this process's memory: with several instances each
 * enforces the limit on its own share of the traffic.
 */

export interface FixedWindowOptions {
  /** Window length in ms. */
  windowMs: number;
  now?: () => number;
}

export class FixedWindowLimiter {
  readonly #windowMs: number;
  readonly #now: () => number;
  readonly #windows = new Map<string, { start: number; count: number }>();

  constructor(options: FixedWindowOptions) {
    this.#windowMs = options.windowMs;
    this.#now = options.now ?? Date.now;
  }

  /** Counts `cost` calls for `id`; returns 0 when allowed, else the ms until the window resets. */
  take(id: string, limit: number, cost = 1): number {
    const now = this.#now();
    const start = now - (now % this.#windowMs);
    let window = this.#windows.get(id);
    if (!window || window.start !== start) {
      window = { start, count: 0 };
      this.#windows.set(id, window);
      if (this.#windows.size > 100_000) this.#dropOld(start);
    }
    if (window.count + cost > limit) return start + this.#windowMs - now;
    window.count += cost;
    return 0;
  }

  #dropOld(current: number): void {
    for (const [id, window] of this.#windows)
      if (window.start !== current) this.#windows.delete(id);
  }
}
