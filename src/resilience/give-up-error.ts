/**
 * @module resilience/give-up-error
 * Turns the way every candidate was left into the one `AppError` the client gets
 * (API.md sections 5 and 6). Details name provider, model and upstream status, never a body.
 */
import { AppError } from '../errors/app-error';
import type { ModelTarget } from '../definitions/types';
import type { UpstreamFailure } from '../providers/upstream-failure';
import type { GiveUpReason } from './events';

/** How one candidate ended without a completion. */
export interface CandidateOutcome {
  target: ModelTarget;
  reason: GiveUpReason;
  /** Requests made to this candidate. */
  attempts: number;
  /** The last failure, when a request was made. */
  failure?: UpstreamFailure;
  /**
   * The backoff the next attempt would have waited (for an open circuit: the time until its
   * trial), in ms; the `Retry-After` when the provider gave none.
   */
  nextDelayMs: number;
}

const OVERLOADED_STATUSES = new Set([503, 529]);

/**
 * The error for a call whose candidates all failed, decided by the last candidate that was
 * actually tried: 429 `rate_limited` for a 429; 503 `upstream_unavailable` for a 503 or 529 whose
 * wait did not fit the deadline, when every candidate's circuit is open, or when no candidate's
 * provider is configured; 504
 * `upstream_timeout` for a timeout or a deadline that left no time to try; else 502
 * `upstream_error`.
 */
export function giveUpError(outcomes: CandidateOutcome[]): AppError {
  const tried = outcomes.filter((outcome) => !isSkipped(outcome));
  const last = tried[tried.length - 1];
  const open = outcomes.filter((outcome) => outcome.reason === 'circuit_open');
  if (!last && open.length > 0) return circuitOpenError(open);

  if (!last) return notConfiguredError(outcomes);

  const total = tried.reduce((sum, outcome) => sum + outcome.attempts, 0);
  const failure = last.failure;
  if (!failure) {
    const detail = `The deadline ran out before ${describe(last.target)} could be tried.`;
    return new AppError('upstream_timeout', `${detail} ${attemptsSentence(total)}`);
  }

  const detail = `${failure.message} ${attemptsSentence(total)}`;
  const options = { cause: failure };
  if (failure.kind === 'timeout') return new AppError('upstream_timeout', detail, options);

  if (failure.status === 429) {
    return new AppError('rate_limited', detail, { ...options, headers: retryAfter(last) });
  }

  if (OVERLOADED_STATUSES.has(failure.status ?? 0) && last.reason === 'wait_exceeds_deadline') {
    return new AppError('upstream_unavailable', detail, { ...options, headers: retryAfter(last) });
  }

  return new AppError('upstream_error', detail, options);
}

/** Left before any request: its provider is not configured or its circuit is open. */
function isSkipped(outcome: CandidateOutcome): boolean {
  const skippable = outcome.reason === 'not_configured' || outcome.reason === 'circuit_open';
  return skippable && outcome.attempts === 0;
}

/** Every configured candidate is behind an open circuit: retry when the first one half-opens. */
function circuitOpenError(open: CandidateOutcome[]): AppError {
  const names = open.map((outcome) => describe(outcome.target)).join(', ');
  const waitMs = Math.min(...open.map((outcome) => outcome.nextDelayMs));
  const detail = `Skipped after repeated failures, the circuit is open: ${names}.`;
  return new AppError('upstream_unavailable', detail, {
    headers: { 'Retry-After': String(Math.max(1, Math.ceil(waitMs / 1000))) },
  });
}

function notConfiguredError(outcomes: CandidateOutcome[]): AppError {
  const names = outcomes.map((outcome) => describe(outcome.target)).join(', ');
  const detail = names
    ? `No provider is configured for ${names}.`
    : 'No provider is configured: the endpoint names no model.';
  return new AppError('upstream_unavailable', detail);
}

/** `Retry-After` in whole seconds, rounded up: the provider's wait, else the next backoff. */
function retryAfter(outcome: CandidateOutcome): Record<string, string> {
  const ms = outcome.failure?.retryAfterMs ?? outcome.nextDelayMs;
  return { 'Retry-After': String(Math.max(0, Math.ceil(ms / 1000))) };
}

function describe(target: ModelTarget): string {
  return `provider "${target.provider}" (model "${target.name}")`;
}

function attemptsSentence(total: number): string {
  return `Gave up after ${total} attempt${total === 1 ? '' : 's'}.`;
}
