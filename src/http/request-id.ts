/**
 * @module http/request-id
 * Echoes a valid incoming `X-Request-Id`, else makes one, and logs one line per request.
 */
import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Logger } from '../logging/logger';

const VALID_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestContext(logger: Logger): RequestHandler {
  return function requestContext(req, res, next) {
    const incoming = req.get('x-request-id');
    req.id = incoming && VALID_ID.test(incoming) ? incoming : randomUUID();
    req.log = logger.child({ requestId: req.id });
    req.facts = {};
    res.setHeader('X-Request-Id', req.id);

    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const latencyMs = Number(process.hrtime.bigint() - started) / 1e6;
      req.log.info(
        {
          method: req.method,
          path: req.path,
          status: res.statusCode,
          latencyMs: Math.round(latencyMs * 10) / 10,
          ...req.facts,
        },
        'request done',
      );
    });
    next();
  };
}
