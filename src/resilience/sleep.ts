/**
 * @module resilience/sleep
 * A timer that an `AbortSignal` cuts short.
 */

/**
 * Resolve after `ms`, or reject with the signal's reason as soon as it aborts.
 *
 * @param ms wait in ms; 0 or less resolves on the next macrotask
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);

    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(
      () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      },
      Math.max(0, ms),
    );
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
