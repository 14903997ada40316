/**
 * @module errors/codes
 * Every machine-readable error code promptgate answers with, its HTTP status and title.
 * The README's error table is checked against this list by a test.
 */

export const ERROR_CODES = {
  malformed_json: { status: 400, title: 'Malformed JSON' },
  unauthorized: { status: 401, title: 'Unauthorized' },
  forbidden: { status: 403, title: 'Forbidden' },
  endpoint_not_found: { status: 404, title: 'Endpoint not found' },
  not_found: { status: 404, title: 'Not found' },
  method_not_allowed: { status: 405, title: 'Method not allowed' },
  conflict: { status: 409, title: 'Conflict' },
  endpoint_retired: { status: 410, title: 'Endpoint retired' },
  payload_too_large: { status: 413, title: 'Payload too large' },
  unsupported_media_type: { status: 415, title: 'Unsupported media type' },
  input_invalid: { status: 422, title: 'Input invalid' },
  definition_invalid: { status: 422, title: 'Definition invalid' },
  request_invalid: { status: 422, title: 'Request invalid' },
  rate_limited: { status: 429, title: 'Rate limited' },
  internal_error: { status: 500, title: 'Internal error' },
  upstream_error: { status: 502, title: 'Upstream error' },
  output_invalid: { status: 502, title: 'Output invalid' },
  upstream_unavailable: { status: 503, title: 'Upstream unavailable' },
  upstream_timeout: { status: 504, title: 'Upstream timeout' },
} as const satisfies Record<string, { status: number; title: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** Base of the `type` URI of every problem document. */
export const PROBLEM_TYPE_BASE = 'https://promptgate.dev/problems/';
