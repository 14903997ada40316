/**
 * @module definitions/types
 * The shape of an endpoint definition (API.md section 2) and of its stored versions.
 */

export type JsonSchema = Record<string, unknown> | boolean;

export interface ChatMessageTemplate {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** Either a system/user pair or an ordered message list; every string is a Handlebars template. */
export type PromptDefinition =
  | { system?: string; user: string; messages?: undefined }
  | { messages: ChatMessageTemplate[]; system?: undefined; user?: undefined };

export interface ModelTarget {
  /** Provider name from the configuration; `default` is `OPENAI_BASE_URL`. */
  provider: string;
  /** The model name sent to the provider. */
  name: string;
}

export interface ModelSettings extends ModelTarget {
  /** Sent whenever set, 0 included. */
  temperature?: number;
  /** Sent as `max_tokens`. */
  maxTokens?: number;
  /** Tried in order after the primary's attempts, within the same deadline. */
  fallbacks: ModelTarget[];
}

export interface RetrySettings {
  /** Attempts per candidate, the first included. Default 3. */
  maxAttempts: number;
  /** First backoff delay in ms. Default 250. */
  initialDelayMs: number;
  /** Backoff cap in ms. Default 8000. */
  maxDelayMs: number;
  /** Time limit of one provider request in ms. Default 30000. */
  attemptTimeoutMs: number;
  /** Time limit of the whole call, retries, fallbacks and repairs included, in ms. Default 60000. */
  deadlineMs: number;
}

export interface RepairSettings {
  /** How many times validation errors are sent back to the model. Default 1. */
  maxAttempts: number;
  /** Safe type and letter-case coercions before validation. Default true. */
  coerce: boolean;
}

export interface EndpointExample {
  input: unknown;
  output?: unknown;
}

/** A definition with every default applied; what is stored as a version. */
export interface EndpointDefinition {
  name: string;
  title?: string;
  description?: string;
  tags: string[];
  input: Record<string, unknown>;
  output?: JsonSchema;
  prompt: PromptDefinition;
  model: ModelSettings;
  retry: RetrySettings;
  repair: RepairSettings;
  cache: { ttlSeconds: number };
  auth: 'key' | 'public';
  examples: EndpointExample[];
}

export type EndpointStatus = 'draft' | 'published' | 'deprecated' | 'retired';

/** The mutable state of an endpoint; its versions are immutable. */
export interface EndpointState {
  name: string;
  status: EndpointStatus;
  publishedVersion: number | null;
  latestVersion: number;
  /** RFC 3339 sunset of a deprecated endpoint. */
  sunset: string | null;
  deprecatedAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface EndpointVersion {
  name: string;
  version: number;
  definition: EndpointDefinition;
  createdAt: string;
}
