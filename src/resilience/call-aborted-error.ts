/**
 * @module resilience/call-aborted-error
 * Thrown by `callModel` when the caller's signal aborts: the client went away, so there is nobody
 * to answer and no problem document to write. Its `name` is `AbortError`, as for `fetch`.
 */

export class CallAbortedError extends Error {
  /** Brand that survives duplicate module copies, unlike `instanceof`. */
  readonly isCallAborted = true;

  constructor(reason?: unknown) {
    super('The model call was cancelled by its caller.', { cause: reason });
    this.name = 'AbortError';
  }
}

export function isCallAborted(value: unknown): value is CallAbortedError {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as CallAbortedError).isCallAborted === true
  );
}
