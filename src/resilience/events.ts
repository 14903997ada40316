/**
 * @module resilience/events
 * What the retry loop reports. Resilience code never logs: the HTTP layer subscribes through
 * `onEvent` and turns these into log fields and metrics.
 */
import type { UpstreamFailureKind } from '../providers/upstream-failure';

/** Why a candidate (provider and model) was left. */
export type GiveUpReason =
  /** Its provider is not in the configuration; no request was made. */
  | 'not_configured'
  /** Its provider's circuit is open; no (further) request was made. */
  | 'circuit_open'
  /** A failure that another attempt would not fix (a 4xx other than 408, 409, 429). */
  | 'not_retryable'
  /** `maxAttempts` attempts failed. */
  | 'exhausted'
  /** The provider asked for a wait (`retry-after-ms`, `Retry-After`) longer than the time left. */
  | 'wait_exceeds_deadline'
  /** No time was left for another attempt or backoff delay. */
  | 'deadline'
  /** The caller's signal aborted. */
  | 'aborted';

interface TargetFields {
  /** Provider name. */
  provider: string;
  /** Model name sent to the provider. */
  model: string;
  purpose: 'call' | 'repair';
}

/** One provider request starts; `attempt` counts from 1 per candidate. */
export interface AttemptEvent extends TargetFields {
  type: 'attempt';
  attempt: number;
  /** Time limit of this request, in ms. */
  timeoutMs: number;
}

/** An attempt failed and the same candidate is tried again after `delayMs`. */
export interface RetryEvent extends TargetFields {
  type: 'retry';
  /** The attempt that failed. */
  attempt: number;
  reason: UpstreamFailureKind;
  /** Upstream HTTP status of the failed attempt, when one came. */
  status?: number;
  /** Wait before the next attempt, in ms. */
  delayMs: number;
  /** `provider` when the provider's own wait replaced the backoff. */
  delaySource: 'backoff' | 'provider';
}

/** The candidate is left; the next fallback, if any, comes next. */
export interface GiveUpEvent extends TargetFields {
  type: 'give_up';
  /** Attempts made at this candidate. */
  attempts: number;
  reason: GiveUpReason;
  /** Kind of the last failure, when a request was made. */
  failure?: UpstreamFailureKind;
  status?: number;
}

/** A valid completion arrived. */
export interface SuccessEvent extends TargetFields {
  type: 'success';
  attempt: number;
  /** Duration of the successful request, in ms. */
  durationMs: number;
}

export type ResilienceEvent = AttemptEvent | RetryEvent | GiveUpEvent | SuccessEvent;
