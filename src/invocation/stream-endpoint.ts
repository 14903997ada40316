/**
 * @module invocation/stream-endpoint
 * One streamed call of a generated endpoint: `invokeEndpoint` with a first call whose requests
 * stream, their content deltas handed on as they arrive. The rest is the same: retries, fallbacks
 * and circuits, then the whole text interpreted and validated, and repairs (ordinary,
 * non-streamed calls) within the same deadline.
 *
 * A request that breaks before its first delta is retried like any other; one that breaks after
 * it is not, nor does a fallback follow: the receiver already holds part of an answer, so the call
 * ends with `upstream_error` (`upstream_timeout` when the attempt's time ran out).
 */
import { AppError } from '../errors/app-error';
import {
  isStreamInterrupted,
  streamChat,
  type StreamInterruptedError,
} from '../providers/stream-chat';
import type { AttemptRecord } from '../providers/types';
import type { CallModelOptions } from '../resilience/call-model';
import { invokeEndpoint, type InvocationResult, type InvokeOptions } from './invoke-endpoint';

export interface StreamEndpointOptions extends Omit<InvokeOptions, 'send'> {
  /**
   * Called with each non-empty content delta of the first call, in order. Deltas of an attempt
   * that failed before its first delta never reach it; repairs do not stream.
   */
  onDelta: (text: string) => void;
}

/**
 * Call the endpoint, streaming the first call's text.
 *
 * @returns what `invokeEndpoint` returns: the validated output, usage, model and finish reason
 * @throws AppError as `invokeEndpoint` does, and `upstream_error` or `upstream_timeout` for a
 *   stream that broke after its first delta
 * @throws CallAbortedError when `signal` aborted
 */
export async function streamEndpoint(options: StreamEndpointOptions): Promise<InvocationResult> {
  const { onDelta, ...invoke } = options;
  const send: CallModelOptions['send'] = (provider, request, sendOptions) =>
    streamChat(provider, request, { ...sendOptions, onDelta });

  try {
    return await invokeEndpoint({ ...invoke, send });
  } catch (error) {
    if (!isStreamInterrupted(error)) throw error;

    throw interruptedError(error, options.attempts);
  }
}

function interruptedError(error: StreamInterruptedError, attempts: AttemptRecord[]): AppError {
  const code = error.failure.kind === 'timeout' ? 'upstream_timeout' : 'upstream_error';
  const last = attempts[attempts.length - 1];
  const total = attempts.length;
  const detail = `${error.message} Not retried after ${total} attempt${total === 1 ? '' : 's'}.`;
  const extensions = last ? { model: `${last.provider}/${last.model}` } : undefined;
  return new AppError(code, detail, { cause: error, extensions });
}
