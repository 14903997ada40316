/**
 * @module cache/response-cache
 * Caches validated outputs of endpoints whose definition sets `cache.ttlSeconds`, keyed by
 * endpoint, version and input; and lets identical requests that arrive while the first is still
 * waiting for the provider share its call (single flight). Failures are never cached.
 */
import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { CallAbortedError } from '../resilience/call-aborted-error';

export type CacheResult = 'hit' | 'miss' | 'bypass' | 'off';

export interface ResponseCacheOptions {
  /** Most entries kept; the least recently used go first. Default 10000. */
  maxEntries?: number;
  /** Most bytes of JSON kept, all entries together. Default 64 MiB. */
  maxBytes?: number;
}

/** A call shared by identical requests; aborted only when every request waiting on it left. */
interface Flight<T> {
  promise: Promise<T>;
  controller: AbortController;
  waiting: number;
}

export class ResponseCache {
  readonly #entries: LRUCache<string, { json: string }>;
  readonly #flights = new Map<string, Flight<unknown>>();

  constructor(options: ResponseCacheOptions = {}) {
    this.#entries = new LRUCache({
      max: options.maxEntries ?? 10_000,
      maxSize: options.maxBytes ?? 64 * 1024 * 1024,
      sizeCalculation: (entry) => Math.max(1, entry.json.length),
    });
  }

  /** A stable key: the same endpoint version and an input equal as JSON (key order aside). */
  static key(endpoint: string, version: number, input: unknown): string {
    const hash = createHash('sha256').update(canonicalJson(input)).digest('base64url');
    return `${endpoint}@${version}:${hash}`;
  }

  get(key: string): unknown {
    const entry = this.#entries.get(key);
    return entry === undefined ? undefined : JSON.parse(entry.json);
  }

  set(key: string, value: unknown, ttlSeconds: number): void {
    this.#entries.set(key, { json: JSON.stringify(value) }, { ttl: ttlSeconds * 1000 });
  }

  /**
   * Runs `call` once for all concurrent callers of the same key. Each caller passes its own
   * signal; the shared call is aborted only when all of them have aborted.
   */
  async shared<T>(key: string, signal: AbortSignal, call: (signal: AbortSignal) => Promise<T>) {
    let flight = this.#flights.get(key) as Flight<T> | undefined;
    const leader = flight === undefined;
    if (!flight) {
      const controller = new AbortController();
      const promise = call(controller.signal).finally(() => this.#flights.delete(key));
      flight = { promise, controller, waiting: 0 };
      this.#flights.set(key, flight as Flight<unknown>);
    }

    const current = flight;
    current.waiting += 1;
    const leave = () => {
      current.waiting -= 1;
      if (current.waiting === 0) current.controller.abort(signal.reason);
    };
    let onAbort = () => {};
    const aborted = new Promise<never>((_resolve, reject) => {
      onAbort = () => {
        leave();
        reject(new CallAbortedError(signal.reason));
      };
    });
    if (signal.aborted) onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      return { value: await Promise.race([current.promise, aborted]), leader };
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }
}

/** JSON with object keys sorted, so `{a, b}` and `{b, a}` share a key. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    return Object.fromEntries(
      Object.keys(v as object)
        .sort()
        .map((k) => [k, (v as Record<string, unknown>)[k]]),
    );
  });
}
