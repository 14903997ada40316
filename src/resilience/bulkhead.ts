/**
 * @module resilience/bulkhead
 * A counting semaphore: at most `limit` tasks run at once, the rest wait in arrival order.
 * Batch items go through one shared bulkhead so a large batch cannot starve other callers.
 */

export class Bulkhead {
  readonly #limit: number;
  readonly #waiting: Array<() => void> = [];
  #running = 0;

  /** @param limit tasks allowed to run at once; at least 1 */
  constructor(limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new TypeError('limit must be an integer >= 1');
    this.#limit = limit;
  }

  get running(): number {
    return this.#running;
  }

  get waiting(): number {
    return this.#waiting.length;
  }

  /** Runs `task` once a slot is free; the slot is released however the task ends. */
  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#running >= this.#limit) {
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    } else {
      this.#running += 1;
    }

    try {
      return await task();
    } finally {
      const next = this.#waiting.shift();
      // A waiter inherits the slot, so `running` stays the same.
      if (next) next();
      else this.#running -= 1;
    }
  }
}

/** Maps `items` through `task` with at most `concurrency` in flight, keeping their order. */
export async function mapConcurrent<T, R>(
  items: T[],
  concurrency: number,
  task: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index], index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}
