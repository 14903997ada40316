/**
 * @module keys/consumer-keys
 * Consumer keys: made here, shown once, stored only as a SHA-256 hash, and checked on every
 * generated-endpoint call with a per-key limit of calls per minute.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { AppError } from '../errors/app-error';
import type { ConsumerKey, EndpointStore } from '../storage/store';
import { FixedWindowLimiter } from './rate-limiter';

/** Secrets start with this, so that scanners and people can tell what leaked. */
export const KEY_PREFIX = 'pgk_';

export interface NewKeyRequest {
  name: string;
  endpoints?: string[];
  rateLimit?: { requestsPerMinute: number };
  expiresAt?: string;
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** A key record and its secret, which exists only in this return value. */
export function makeKey(
  request: NewKeyRequest,
  now = new Date(),
): { key: ConsumerKey; secret: string } {
  const secret = `${KEY_PREFIX}${randomBytes(24).toString('base64url')}`;
  const key: ConsumerKey = {
    id: randomUUID(),
    name: request.name,
    prefix: secret.slice(0, KEY_PREFIX.length + 6),
    hash: hashSecret(secret),
    endpoints: request.endpoints ?? null,
    requestsPerMinute: request.rateLimit?.requestsPerMinute ?? null,
    expiresAt: request.expiresAt ? new Date(request.expiresAt).toISOString() : null,
    createdAt: now.toISOString(),
    revokedAt: null,
  };
  return { key, secret };
}

export interface KeyCheckOptions {
  /** How long a looked-up key is trusted before the store is asked again, in ms. Default 5000. */
  cacheMs?: number;
  now?: () => number;
}

/** Checks consumer keys against the store, with a short cache so calls do not query it each time. */
export class KeyChecker {
  readonly #store: EndpointStore;
  readonly #cache: LRUCache<string, { key: ConsumerKey | null }>;
  readonly #limiter: FixedWindowLimiter;
  readonly #now: () => number;

  constructor(store: EndpointStore, options: KeyCheckOptions = {}) {
    this.#store = store;
    this.#now = options.now ?? Date.now;
    this.#cache = new LRUCache({ max: 10_000, ttl: options.cacheMs ?? 5000 });
    this.#limiter = new FixedWindowLimiter({ windowMs: 60_000, now: this.#now });
  }

  /** Forgets cached lookups, e.g. after a key was revoked through this instance. */
  forget(): void {
    this.#cache.clear();
  }

  /**
   * Throws 401 for an unknown, revoked or expired key, 403 for an endpoint it may not call and
   * 429 (with `Retry-After`) over its limit; returns the key's id. A batch costs one call per
   * input.
   */
  async check(secret: string, endpoint: string, cost = 1): Promise<string> {
    const key = await this.#lookup(hashSecret(secret));
    const expired =
      key?.expiresAt !== null && key !== null && Date.parse(key.expiresAt) <= this.#now();
    if (!key || key.revokedAt !== null || expired) {
      throw new AppError('unauthorized', 'The credential is unknown, revoked or expired.');
    }
    if (key.endpoints !== null && !key.endpoints.includes(endpoint)) {
      throw new AppError('forbidden', `This key may not call "${endpoint}".`);
    }
    if (key.requestsPerMinute !== null) {
      const waitMs = this.#limiter.take(key.id, key.requestsPerMinute, cost);
      if (waitMs > 0) {
        throw new AppError(
          'rate_limited',
          `This key allows ${key.requestsPerMinute} calls a minute.`,
          {
            headers: { 'Retry-After': String(Math.ceil(waitMs / 1000)) },
          },
        );
      }
    }
    return key.id;
  }

  async #lookup(hash: string): Promise<ConsumerKey | null> {
    const cached = this.#cache.get(hash);
    if (cached) return cached.key;
    const key = await this.#store.findKeyByHash(hash);
    this.#cache.set(hash, { key });
    return key;
  }
}
