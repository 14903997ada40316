/**
 * @module http/endpoint-routes
 * The generated endpoints: `POST /v1/{name}`. Resolves the served version from the catalog,
 * so a publish, change or retirement takes effect without a restart.
 */
import { Router, type Request, type Response } from 'express';
import type { CatalogEntry, EndpointCatalog } from '../definitions/catalog';
import type { CompiledEndpoint } from '../definitions/compile';
import { AppError } from '../errors/app-error';
import { invokeEndpoint, type InvocationResult } from '../invocation/invoke-endpoint';
import { ResponseCache, type CacheResult } from '../cache/response-cache';
import type { KeyChecker } from '../keys/consumer-keys';
import type { ProviderRegistry } from '../providers/registry';
import type { CircuitBreakers } from '../resilience/circuit-breakers';
import type { AttemptRecord } from '../providers/types';
import { exceedsDepth, toFieldErrors } from '../validation/schema-errors';
import { credentialOf, sameSecret } from './auth';

export interface EndpointRoutesOptions {
  catalog: EndpointCatalog;
  registry: ProviderRegistry;
  circuits: CircuitBreakers;
  cache: ResponseCache;
  keys: KeyChecker;
  adminToken: string;
}

/** Inputs may nest at most this deep (API.md section 5). */
export const MAX_INPUT_DEPTH = 64;

export function endpointRoutes(options: EndpointRoutesOptions): Router {
  const router = Router();
  router.post('/v1/:name', (req, res) => serveEndpoint(options, req, res));
  router.all('/v1/:name', (req, res) => {
    res.setHeader('Allow', 'POST');
    throw new AppError('method_not_allowed', `Generated endpoints answer POST, not ${req.method}.`);
  });
  return router;
}

/**
 * The first steps of every generated route (plain, batch, stream): find the served version
 * (404, 410), set the version and deprecation headers, check the credential (401).
 */
export async function admitCall(
  options: EndpointRoutesOptions,
  req: Request,
  res: Response,
  cost = 1,
): Promise<CompiledEndpoint> {
  const entry = resolveServed(options.catalog, String(req.params.name));
  const endpoint = entry.served!;
  req.facts.endpoint = endpoint.name;
  req.facts.version = endpoint.version;
  res.setHeader('Promptgate-Version', String(endpoint.version));
  setDeprecationHeaders(res, entry);
  await authorize(options, req, endpoint, cost);
  return endpoint;
}

async function serveEndpoint(options: EndpointRoutesOptions, req: Request, res: Response) {
  const endpoint = await admitCall(options, req, res);

  const input = checkInput(endpoint, req.body);

  const ttl = endpoint.definition.cache.ttlSeconds;
  let cacheResult: CacheResult = ttl <= 0 ? 'off' : wantsFresh(req) ? 'bypass' : 'miss';
  const key = ttl > 0 ? ResponseCache.key(endpoint.name, endpoint.version, input) : '';
  setCacheResult(req, res, cacheResult);
  if (cacheResult === 'miss') {
    const cached = options.cache.get(key) as CachedAnswer | undefined;
    if (cached !== undefined) {
      setCacheResult(req, res, 'hit');
      res.setHeader('Promptgate-Model', cached.model);
      res.setHeader('Promptgate-Attempts', '0');
      res.status(200).json(cached.output);
      return;
    }
  }

  const attempts: AttemptRecord[] = [];
  req.facts.attemptRecords = attempts;
  const call = (signal: AbortSignal) =>
    invokeEndpoint({
      endpoint,
      input,
      registry: options.registry,
      circuits: options.circuits,
      signal,
      attempts,
    });
  const abort = abortOnDisconnect(req, res);
  try {
    let result: InvocationResult;
    if (cacheResult === 'miss') {
      const shared = await options.cache.shared(key, abort.signal, call);
      result = shared.value;
      // A request that joined another's call made no provider request of its own.
      if (!shared.leader) cacheResult = 'hit';
    } else {
      result = await call(abort.signal);
    }
    // A reply cut off by the token limit is served once but never kept; `no-store` keeps nothing.
    if (ttl > 0 && result.finishReason === 'stop' && !forbidsStore(req)) {
      options.cache.set(key, { output: result.output, model: result.model }, ttl);
    }

    setCacheResult(req, res, cacheResult);
    res.setHeader('Promptgate-Model', result.model);
    setFinishReason(res, result.finishReason);
    req.facts.usage = result.usage;
    res.setHeader('Promptgate-Attempts', String(attempts.length));
    res.status(200).json(result.output);
  } catch (error) {
    const model = (error as AppError).extensions?.model;
    if (typeof model === 'string') res.setHeader('Promptgate-Model', model);
    res.setHeader('Promptgate-Attempts', String(attempts.length));
    throw error;
  } finally {
    abort.done();
  }
}

