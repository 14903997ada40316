/**
 * @module http/admin-test-route
 * `POST /admin/endpoints/{name}/test`: runs any version (drafts included) without the cache
 * and shows everything that happened: the rendered messages, every attempt, usage and model.
 */
import type { EndpointCatalog } from '../definitions/catalog';
import type { EndpointState } from '../definitions/types';
import { AppError, isAppError } from '../errors/app-error';
import { invokeEndpoint } from '../invocation/invoke-endpoint';
import type { ProviderRegistry } from '../providers/registry';
import type { CircuitBreakers } from '../resilience/circuit-breakers';
import type { AttemptRecord } from '../providers/types';
import { toFieldErrors } from '../validation/schema-errors';

export interface TestEndpointOptions {
  catalog: EndpointCatalog;
  registry: ProviderRegistry;
  circuits: CircuitBreakers;
  state: EndpointState;
  body: unknown;
  signal?: AbortSignal;
}

export async function testEndpoint(options: TestEndpointOptions) {
  const { state } = options;
  const body = (options.body ?? {}) as { input?: unknown; version?: unknown };
  const version = body.version === undefined ? state.latestVersion : body.version;
  if (!Number.isInteger(version) || (version as number) < 1) {
    throw new AppError('request_invalid', 'The version must be a positive whole number.', {
      errors: [{ path: '/version', message: 'must be a positive integer' }],
    });
  }
  const endpoint = await options.catalog.compiled(state.name, version as number);
  if (!endpoint) {
    throw new AppError('not_found', `The endpoint "${state.name}" has no version ${version}.`);
  }

  if (!endpoint.validateInput(body.input)) {
    const errors = toFieldErrors(endpoint.validateInput.errors, '/input');
    throw new AppError('input_invalid', 'The test input does not match the input schema.', {
      errors,
    });
  }

  const attempts: AttemptRecord[] = [];
  const messages = endpoint.render(body.input);
  const started = Date.now();
  try {
    const result = await invokeEndpoint({
      endpoint,
      input: body.input,
      registry: options.registry,
      circuits: options.circuits,
      signal: options.signal,
      attempts,
    });
    return {
      version: endpoint.version,
      output: result.output,
      messages,
      attempts,
      usage: result.usage,
      model: result.model,
      finishReason: result.finishReason,
      latencyMs: Date.now() - started,
    };
  } catch (error) {
    if (!isAppError(error)) throw error;
    throw new AppError(error.code, error.message, {
      errors: error.errors,
      headers: error.headers,
      cause: error,
      extensions: { ...error.extensions, version: endpoint.version, messages, attempts },
    });
  }
}
