/**
 * @module http/request-id
 * Echoes a valid incoming `X-Request-Id`, else makes one; when the response is sent, writes
 * one log line for the request and records its metrics.
 */
import { randomUUID } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import type { Logger } from '../logging/logger';
import type { Metrics } from '../metrics/metrics';

const VALID_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export interface RequestContextOptions {
  logger: Logger;
  metrics?: Metrics;
}

export function requestContext(options: RequestContextOptions): RequestHandler {
  return function requestContext(req, res, next) {
    const incoming = req.get('x-request-id');
    req.id = incoming && VALID_ID.test(incoming) ? incoming : randomUUID();
    req.log = options.logger.child({ requestId: req.id });
    req.facts = {};
    res.setHeader('X-Request-Id', req.id);

    const started = process.hrtime.bigint();
    // 'close' also fires when the client left before the answer: those requests count too,
    // as 499 (the nginx convention for "client closed request").
    res.once('close', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const status = res.writableFinished ? res.statusCode : 499;
      options.metrics?.observeRequest(req.facts, status, seconds);
      req.log.info(logFields(req, status, seconds), 'request done');
    });
    next();
  };
}

/** The request's log line: no bodies, no credentials, attempts as `provider:status`. */
function logFields(req: Request, status: number, seconds: number): Record<string, unknown> {
  const { attemptRecords, ...facts } = req.facts;
  return {
    method: req.method,
    path: req.originalUrl.split('?')[0],
    status,
    latencyMs: Math.round(seconds * 10_000) / 10,
    ...facts,
    ...(attemptRecords
      ? { attempts: attemptRecords.map((a) => `${a.provider}:${a.status ?? a.outcome}`) }
      : {}),
  };
}
