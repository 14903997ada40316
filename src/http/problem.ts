/**
 * @module http/problem
 * The only writer of error bodies: every failure leaves as an RFC 9457 problem document.
 */
import type { ErrorRequestHandler, Request, RequestHandler, Response } from 'express';
import { AppError, isAppError } from '../errors/app-error';
import { ERROR_CODES, PROBLEM_TYPE_BASE } from '../errors/codes';
import { isCallAborted } from '../resilience/call-aborted-error';

export function problemBody(error: AppError, requestId: string): Record<string, unknown> {
  return {
    ...error.extensions,
    type: `${PROBLEM_TYPE_BASE}${error.code.replace(/_/g, '-')}`,
    title: ERROR_CODES[error.code].title,
    status: error.status,
    detail: error.message,
    code: error.code,
    requestId,
    ...(error.errors ? { errors: error.errors } : {}),
  };
}

export function sendProblem(req: Request, res: Response, error: AppError): void {
  for (const [name, value] of Object.entries(error.headers)) res.setHeader(name, value);
  // RFC 9110 11.6.1: a 401 names the scheme that would work.
  if (error.status === 401) res.setHeader('WWW-Authenticate', 'Bearer realm="promptgate"');
  res
    .status(error.status)
    .type('application/problem+json')
    .send(JSON.stringify(problemBody(error, req.id)));
}

/** The last middleware: maps anything thrown to a problem; unknown errors become a bare 500. */
export function problemHandler(): ErrorRequestHandler {
  return function problemHandler(error, req, res, next) {
    if (res.headersSent) return next(error);
    if (isCallAborted(error)) {
      // The client went away and its upstream call was cancelled: nobody is left to answer.
      req.facts.clientClosed = true;
      res.status(499).end();
      return;
    }
    const problem = isAppError(error) ? error : fromUnknown(error);
    req.facts.errorCode = problem.code;
    if (problem.status >= 500 && !isAppError(error))
      req.log.error({ err: error }, 'unhandled error');
    sendProblem(req, res, problem);
  };
}

export function notFound(): RequestHandler {
  return function notFound(req, _res, next) {
    next(new AppError('not_found', `No route for ${req.method} ${req.path}.`));
  };
}

function fromUnknown(error: unknown): AppError {
  const status = (error as { status?: unknown })?.status;
  if (status === 413) return new AppError('payload_too_large', 'The request body is too large.');
  if (error instanceof URIError) {
    return new AppError('not_found', 'The path holds an escape that cannot be decoded.');
  }
  return new AppError('internal_error', 'Something went wrong on our side.', { cause: error });
}
