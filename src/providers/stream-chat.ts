/**
 * @module providers/stream-chat
 * One streamed chat-completion request to one provider: the same body as `sendChat` with
 * `stream: true`, each content delta handed on as it arrives, and the pieces put together into a
 * `Completion` at the end. Every failure is an `UpstreamFailure`, except one that comes after a
 * delta was handed on: that is a `StreamInterruptedError`, which `callModel` neither retries nor
 * moves past, since the receiver already holds part of an answer. Retrying is not done here.
 */
import { attemptSignal } from './attempt-signal';
import { buildBody, toUpstreamFailure, type SendChatOptions } from './chat';
import type { Provider } from './registry';
import type { ChatRequest, Completion, TokenUsage } from './types';
import { UpstreamFailure } from './upstream-failure';

export interface StreamChatOptions extends SendChatOptions {
  /**
   * Called with each non-empty content delta, in order. Once it has been called, a failure of
   * this request is thrown as a `StreamInterruptedError`.
   */
  onDelta: (text: string) => void;
}

/**
 * A streamed request failed after part of its answer was handed on. `failure` says why; the
 * attempt counts as failed (and for the circuit), but another attempt would repeat text the
 * receiver already has, so there is none.
 */
export class StreamInterruptedError extends Error {
  readonly failure: UpstreamFailure;
  /** Brand that survives duplicate module copies, unlike `instanceof`. */
  readonly isStreamInterrupted = true;

  constructor(failure: UpstreamFailure) {
    super(`${failure.message} The stream broke after part of the answer was sent.`, {
      cause: failure,
    });
    this.name = 'StreamInterruptedError';
    this.failure = failure;
  }
}

export function isStreamInterrupted(value: unknown): value is StreamInterruptedError {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as StreamInterruptedError).isStreamInterrupted === true
  );
}

const DEFAULT_TIMEOUT_MS = 30_000;

/** The usual rule of thumb for English text, used only when the provider reports no usage. */
const CHARS_PER_TOKEN = 4;

/**
 * Send one streamed chat completion request, without retrying. `timeoutMs` limits the whole
 * request, the last chunk included, exactly as `sendChat`'s does, so a streamed call gets the same
 * time budget as a non-streamed one. Usage comes from the final usage chunk
 * (`stream_options.include_usage`); a provider that sends none gets an estimate of one token per
 * four characters of prompt and reply.
 *
 * @returns the completion put together from the chunks
 * @throws UpstreamFailure for every failure before the first delta, the caller's abort included,
 *   and for an abort at any time
 * @throws StreamInterruptedError for any other failure after the first delta
 */
export async function streamChat(
  provider: Provider,
  request: ChatRequest,
  options: StreamChatOptions,
): Promise<Completion> {
  const label = `Provider "${provider.config.name}" (model "${request.model}")`;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (options.signal?.aborted) throw new UpstreamFailure('aborted', `${label} was cancelled.`);

  const attempt = attemptSignal(options.signal, timeoutMs);
  let delivered = false;
  const onDelta = (text: string) => {
    delivered = true;
    options.onDelta(text);
  };

  try {
    const stream = await provider.client.chat.completions.create(
      { ...buildBody(provider, request), stream: true, stream_options: { include_usage: true } },
      { signal: attempt.signal, timeout: timeoutMs, maxRetries: 0 },
    );
    return await readStream(stream, { request, label, onDelta, signal: attempt.signal });
  } catch (error) {
    const context = { label, ...attempt.why(), timeoutMs };
    const failure = toUpstreamFailure(chunkError(error, label), context);
    if (delivered && failure.kind !== 'aborted') throw new StreamInterruptedError(failure);

    throw failure;
  } finally {
    attempt.dispose();
  }
}

interface ReadContext {
  request: ChatRequest;
  label: string;
  onDelta: (text: string) => void;
  /** The request's own signal: the caller's abort or the timer. */
  signal: AbortSignal;
}

interface Accumulated {
  content: string;
  refusal: string | null;
  finishReason: string | null;
  usage: TokenUsage | null;
  model: string | null;
}

