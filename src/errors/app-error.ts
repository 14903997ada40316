/**
 * @module errors/app-error
 * The one error type that crosses module boundaries. The HTTP layer renders it as an
 * RFC 9457 problem document; nothing else writes error bodies.
 */
import { ERROR_CODES, type ErrorCode } from './codes';

/** One failed rule, located by a JSON pointer into the document it concerns. */
export interface FieldError {
  path: string;
  message: string;
}

export interface AppErrorOptions {
  /** Per-rule failures; rendered as the problem's `errors` array. */
  errors?: FieldError[];
  /** Extra response headers, such as `Retry-After`. */
  headers?: Record<string, string>;
  /** The underlying error, kept for logs and never sent to clients. */
  cause?: unknown;
  /** Extra members of the problem document. */
  extensions?: Record<string, unknown>;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly errors?: FieldError[];
  readonly headers: Record<string, string>;
  readonly extensions?: Record<string, unknown>;
  /** Brand that survives duplicate module copies, unlike `instanceof`. */
  readonly isAppError = true;

  constructor(code: ErrorCode, detail: string, options: AppErrorOptions = {}) {
    super(detail, { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = ERROR_CODES[code].status;
    this.errors = options.errors;
    this.headers = options.headers ?? {};
    this.extensions = options.extensions;
  }
}

export function isAppError(value: unknown): value is AppError {
  return typeof value === 'object' && value !== null && (value as AppError).isAppError === true;
}
