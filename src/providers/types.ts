/**
 * @module providers/types
 * What promptgate knows of an OpenAI-compatible provider and of one chat completion.
 */
import type { JsonSchema } from '../definitions/types';

export interface ProviderConfig {
  /** Referenced by `model.provider` in definitions; `default` comes from `OPENAI_BASE_URL`. */
  name: string;
  /** Base URL ending in `/v1` (or the provider's equivalent). */
  baseURL: string;
  /** Secret; never logged, never returned by the admin API. */
  apiKey?: string;
  /** Extra headers sent with every request. */
  headers?: Record<string, string>;
  /** Whether `response_format: { type: 'json_schema' }` is accepted. Default false. */
  supportsJsonSchema: boolean;
  /** Circuit breaker of this provider (API.md section 6); defaults apply to what is left out. */
  circuit?: CircuitConfig;
  /** Prices per model name, in USD per million tokens; for usage and cost tracking. */
  prices?: Record<string, ModelPrice>;
}

export interface ModelPrice {
  /** USD per million input (prompt) tokens. */
  input: number;
  /** USD per million output (completion) tokens. */
  output: number;
}

/** A name that stands for several providers serving the same models, chosen by weight. */
export interface PoolConfig {
  name: string;
  members: { provider: string; weight: number }[];
}

export interface CircuitConfig {
  /** Consecutive counted failures (connection, timeout, 5xx) that open the circuit. Default 5. */
  failureThreshold?: number;
  /** How long an open circuit skips the provider before one trial call, in ms. Default 30000. */
  openMs?: number;
}

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface ChatRequest {
  model: string;
  messages: ChatMessage[];
  temperature?: number;
  maxTokens?: number;
  /** When set, JSON is asked for: as a JSON-schema response format where supported. */
  responseSchema?: {
    name: string;
    schema: JsonSchema;
    /** The schema adapted to strict mode (`strict-schema.ts`), or null when it cannot be. */
    strictSchema?: Record<string, unknown> | null;
  };
}

export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
}

/** A valid chat completion, reduced to what promptgate uses. */
export interface Completion {
  /** The message content; '' when the provider sent none. */
  content: string;
  /** `stop`, `length`, `content_filter`, `tool_calls`, ... as the provider said. */
  finishReason: string;
  /** The completion's `refusal` field, when present. */
  refusal: string | null;
  usage: TokenUsage;
  /** The model name the provider reported. */
  model: string;
}

export type AttemptOutcome =
  'ok' | 'http_error' | 'connection_error' | 'timeout' | 'invalid_response' | 'aborted';

/** One provider request, as recorded for headers, logs and the test route. */
export interface AttemptRecord {
  provider: string;
  model: string;
  /** Why the request was made. */
  purpose: 'call' | 'repair';
  outcome: AttemptOutcome;
  /** The upstream HTTP status, when an answer came. */
  status: number | null;
  durationMs: number;
}