/**
 * Read every chunk. The SDK ends the iteration quietly when the request is aborted, hence the
 * signal check; a stream that ends without a `finish_reason` broke on the way.
 */
async function readStream(stream: AsyncIterable<unknown>, ctx: ReadContext): Promise<Completion> {
  const acc: Accumulated = {
    content: '',
    refusal: null,
    finishReason: null,
    usage: null,
    model: null,
  };

  let chunks = 0;
  for await (const chunk of stream) {
    chunks += 1;
    accept(acc, chunk, ctx);
  }

  if (ctx.signal.aborted) throw new Error('The stream was cut short by an abort.');

  // A 200 with no event at all is not a broken stream but some other answer (a plain JSON
  // completion from a provider that ignores `stream`, an HTML page): the provider did answer.
  if (chunks === 0) {
    throw new UpstreamFailure('invalid_response', `${ctx.label} answered without an event stream.`);
  }

  if (acc.finishReason === null) {
    const message = `${ctx.label} ended its stream before a finish_reason.`;
    throw new UpstreamFailure('connection_error', message);
  }

  return {
    content: acc.content,
    finishReason: acc.finishReason,
    refusal: acc.refusal,
    usage: acc.usage ?? estimateUsage(ctx.request, acc),
    model: acc.model ?? ctx.request.model,
  };
}

/** Fold one chunk into the accumulated completion; a chunk of another shape is invalid. */
function accept(acc: Accumulated, chunk: unknown, ctx: ReadContext): void {
  if (!isRecord(chunk) || !Array.isArray(chunk.choices)) throw invalidChunk(ctx.label);

  if (typeof chunk.model === 'string' && chunk.model) acc.model = chunk.model;

  if (isRecord(chunk.usage)) acc.usage = readUsage(chunk.usage);

  for (const choice of chunk.choices as unknown[]) {
    const delta = isRecord(choice) ? (choice.delta ?? {}) : undefined;
    if (!isRecord(choice) || !isRecord(delta)) throw invalidChunk(ctx.label);

    if ((choice.index ?? 0) !== 0) continue;

    const { content, refusal } = delta;
    const finishReason = choice.finish_reason;
    const wellTyped =
      isOptionalString(content) && isOptionalString(refusal) && isOptionalString(finishReason);
    if (!wellTyped) throw invalidChunk(ctx.label);

    if (typeof refusal === 'string') acc.refusal = (acc.refusal ?? '') + refusal;
    if (typeof finishReason === 'string' && finishReason) acc.finishReason = finishReason;
    if (typeof content === 'string' && content) {
      acc.content += content;
      ctx.onDelta(content);
    }
  }
}

/** A chunk whose `data` is not JSON surfaces from the SDK as a `SyntaxError`. */
function chunkError(error: unknown, label: string): unknown {
  if (!(error instanceof SyntaxError)) return error;

  return new UpstreamFailure('invalid_response', `${label} sent a stream chunk that is not JSON.`, {
    status: 200,
    cause: error,
  });
}

function invalidChunk(label: string): UpstreamFailure {
  const message = `${label} sent a stream chunk that is not a chat completion chunk.`;
  return new UpstreamFailure('invalid_response', message, { status: 200 });
}

function readUsage(usage: Record<string, unknown>): TokenUsage {
  const count = (value: unknown) => (typeof value === 'number' && value >= 0 ? value : 0);
  return { inputTokens: count(usage.prompt_tokens), outputTokens: count(usage.completion_tokens) };
}

function estimateUsage(request: ChatRequest, acc: Accumulated): TokenUsage {
  const promptChars = request.messages.reduce((sum, message) => sum + message.content.length, 0);
  const replyChars = acc.content.length + (acc.refusal?.length ?? 0);
  return {
    inputTokens: Math.ceil(promptChars / CHARS_PER_TOKEN),
    outputTokens: Math.ceil(replyChars / CHARS_PER_TOKEN),
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isOptionalString(value: unknown): boolean {
  return value === undefined || value === null || typeof value === 'string';
}
