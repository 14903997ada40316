/**
 * @module resilience/call-model
 * The retry loop of API.md section 6: every candidate (the primary, then each fallback) gets up
 * to `maxAttempts` requests within one shared deadline. Backoff comes from `backoff.ts`; a
 * provider's own wait replaces it when it fits the deadline and ends the candidate when it does
 * not. The loop reports through `onEvent` and never logs.
 */
import type { ModelTarget, RetrySettings } from '../definitions/types';
import { sendChat, type SendChatOptions } from '../providers/chat';
import type { Provider } from '../providers/registry';
import { isStreamInterrupted, type StreamInterruptedError } from '../providers/stream-chat';
import type { AttemptRecord, ChatRequest, Completion } from '../providers/types';
import { isUpstreamFailure, type UpstreamFailure } from '../providers/upstream-failure';
import { backoffDelay } from './backoff';
import { CallAbortedError } from './call-aborted-error';
import type { CircuitBreakers } from './circuit-breakers';
import type { GiveUpReason, ResilienceEvent } from './events';
import { giveUpError, type CandidateOutcome } from './give-up-error';
import { sleep as defaultSleep } from './sleep';

export interface CallModelOptions {
  /** Where candidates' providers are looked up; usually a `ProviderRegistry`. */
  registry: { get(name: string): Provider | undefined };
  /** The primary first, then the fallbacks in order. */
  candidates: ModelTarget[];
  /** The request without its model, which each candidate supplies. */
  request: Omit<ChatRequest, 'model'>;
  retry: RetrySettings;
  /** Absolute epoch ms by which the whole client call (repairs included) must be done. */
  deadlineAt: number;
  /** Aborts the loop and the request in flight; `callModel` rejects with `CallAbortedError`. */
  signal?: AbortSignal;
  /** One record is appended per provider request, failed ones included. */
  attempts: AttemptRecord[];
  /** Recorded on every attempt and event. Default `call`. */
  purpose?: 'call' | 'repair';
  onEvent?: (event: ResilienceEvent) => void;
  /** Waits between attempts. Default: a timer the signal cuts short. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Clock in epoch ms. Default `Date.now`. */
  now?: () => number;
  /** Jitter source in [0, 1). Default `Math.random`. */
  random?: () => number;
  /** Per-provider circuit breakers; an open provider is skipped. Default: none. */
  circuits?: CircuitBreakers;
  /**
   * Sends one request. Default `sendChat`. A send that has handed part of an answer on (a
   * stream) fails with a `StreamInterruptedError`: the attempt and the circuit record its failure,
   * then it leaves `callModel` as it is, with neither retry nor fallback.
   */
  send?: (
    provider: Provider,
    request: ChatRequest,
    options: SendChatOptions,
  ) => Promise<Completion>;
}

export interface CallModelResult {
  completion: Completion;
  /** Provider name of the candidate that answered. */
  provider: string;
  /** Model name of the candidate that answered. */
  model: string;
}

interface CallContext {
  options: CallModelOptions;
  purpose: 'call' | 'repair';
  emit: (event: ResilienceEvent) => void;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  now: () => number;
}

/**
 * Call the model with retries and fallbacks.
 *
 * @throws AppError (`rate_limited`, `upstream_unavailable`, `upstream_timeout`, `upstream_error`)
 *   when every candidate failed, see `giveUpError`
 * @throws CallAbortedError when `signal` aborted; no further request is made
 * @throws StreamInterruptedError as `send` threw it
 */
export async function callModel(options: CallModelOptions): Promise<CallModelResult> {
  const ctx: CallContext = {
    options,
    purpose: options.purpose ?? 'call',
    emit: options.onEvent ?? (() => undefined),
    sleep: options.sleep ?? defaultSleep,
    now: options.now ?? Date.now,
  };
  if (options.signal?.aborted) throw new CallAbortedError(options.signal.reason);

  const outcomes: CandidateOutcome[] = [];
  for (const target of options.candidates) {
    const result = await tryCandidate(ctx, target);
    if ('completion' in result) return result;

    outcomes.push(result);
    if (result.reason === 'deadline' && !result.failure) break;
  }

  throw giveUpError(outcomes);
}

async function tryCandidate(
  ctx: CallContext,
  target: ModelTarget,
): Promise<CallModelResult | CandidateOutcome> {
  const { registry, circuits, retry, deadlineAt } = ctx.options;
  let failure: UpstreamFailure | undefined;
  let nextDelayMs = 0;
  const leave = (reason: GiveUpReason, attempts: number) =>
    giveUp(ctx, { target, reason, attempts, failure, nextDelayMs });

  const provider = registry.get(target.provider);
  if (!provider) return leave('not_configured', 0);

  for (let attempt = 1; ; attempt += 1) {
    const timeLeft = deadlineAt - ctx.now();
    if (timeLeft <= 0) return leave('deadline', attempt - 1);

    if (circuits && !circuits.tryAcquire(target.provider)) {
      if (!failure) nextDelayMs = circuits.msUntilTrial(target.provider);
      return leave('circuit_open', attempt - 1);
    }

    const timeoutMs = Math.min(retry.attemptTimeoutMs, timeLeft);
    const result = await attemptOnce(ctx, provider, target, { attempt, timeoutMs });
    if (!isUpstreamFailure(result)) {
      return { completion: result, provider: target.provider, model: target.name };
    }

    failure = result;
    const plan = planNext(ctx, failure, attempt);
    nextDelayMs = plan.backoffMs;
    if (plan.giveUp) return leave(plan.giveUp, attempt);

    emitRetry(ctx, target, { attempt, failure, plan });
    await pause(ctx, target, attempt, plan.delayMs);
  }
}

