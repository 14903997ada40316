/**
 * @module providers/upstream-failure
 * The one error a single provider request fails with. `src/resilience/` decides from `kind`,
 * `status` and `retryAfterMs` whether to retry, wait or move on; the HTTP layer never sees it.
 */
import type { AttemptOutcome } from './types';

/** Why one provider request failed; the failed outcomes of an `AttemptRecord`. */
export type UpstreamFailureKind = Exclude<AttemptOutcome, 'ok'>;

/** HTTP statuses worth another attempt at the same provider (API.md section 6). */
const RETRYABLE_STATUSES = new Set([408, 409, 429, 500, 502, 503, 504, 529]);

export interface UpstreamFailureOptions {
  /** The upstream HTTP status, for `http_error`. */
  status?: number;
  /** The provider's own wait (`retry-after-ms` or `Retry-After`), in ms. */
  retryAfterMs?: number;
  /** The original error, for logs. It never holds a raw upstream body. */
  cause?: unknown;
}

/**
 * One failed provider request. Its message is a short sentence naming the provider and model;
 * upstream bodies never appear in it.
 */
export class UpstreamFailure extends Error {
  readonly kind: UpstreamFailureKind;
  readonly status?: number;
  readonly retryAfterMs?: number;
  /** Whether the same provider may be asked again. */
  readonly retryable: boolean;
  /** Brand that survives duplicate module copies, unlike `instanceof`. */
  readonly isUpstreamFailure = true;

  constructor(kind: UpstreamFailureKind, message: string, options: UpstreamFailureOptions = {}) {
    super(message, { cause: options.cause });
    this.name = 'UpstreamFailure';
    this.kind = kind;
    this.status = options.status;
    this.retryAfterMs = options.retryAfterMs;
    this.retryable = isRetryable(kind, options.status);
  }
}

/** Retried: connection failures, timeouts, invalid completions and the statuses above. */
export function isRetryable(kind: UpstreamFailureKind, status?: number): boolean {
  if (kind === 'aborted') return false;

  if (kind !== 'http_error') return true;

  return status !== undefined && RETRYABLE_STATUSES.has(status);
}

export function isUpstreamFailure(value: unknown): value is UpstreamFailure {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as UpstreamFailure).isUpstreamFailure === true
  );
}
