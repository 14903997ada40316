/**
 * @module openapi/components
 * The fixed part of every OpenAPI document: the Problem schema, response headers, error
 * responses and security schemes (API.md sections 4 and 5).
 */
import { ERROR_CODES, PROBLEM_TYPE_BASE, type ErrorCode } from '../errors/codes';

/** Component name of the one schema every error response refers to. */
export const PROBLEM_SCHEMA = 'Problem';
/** Component name of the `{ text }` reply of endpoints without an output schema. */
export const TEXT_OUTPUT_SCHEMA = 'TextOutput';
/** Media type of every error body (RFC 9457). */
export const PROBLEM_MEDIA_TYPE = 'application/problem+json';

/** Security requirement of every endpoint whose `auth` is `key`: either scheme will do. */
export function keySecurity(): Array<Record<string, string[]>> {
  return [{ bearerAuth: [] }, { apiKeyHeader: [] }];
}

/** Error responses of generated endpoints, by status, with the codes each one carries. */
export const ERROR_RESPONSES = {
  400: { name: 'MalformedJson', codes: ['malformed_json'] },
  401: { name: 'Unauthorized', codes: ['unauthorized'] },
  403: { name: 'Forbidden', codes: ['forbidden'] },
  404: { name: 'EndpointNotFound', codes: ['endpoint_not_found'] },
  410: { name: 'EndpointRetired', codes: ['endpoint_retired'] },
  413: { name: 'PayloadTooLarge', codes: ['payload_too_large'] },
  415: { name: 'UnsupportedMediaType', codes: ['unsupported_media_type'] },
  422: { name: 'InputInvalid', codes: ['input_invalid', 'request_invalid'] },
  429: { name: 'RateLimited', codes: ['rate_limited'] },
  502: { name: 'UpstreamError', codes: ['upstream_error', 'output_invalid'] },
  503: { name: 'UpstreamUnavailable', codes: ['upstream_unavailable'] },
  504: { name: 'UpstreamTimeout', codes: ['upstream_timeout'] },
} as const satisfies Record<number, { name: string; codes: readonly ErrorCode[] }>;

export type ErrorStatus = keyof typeof ERROR_RESPONSES;

/** What each code means to a client calling a generated endpoint. */
const CODE_DETAILS: Partial<Record<ErrorCode, string>> = {
  malformed_json: 'The body is not JSON, or it holds a `__proto__` or `constructor.prototype` key.',
  unauthorized: 'No credential, or an unknown, revoked or expired one.',
  forbidden: 'The key is not allowed this endpoint.',
  endpoint_not_found: 'No such endpoint, or it was never published.',
  endpoint_retired: 'The endpoint was retired.',
  payload_too_large: 'The body is over the size limit.',
  unsupported_media_type: 'The body is not `application/json`.',
  input_invalid: 'The input fails the schema; `errors` lists every failure.',
  request_invalid: 'The request envelope (such as a batch body) is not valid.',
  rate_limited: "The key's rate limit, or the provider's after retries.",
  upstream_error: 'The provider failed or answered something that is not a completion.',
  output_invalid: "The model's output failed the output schema after repair attempts.",
  upstream_unavailable: 'No provider is available within the deadline.',
  upstream_timeout: 'The attempt timeouts or the deadline ran out.',
};

/** `components` shared by every document; operations refer to these by `$ref`. */
export function sharedComponents() {
  return {
    schemas: {
      [PROBLEM_SCHEMA]: problemSchema(),
      [TEXT_OUTPUT_SCHEMA]: {
        type: 'object',
        description: 'The reply of an endpoint without an output schema.',
        required: ['text'],
        properties: {
          text: { type: 'string', description: "The model's reply as it came." },
          refusal: { type: 'string', description: 'Present when the model refused to answer.' },
        },
      },
    },
    responses: errorResponses(),
    headers: headers(),
    parameters: {
      RequestId: {
        name: 'X-Request-Id',
        in: 'header',
        required: false,
        description: 'Echoed in the response and the logs when valid; a new id otherwise.',
        schema: { type: 'string', pattern: '^[A-Za-z0-9._:-]{1,128}$' },
      },
      CacheControl: {
        name: 'Cache-Control',
        in: 'header',
        required: false,
        description: '`no-cache` skips the response cache for this request.',
        schema: { type: 'string', examples: ['no-cache'] },
      },
    },
    securitySchemes: {
      bearerAuth: {
        type: 'http',
        scheme: 'bearer',
        description: 'A consumer key or the admin token.',
      },
      apiKeyHeader: {
        type: 'apiKey',
        in: 'header',
        name: 'X-API-Key',
        description: 'A consumer key or the admin token.',
      },
    },
  };
}

