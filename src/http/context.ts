/**
 * @module http/context
 * What promptgate adds to every Express request.
 */
import type { Logger } from '../logging/logger';
import type { RequestFacts } from '../metrics/metrics';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** The request id, echoed in `X-Request-Id` and in every problem document. */
      id: string;
      /** A child logger carrying the request id. */
      log: Logger;
      /** Facts gathered while serving, logged when the response ends. */
      facts: RequestFacts & Record<string, unknown>;
    }
  }
}

export {};
