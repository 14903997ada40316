/**
 * @module http/stream-route
 * `POST /v1/{name}/stream` (API.md section 4): the generated endpoint as Server-Sent Events.
 * Everything before the model call (resolving, auth, input validation) answers as
 * `POST /v1/{name}` does, with an ordinary problem document and its status. Then the stream opens
 * with 200 and carries, in this order:
 *
 * - `event: delta`, `data: {"text": "..."}`: each piece of the model's text as it arrives;
 * - `event: meta`, `data: {"model", "attempts", "usage", "finishReason"}`: what the
 *   `Promptgate-*` headers say for a plain call, which can no longer be headers once the stream
 *   is open (after a failure: `attempts`, and `model` and `retryAfter` in seconds where known);
 * - the end, exactly one of `event: output` with the validated output, the body `POST /v1/{name}`
 *   would answer, or `event: error` with the problem document it would answer.
 *
 * `: ping` comments keep idle proxies from closing the connection while the model thinks. A client
 * that disconnects cancels the upstream call; the response always ends.
 */
import { Router, type Request, type Response } from 'express';
import { AppError, isAppError } from '../errors/app-error';
import { streamEndpoint } from '../invocation/stream-endpoint';
import type { AttemptRecord } from '../providers/types';
import { isCallAborted } from '../resilience/call-aborted-error';
import {
  abortOnDisconnect,
  admitCall,
  checkInput,
  type EndpointRoutesOptions,
} from './endpoint-routes';
import { problemBody } from './problem';

/** Interval of the `: ping` comments, in ms. */
const HEARTBEAT_MS = 15_000;

export function streamRoutes(options: EndpointRoutesOptions): Router {
  const router = Router();
  router.post('/v1/:name/stream', (req, res) => serveStream(options, req, res));
  router.all('/v1/:name/stream', (req, res) => {
    res.setHeader('Allow', 'POST');
    throw new AppError('method_not_allowed', `Streamed endpoints answer POST, not ${req.method}.`);
  });
  return router;
}

async function serveStream(options: EndpointRoutesOptions, req: Request, res: Response) {
  const endpoint = await admitCall(options, req, res);
  req.facts.stream = true;
  // Streams are never cached: a cached answer has no deltas to replay.
  req.facts.cache = 'off';
  res.setHeader('Promptgate-Cache', 'off');

  const input = checkInput(endpoint, req.body);

  const events = openEventStream(res);
  const attempts: AttemptRecord[] = [];
  req.facts.attemptRecords = attempts;
  const abort = abortOnDisconnect(req, res);
  try {
    const result = await streamEndpoint({
      endpoint,
      input,
      registry: options.registry,
      circuits: options.circuits,
      signal: abort.signal,
      attempts,
      onDelta: (text) => events.send('delta', { text }),
    });
    req.facts.usage = result.usage;
    const { model, usage, finishReason } = result;
    events.send('meta', { model, attempts: attempts.length, usage, finishReason });
    events.send('output', result.output);
  } catch (error) {
    sendFailure(req, events, error, attempts.length);
  } finally {
    abort.done();
    events.close();
  }
}

/** The end of a failed stream: `meta`, then the problem as an `error` event. */
function sendFailure(req: Request, events: EventStream, error: unknown, attempts: number) {
  if (isCallAborted(error)) {
    // The client went away and its upstream call was cancelled: nobody is left to answer.
    req.facts.clientClosed = true;
    return;
  }

  const problem = isAppError(error)
    ? error
    : new AppError('internal_error', 'Something went wrong on our side.', { cause: error });
  if (!isAppError(error)) req.log.error({ err: error }, 'unhandled error');
  req.facts.errorCode = problem.code;

  const model = problem.extensions?.model;
  const retryAfter = Number(problem.headers['Retry-After']);
  events.send('meta', {
    ...(typeof model === 'string' ? { model } : {}),
    attempts,
    ...(Number.isFinite(retryAfter) ? { retryAfter } : {}),
  });
  events.send('error', problemBody(problem, req.id));
}

interface EventStream {
  /** Write one event; nothing happens once the response ended or the client left. */
  send(event: string, data: unknown): void;
  /** Stop the heartbeat and end the response. */
  close(): void;
}

/** Send the 200 and the SSE headers now, so deltas and pings reach the client at once. */
function openEventStream(res: Response): EventStream {
  res.status(200);
  res.setHeader('Content-Type', 'text/event-stream');
  res.setHeader('Cache-Control', 'no-cache');
  // Tells nginx and similar proxies not to buffer the stream.
  res.setHeader('X-Accel-Buffering', 'no');
  res.flushHeaders();

  const write = (text: string) => {
    if (!res.writableEnded && !res.destroyed) res.write(text);
  };
  const heartbeat = setInterval(() => write(': ping\n\n'), HEARTBEAT_MS);

  return {
    // JSON text holds no raw line breaks, so every event has exactly one `data:` line.
    send: (event, data) => write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`),
    close: () => {
      clearInterval(heartbeat);
      if (!res.writableEnded) res.end();
    },
  };
}
