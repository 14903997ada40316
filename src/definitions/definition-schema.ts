/**
 * @module definitions/definition-schema
 * The JSON Schema of an endpoint definition as a client sends it (API.md section 2).
 * Semantic checks (schemas compile, templates resolve) come after this one.
 */

export const NAME_PATTERN = '^[a-z0-9][a-z0-9-]{0,62}$';

/** Names that would shadow promptgate's own routes or confuse clients. */
export const RESERVED_NAMES = new Set([
  'admin',
  'batch',
  'stream',
  'docs',
  'openapi',
  'healthz',
  'readyz',
  'metrics',
  'models',
  'chat',
  'completions',
  'embeddings',
]);

const modelTarget = {
  type: 'object',
  required: ['name'],
  properties: {
    provider: { type: 'string', minLength: 1, maxLength: 100 },
    name: { type: 'string', minLength: 1, maxLength: 200 },
  },
  additionalProperties: false,
};

const message = {
  type: 'object',
  required: ['role', 'content'],
  properties: {
    role: { enum: ['system', 'user', 'assistant'] },
    content: { type: 'string', maxLength: 200_000 },
  },
  additionalProperties: false,
};

const positiveMs = (max: number) => ({ type: 'integer', minimum: 1, maximum: max });

export const DEFINITION_SCHEMA = {
  type: 'object',
  required: ['name', 'input', 'prompt'],
  properties: {
    name: { type: 'string', pattern: NAME_PATTERN },
    title: { type: 'string', maxLength: 200 },
    description: { type: 'string', maxLength: 10_000 },
    tags: { type: 'array', items: { type: 'string', minLength: 1, maxLength: 64 }, maxItems: 20 },
    input: { type: 'object' },
    output: { type: ['object', 'boolean'] },
    prompt: {
      type: 'object',
      properties: {
        system: { type: 'string', maxLength: 200_000 },
        user: { type: 'string', maxLength: 200_000 },
        messages: { type: 'array', minItems: 1, maxItems: 100, items: message },
      },
      additionalProperties: false,
      oneOf: [
        { required: ['user'], not: { required: ['messages'] } },
        {
          required: ['messages'],
          not: { anyOf: [{ required: ['user'] }, { required: ['system'] }] },
        },
      ],
    },
    model: {
      type: 'object',
      properties: {
        ...modelTarget.properties,
        temperature: { type: 'number', minimum: 0, maximum: 2 },
        maxTokens: { type: 'integer', minimum: 1, maximum: 1_000_000 },
        fallbacks: { type: 'array', items: modelTarget, maxItems: 10 },
      },
      additionalProperties: false,
    },
    retry: {
      type: 'object',
      properties: {
        maxAttempts: { type: 'integer', minimum: 1, maximum: 10 },
        initialDelayMs: { type: 'integer', minimum: 0, maximum: 60_000 },
        maxDelayMs: { type: 'integer', minimum: 0, maximum: 300_000 },
        attemptTimeoutMs: positiveMs(600_000),
        deadlineMs: positiveMs(900_000),
      },
      additionalProperties: false,
    },
    repair: {
      type: 'object',
      properties: {
        maxAttempts: { type: 'integer', minimum: 0, maximum: 5 },
        coerce: { type: 'boolean' },
      },
      additionalProperties: false,
    },
    cache: {
      type: 'object',
      properties: { ttlSeconds: { type: 'integer', minimum: 0, maximum: 31_536_000 } },
      additionalProperties: false,
    },
    auth: { enum: ['key', 'public'] },
    examples: {
      type: 'array',
      maxItems: 20,
      items: {
        type: 'object',
        required: ['input'],
        properties: { input: {}, output: {} },
        additionalProperties: false,
      },
    },
    publish: { type: 'boolean' },
  },
  additionalProperties: false,
} as const;
