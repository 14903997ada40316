/**
 * @module providers/attempt-signal
 * The signal of one provider request: aborted by the caller's signal or by the attempt's own
 * time limit, telling afterwards which of the two it was.
 */

export interface AttemptSignal {
  signal: AbortSignal;
  /** Whether the caller aborted, or the time limit ran out (only one of them is true). */
  why(): { aborted: boolean; timedOut: boolean };
  /** Clears the timer and the listener; call once the request has ended. */
  dispose(): void;
}

/** @param timeoutMs time limit of the request, body included, in ms */
export function attemptSignal(caller: AbortSignal | undefined, timeoutMs: number): AttemptSignal {
  const controller = new AbortController();
  const onAbort = () => controller.abort(caller?.reason);
  caller?.addEventListener('abort', onAbort, { once: true });
  const timer = setTimeout(() => controller.abort(), timeoutMs);

  return {
    signal: controller.signal,
    why() {
      const aborted = caller?.aborted === true;
      return { aborted, timedOut: !aborted && controller.signal.aborted };
    },
    dispose() {
      clearTimeout(timer);
      caller?.removeEventListener('abort', onAbort);
    },
  };
}