/** Says why the model stopped when it was not `stop`; a value unfit for a header is left out. */
export function setFinishReason(res: Response, finishReason: string): void {
  if (finishReason !== 'stop' && /^[A-Za-z0-9_.-]{1,64}$/.test(finishReason)) {
    res.setHeader('Promptgate-Finish-Reason', finishReason);
  }
}

/** What the cache keeps of an answer: the output and who gave it. */
interface CachedAnswer {
  output: unknown;
  model: string;
}

/** `Cache-Control: no-cache` (or `no-store`) on a request skips the cache. */
function wantsFresh(req: Request): boolean {
  return /\bno-(cache|store)\b/i.test(req.get('cache-control') ?? '');
}

/** `Cache-Control: no-store` on a request: its answer is not kept (RFC 9111 5.2.1.5). */
function forbidsStore(req: Request): boolean {
  return /\bno-store\b/i.test(req.get('cache-control') ?? '');
}

function setCacheResult(req: Request, res: Response, result: CacheResult): void {
  req.facts.cache = result;
  res.setHeader('Promptgate-Cache', result);
}

export function resolveServed(catalog: EndpointCatalog, name: string): CatalogEntry {
  const entry = catalog.get(name);
  if (entry?.state.status === 'retired') {
    throw new AppError('endpoint_retired', `The endpoint "${name}" has been retired.`);
  }
  if (entry?.broken) {
    throw new AppError('internal_error', `The stored definition of "${name}" cannot be loaded.`, {
      cause: new Error(entry.broken),
    });
  }
  if (!entry?.served) {
    throw new AppError('endpoint_not_found', `No published endpoint is named "${name}".`);
  }
  return entry;
}

/** Public endpoints take anyone; others the admin token or a consumer key allowed to call. */
export async function authorize(
  options: EndpointRoutesOptions,
  req: Request,
  endpoint: CompiledEndpoint,
  cost = 1,
): Promise<void> {
  if (endpoint.definition.auth === 'public') return;
  const credential = credentialOf(req);
  if (!credential) {
    throw new AppError('unauthorized', 'This endpoint needs a key: send it as a bearer token.');
  }
  if (sameSecret(credential, options.adminToken)) return;
  req.facts.keyId = await options.keys.check(credential, endpoint.name, cost);
}

export function checkInput(endpoint: CompiledEndpoint, body: unknown): unknown {
  if (body === undefined) {
    throw new AppError('input_invalid', 'The body is empty; send the input as a JSON object.', {
      errors: [{ path: '', message: 'is required' }],
    });
  }
  if (exceedsDepth(body, MAX_INPUT_DEPTH)) {
    throw new AppError('input_invalid', `The input nests deeper than ${MAX_INPUT_DEPTH} levels.`, {
      errors: [{ path: '', message: `nests deeper than ${MAX_INPUT_DEPTH} levels` }],
    });
  }
  if (!endpoint.validateInput(body)) {
    const errors = toFieldErrors(endpoint.validateInput.errors);
    const count = errors.length === 1 ? '1 problem' : `${errors.length} problems`;
    throw new AppError('input_invalid', `The input has ${count}.`, { errors });
  }
  return body;
}

/** RFC 9745 `Deprecation` and RFC 8594 `Sunset` on every answer of a deprecated endpoint. */
export function setDeprecationHeaders(res: Response, entry: CatalogEntry): void {
  const { state } = entry;
  if (state.status !== 'deprecated') return;
  const since = Date.parse(state.deprecatedAt ?? state.updatedAt);
  res.setHeader('Deprecation', `@${Math.floor(since / 1000)}`);
  if (state.sunset) res.setHeader('Sunset', new Date(state.sunset).toUTCString());
}

/** Aborts the upstream call when the client disconnects before the answer is sent. */
export function abortOnDisconnect(req: Request, res: Response) {
  const controller = new AbortController();
  const onClose = () => {
    if (!res.writableEnded) controller.abort();
  };
  res.on('close', onClose);
  return { signal: controller.signal, done: () => res.off('close', onClose) };
}