interface NextPlan {
  /** Set when the candidate is left now. */
  giveUp?: GiveUpReason;
  /** Wait before the next attempt, in ms. */
  delayMs: number;
  /** The backoff for the next attempt, whether or not the provider's wait replaced it, in ms. */
  backoffMs: number;
  fromProvider: boolean;
}

/** Decide between another attempt (after which wait) and leaving the candidate. */
function planNext(ctx: CallContext, failure: UpstreamFailure, attempt: number): NextPlan {
  const { retry, deadlineAt, random } = ctx.options;
  const backoffMs = backoffDelay(attempt - 1, retry, random);
  const fromProvider = failure.retryAfterMs !== undefined;
  const delayMs = failure.retryAfterMs ?? backoffMs;
  const fits = delayMs < deadlineAt - ctx.now();
  const plan = { delayMs, backoffMs, fromProvider };

  if (!failure.retryable) return { ...plan, giveUp: 'not_retryable' };

  if (fromProvider && !fits) return { ...plan, giveUp: 'wait_exceeds_deadline' };

  if (attempt >= retry.maxAttempts) return { ...plan, giveUp: 'exhausted' };

  if (!fits) return { ...plan, giveUp: 'deadline' };

  return plan;
}

function emitRetry(
  ctx: CallContext,
  target: ModelTarget,
  { attempt, failure, plan }: { attempt: number; failure: UpstreamFailure; plan: NextPlan },
) {
  ctx.emit({
    type: 'retry',
    ...targetFields(ctx, target),
    attempt,
    reason: failure.kind,
    status: failure.status,
    delayMs: plan.delayMs,
    delaySource: plan.fromProvider ? 'provider' : 'backoff',
  });
}

/** One provider request, recorded and reported; resolves with the completion or the failure. */
async function attemptOnce(
  ctx: CallContext,
  provider: Provider,
  target: ModelTarget,
  { attempt, timeoutMs }: { attempt: number; timeoutMs: number },
): Promise<Completion | UpstreamFailure> {
  const { request, signal, attempts } = ctx.options;
  const send = ctx.options.send ?? sendChat;
  const fields = targetFields(ctx, target);
  ctx.emit({ type: 'attempt', ...fields, attempt, timeoutMs });
  const startedAt = ctx.now();

  try {
    const completion = await send(
      provider,
      { ...request, model: target.name },
      { signal, timeoutMs },
    );
    ctx.options.circuits?.record(target.provider);
    const durationMs = ctx.now() - startedAt;
    attempts.push({ ...fields, outcome: 'ok', status: 200, durationMs });
    ctx.emit({ type: 'success', ...fields, attempt, durationMs });
    return completion;
  } catch (error) {
    const failure = isStreamInterrupted(error) ? error.failure : error;
    if (!isUpstreamFailure(failure)) throw error;

    ctx.options.circuits?.record(target.provider, failure);
    const durationMs = ctx.now() - startedAt;
    attempts.push({ ...fields, outcome: failure.kind, status: failure.status ?? null, durationMs });
    if (failure.kind === 'aborted') throw aborted(ctx, target, attempt);

    if (isStreamInterrupted(error)) throw interrupted(ctx, target, attempt, error);

    return failure;
  }
}

/** Part of the answer went out: no other attempt may follow, here or at a fallback. */
function interrupted(
  ctx: CallContext,
  target: ModelTarget,
  attempts: number,
  error: StreamInterruptedError,
): StreamInterruptedError {
  const { kind, status } = error.failure;
  const fields = targetFields(ctx, target);
  ctx.emit({
    type: 'give_up',
    ...fields,
    attempts,
    reason: 'not_retryable',
    failure: kind,
    status,
  });
  return error;
}

/** Wait before the next attempt; an abort ends the call at once. */
async function pause(ctx: CallContext, target: ModelTarget, attempt: number, delayMs: number) {
  try {
    await ctx.sleep(delayMs, ctx.options.signal);
  } catch (error) {
    if (!ctx.options.signal?.aborted) throw error;

    throw aborted(ctx, target, attempt);
  }

  if (ctx.options.signal?.aborted) throw aborted(ctx, target, attempt);
}

function aborted(ctx: CallContext, target: ModelTarget, attempts: number): CallAbortedError {
  ctx.emit({ type: 'give_up', ...targetFields(ctx, target), attempts, reason: 'aborted' });
  return new CallAbortedError(ctx.options.signal?.reason);
}

function giveUp(ctx: CallContext, outcome: CandidateOutcome): CandidateOutcome {
  ctx.emit({
    type: 'give_up',
    ...targetFields(ctx, outcome.target),
    attempts: outcome.attempts,
    reason: outcome.reason,
    failure: outcome.failure?.kind,
    status: outcome.failure?.status,
  });
  return outcome;
}

function targetFields(ctx: CallContext, target: ModelTarget) {
  return { provider: target.provider, model: target.name, purpose: ctx.purpose };
}
