/**
 * @module http/batch-route
 * `POST /v1/{name}/batch`: `{"inputs": [...]}` (at most 100) answers `{"results": [...]}` in
 * order, each `{output}` or `{error: <problem>}`; one bad item does not fail the rest.
 */
import { Router, type Request, type Response } from 'express';
import { AppError, isAppError } from '../errors/app-error';
import { invokeEndpoint } from '../invocation/invoke-endpoint';
import type { AttemptRecord, TokenUsage } from '../providers/types';
import { Bulkhead, mapConcurrent } from '../resilience/bulkhead';
import type { CompiledEndpoint } from '../definitions/compile';
import {
  abortOnDisconnect,
  admitCall,
  checkInput,
  type EndpointRoutesOptions,
} from './endpoint-routes';
import { problemBody } from './problem';
import { isCallAborted } from '../resilience/call-aborted-error';

export interface BatchRoutesOptions extends EndpointRoutesOptions {
  /** Items of one batch in flight at once. Default 4. */
  batchConcurrency?: number;
  /** Batch items in flight at once across all batches. Default 16. */
  batchGlobalConcurrency?: number;
}

/** Most inputs one batch may hold (API.md section 4). */
export const MAX_BATCH_INPUTS = 100;

export function batchRoutes(options: BatchRoutesOptions): Router {
  const router = Router();
  const bulkhead = new Bulkhead(options.batchGlobalConcurrency ?? 16);
  router.post('/v1/:name/batch', (req, res) => serveBatch(options, bulkhead, req, res));
  router.all('/v1/:name/batch', (req, res) => {
    res.setHeader('Allow', 'POST');
    throw new AppError('method_not_allowed', `Batches answer POST, not ${req.method}.`);
  });
  return router;
}

async function serveBatch(
  options: BatchRoutesOptions,
  bulkhead: Bulkhead,
  req: Request,
  res: Response,
) {
  // Each input is one model call, and counts as one against a key's limit.
  const size = (req.body as { inputs?: unknown } | undefined)?.inputs;
  const cost = Array.isArray(size) ? Math.min(Math.max(size.length, 1), MAX_BATCH_INPUTS) : 1;
  const endpoint = await admitCall(options, req, res, cost);
  req.facts.cache = 'off';
  res.setHeader('Promptgate-Cache', 'off');

  const inputs = batchInputs(req.body);

  const attempts: AttemptRecord[] = [];
  req.facts.attemptRecords = attempts;
  const abort = abortOnDisconnect(req, res);
  const batch: BatchContext = {
    options,
    endpoint,
    attempts,
    usage: { inputTokens: 0, outputTokens: 0 },
    signal: abort.signal,
    requestId: req.id,
  };
  try {
    const results = await mapConcurrent(inputs, options.batchConcurrency ?? 4, (input) =>
      bulkhead.run(() => runItem(batch, input)),
    );
    req.facts.batchSize = inputs.length;
    req.facts.usage = batch.usage;
    res.setHeader('Promptgate-Attempts', String(attempts.length));
    res.status(200).json({ results });
  } finally {
    abort.done();
  }
}

function batchInputs(body: unknown): unknown[] {
  const inputs = (body as { inputs?: unknown } | undefined)?.inputs;
  if (!Array.isArray(inputs)) {
    throw new AppError('input_invalid', 'Send {"inputs": [...]} with one input per item.', {
      errors: [{ path: '/inputs', message: 'must be an array' }],
    });
  }
  if (inputs.length === 0 || inputs.length > MAX_BATCH_INPUTS) {
    throw new AppError('input_invalid', `A batch holds 1 to ${MAX_BATCH_INPUTS} inputs.`, {
      errors: [{ path: '/inputs', message: `must hold 1 to ${MAX_BATCH_INPUTS} items` }],
    });
  }
  return inputs;
}

/** What every item of one batch shares. */
interface BatchContext {
  options: BatchRoutesOptions;
  endpoint: CompiledEndpoint;
  /** Provider requests of all items, for `Promptgate-Attempts`. */
  attempts: AttemptRecord[];
  /** Tokens of all items, for metrics and the log line. */
  usage: TokenUsage;
  signal: AbortSignal;
  requestId: string;
}

async function runItem(batch: BatchContext, input: unknown) {
  const { options, endpoint, attempts, usage, signal, requestId } = batch;
  try {
    checkInput(endpoint, input);
    const result = await invokeEndpoint({
      endpoint,
      input,
      registry: options.registry,
      circuits: options.circuits,
      signal,
      attempts,
    });
    usage.inputTokens += result.usage.inputTokens;
    usage.outputTokens += result.usage.outputTokens;
    return { output: result.output, model: result.model };
  } catch (error) {
    if (isCallAborted(error)) throw error;
    // One item's failure, whatever it is, must not fail the rest of the batch.
    const problem = isAppError(error)
      ? error
      : new AppError('internal_error', 'This item failed on our side.', { cause: error });
    return { error: problemBody(problem, requestId) };
  }
}
