/**
 * @module providers/chat
 * One chat-completion request to one provider: build the body, send it with a time limit, check
 * that the answer is a real chat completion, and turn every failure into an `UpstreamFailure`.
 * Retrying is not done here; see `src/resilience/call-model.ts`.
 */
import { attemptSignal } from './attempt-signal';
import OpenAI from 'openai';
import type { ChatCompletionCreateParamsNonStreaming } from 'openai/resources/chat/completions';

import { parseRetryAfter } from '../resilience/retry-after';
import type { Provider } from './registry';
import type { ChatRequest, Completion } from './types';
import { UpstreamFailure } from './upstream-failure';

export interface SendChatOptions {
  /** The caller's cancellation; when it aborts, the request is cancelled with kind `aborted`. */
  signal?: AbortSignal;
  /** Time limit of this request, reading the whole body included, in ms. Default 30000. */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * Send one chat completion request, without retrying.
 *
 * @returns a valid completion
 * @throws UpstreamFailure for every failure, the caller's abort included
 */
export async function sendChat(
  provider: Provider,
  request: ChatRequest,
  options: SendChatOptions = {},
): Promise<Completion> {
  const label = describeTarget(provider, request);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (options.signal?.aborted) throw new UpstreamFailure('aborted', `${label} was cancelled.`);

  const attempt = attemptSignal(options.signal, timeoutMs);

  try {
    const response = await provider.client.chat.completions
      .create(buildBody(provider, request), {
        signal: attempt.signal,
        timeout: timeoutMs,
        maxRetries: 0,
      })
      .asResponse();
    const text = await response.text();
    return toCompletion(parseJson(text, response.status, label), request, label, response.status);
  } catch (error) {
    throw toUpstreamFailure(error, { label, ...attempt.why(), timeoutMs });
  } finally {
    attempt.dispose();
  }
}

/**
 * The request body: the model, the messages in order, `temperature` whenever it is defined (0
 * included), `max_tokens`, and the JSON-schema response format only where the provider supports it.
 */
export function buildBody(
  provider: Provider,
  request: ChatRequest,
): ChatCompletionCreateParamsNonStreaming {
  const body: ChatCompletionCreateParamsNonStreaming = {
    model: request.model,
    messages: request.messages.map(({ role, content }) => ({ role, content })),
  };

  if (request.temperature !== undefined) body.temperature = request.temperature;

  if (request.maxTokens !== undefined) body.max_tokens = request.maxTokens;

  const schema = request.responseSchema;
  if (schema && provider.config.supportsJsonSchema && typeof schema.schema === 'object') {
    const strict = schema.strictSchema ?? null;
    body.response_format = {
      type: 'json_schema',
      json_schema: {
        name: schemaName(schema.name),
        schema: strict ?? schema.schema,
        strict: strict !== null,
      },
    };
  }
  return body;
}

/** OpenAI accepts `^[a-zA-Z0-9_-]{1,64}$` as a schema name. */
function schemaName(name: string): string {
  return name.replace(/[^a-zA-Z0-9_-]/g, '_').slice(0, 64) || 'output';
}

/** The body as JSON, whatever its content type said; a page or an empty body is invalid. */
function parseJson(text: string, status: number, label: string): unknown {
  const trimmed = text.replace(/^\uFEFF/, '').trim();
  const invalid = (what: string) => invalidResponse(label, what, status);
  if (!trimmed) throw invalid('an empty body');

  try {
    return JSON.parse(trimmed);
  } catch {
    throw invalid('a non-JSON body');
  }
}

function invalidResponse(label: string, what: string, status: number): UpstreamFailure {
  const message = `${label} answered ${what} with HTTP ${status}, not a chat completion.`;
  return new UpstreamFailure('invalid_response', message, { status });
}

/** Check the shape of a chat completion; anything else is `invalid_response`. */
function toCompletion(
  body: unknown,
  request: ChatRequest,
  label: string,
  status: number,
): Completion {
  const invalid = (what: string) => invalidResponse(label, what, status);

  const choice: unknown =
    isRecord(body) && Array.isArray(body.choices) ? body.choices[0] : undefined;
  const message = isRecord(choice) ? choice.message : undefined;
  if (!isRecord(body) || !isRecord(choice) || !isRecord(message)) {
    throw invalid('JSON without a choice message');
  }

  const { content, refusal } = message;
  const finishReason = choice.finish_reason;
  const wellTyped =
    isOptional(content, 'string') &&
    isOptional(refusal, 'string') &&
    isOptional(finishReason, 'string');
  if (!wellTyped) throw invalid('JSON with mistyped message fields');

  return {
    content: (content as string | null | undefined) ?? '',
    finishReason: (finishReason as string | null | undefined) ?? 'unknown',
    refusal: (refusal as string | null | undefined) ?? null,
    usage: readUsage(body.usage),
    model: typeof body.model === 'string' ? body.model : request.model,
  };
}

function readUsage(usage: unknown): Completion['usage'] {
  const count = (value: unknown) => (typeof value === 'number' && value >= 0 ? value : 0);
  if (!isRecord(usage)) return { inputTokens: 0, outputTokens: 0 };

  return { inputTokens: count(usage.prompt_tokens), outputTokens: count(usage.completion_tokens) };
}

export interface FailureContext {
  label: string;
  /** The caller's signal aborted. */
  aborted: boolean;
  /** Our own per-attempt timer fired. */
  timedOut: boolean;
  timeoutMs: number;
}

/**
 * Map whatever the SDK or the transport threw. The original stays as `cause`; where the SDK put
 * upstream body text into its message (a non-JSON error page) that text is withheld, so it can
 * reach neither a client nor a log line.
 */
export function toUpstreamFailure(error: unknown, context: FailureContext): UpstreamFailure {
  const { label } = context;
  if (error instanceof UpstreamFailure) return error;

  if (context.aborted)
    return new UpstreamFailure('aborted', `${label} was cancelled.`, { cause: error });

  if (context.timedOut || error instanceof OpenAI.APIConnectionTimeoutError) {
    const message = `${label} did not answer within ${context.timeoutMs} ms.`;
    return new UpstreamFailure('timeout', message, { cause: error });
  }

  if (error instanceof OpenAI.APIError && typeof error.status === 'number') {
    return httpFailure(error, label);
  }

  return new UpstreamFailure('connection_error', `${label} could not be reached.`, {
    cause: error,
  });
}

function httpFailure(error: InstanceType<typeof OpenAI.APIError>, label: string): UpstreamFailure {
  const status = error.status as number;
  if (error.error === undefined) {
    // The SDK puts a non-JSON body (an HTML error page) into the message: keep only the status.
    error.message = `${status} status code (non-JSON body withheld)`;
  }

  const retryAfterMs = parseRetryAfter(error.headers);
  const message = `${label} answered HTTP ${status}.`;
  return new UpstreamFailure('http_error', message, { status, retryAfterMs, cause: error });
}

function describeTarget(provider: Provider, request: ChatRequest): string {
  return `Provider "${provider.config.name}" (model "${request.model}")`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isOptional(value: unknown, type: 'string'): boolean {
  return value === undefined || value === null || typeof value === type;
}
