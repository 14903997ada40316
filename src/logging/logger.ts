/**
 * @module logging/logger
 * The one structured logger. Request handlers use a child carrying the request id.
 */
import pino, { type Logger } from 'pino';

export type { Logger };

/** Paths that never reach a log line, whatever a caller passes. */
const REDACTED = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'headers.authorization',
  'headers["x-api-key"]',
  'apiKey',
  'adminToken',
  'key',
];

export function createLogger(options: { level?: string } = {}): Logger {
  return pino({
    level: options.level ?? 'info',
    base: { service: 'promptgate' },
    redact: { paths: REDACTED, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}