function problemSchema() {
  return {
    type: 'object',
    description: 'An RFC 9457 problem document; every error answers one.',
    required: ['type', 'title', 'status', 'detail', 'code', 'requestId'],
    properties: {
      type: { type: 'string', format: 'uri', examples: [`${PROBLEM_TYPE_BASE}input_invalid`] },
      title: { type: 'string', examples: ['Input invalid'] },
      status: { type: 'integer', minimum: 400, maximum: 599 },
      detail: { type: 'string' },
      code: { type: 'string', enum: Object.keys(ERROR_CODES) },
      requestId: { type: 'string', description: 'The same as the `X-Request-Id` header.' },
      errors: {
        type: 'array',
        description: 'One entry per failed rule.',
        items: {
          type: 'object',
          required: ['path', 'message'],
          properties: {
            path: { type: 'string', description: 'JSON pointer into the document concerned.' },
            message: { type: 'string' },
          },
        },
      },
    },
  };
}

function headers() {
  const header = (description: string, schema: object, required = true) => ({
    description,
    required,
    schema,
  });
  return {
    RequestId: header('The request id: a valid incoming `X-Request-Id`, else a new one.', {
      type: 'string',
    }),
    Version: header('The served version of the endpoint.', { type: 'integer', minimum: 1 }),
    Model: header('`<provider>/<model>` of the candidate that answered.', { type: 'string' }),
    Attempts: header('Provider requests this call made: retries, fallbacks and repairs included.', {
      type: 'integer',
      minimum: 0,
    }),
    Cache: header(
      '`hit`, `miss`, `bypass` (the request asked to skip the cache) or `off` (no cache).',
      { type: 'string', enum: ['hit', 'miss', 'bypass', 'off'] },
    ),
    FinishReason: header(
      '`length` when the reply was cut off by the token limit.',
      { type: 'string' },
      false,
    ),
    Deprecation: header('Present while the endpoint is deprecated (RFC 9745).', {
      type: 'string',
    }),
    Sunset: header('When the endpoint stops answering (RFC 8594), an HTTP date.', {
      type: 'string',
    }),
    RetryAfter: header('Seconds to wait before trying again.', { type: 'integer', minimum: 0 }),
  };
}

function errorResponses() {
  const responses: Record<string, object> = {};
  for (const [status, { name, codes }] of Object.entries(ERROR_RESPONSES)) {
    const responseHeaders: Record<string, object> = {
      'X-Request-Id': { $ref: '#/components/headers/RequestId' },
    };
    if (status === '429' || status === '503') {
      responseHeaders['Retry-After'] = { $ref: '#/components/headers/RetryAfter' };
    }
    const examples = Object.fromEntries(
      codes.map((code) => [code, { summary: ERROR_CODES[code].title, value: example(code) }]),
    );
    responses[name] = {
      description: codes.map((code) => `\`${code}\`: ${CODE_DETAILS[code]}`).join(' '),
      headers: responseHeaders,
      content: {
        [PROBLEM_MEDIA_TYPE]: {
          schema: { $ref: `#/components/schemas/${PROBLEM_SCHEMA}` },
          examples,
        },
      },
    };
  }
  return responses;
}

function example(code: ErrorCode) {
  const { status, title } = ERROR_CODES[code];
  const problem: Record<string, unknown> = {
    type: `${PROBLEM_TYPE_BASE}${code}`,
    title,
    status,
    detail: CODE_DETAILS[code]?.replace(/`/g, '') ?? title,
    code,
    requestId: '01J9ZQ4T7S3N2M8K5W6X0Y1ABC',
  };
  if (code === 'input_invalid') {
    problem.errors = [{ path: '/text', message: 'must NOT have fewer than 1 characters' }];
  }
  return problem;
}
