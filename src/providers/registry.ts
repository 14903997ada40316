/**
 * @module providers/registry
 * The configured providers, each with one OpenAI client built once. The SDK's own retries are off
 * (`maxRetries: 0`): `src/resilience/` is the one layer that retries, so attempts never multiply.
 */
import OpenAI from 'openai';

import { createHttpTransport, type FetchLike, type HttpTransport } from './http-transport';
import { ProviderPools } from './pools';
import type { ModelTarget } from '../definitions/types';
import type { PoolConfig, ProviderConfig } from './types';

/** A configured provider and its client. */
export interface Provider {
  readonly config: ProviderConfig;
  readonly client: OpenAI;
}

/** What may be shown of a provider: never its key or its headers' values. */
export interface ProviderDescription {
  name: string;
  /** Host (and port) of the base URL; path, query and credentials left out. */
  host: string;
  supportsJsonSchema: boolean;
}

export interface ProviderRegistryOptions {
  /**
   * How the clients send requests. Default: a keep-alive `node:http` transport shared by every
   * provider of this registry (see `http-transport.ts` for why). Pass `globalThis.fetch` to use
   * the built-in one.
   */
  fetch?: FetchLike;
  /** Pools that spread a model over several of these providers. */
  pools?: PoolConfig[];
  /** Uniform random source of the weighted draw; default `Math.random`. */
  random?: () => number;
}

/** Sent as the bearer token when a provider needs none (Ollama, llama.cpp, vLLM). */
const PLACEHOLDER_API_KEY = 'none';

export class ProviderRegistry {
  readonly #providers = new Map<string, Provider>();
  readonly #transport?: HttpTransport;
  readonly #pools: ProviderPools;

  constructor(configs: ProviderConfig[], options: ProviderRegistryOptions = {}) {
    this.#transport = options.fetch ? undefined : createHttpTransport();
    const fetch = options.fetch ?? this.#transport?.fetch;
    this.#pools = new ProviderPools(options.pools, options.random);

    for (const config of configs) {
      if (this.#providers.has(config.name)) {
        throw new TypeError(`Provider "${config.name}" is configured twice`);
      }
      this.#providers.set(config.name, { config, client: createClient(config, fetch) });
    }
  }

  get(name: string): Provider | undefined {
    return this.#providers.get(name);
  }

  names(): string[] {
    return [...this.#providers.keys()];
  }

  /** Candidates with pools replaced by their members, healthy ones first (see `pools.ts`). */
  expand(candidates: ModelTarget[], isHealthy: (provider: string) => boolean): ModelTarget[] {
    return this.#pools.expand(candidates, isHealthy);
  }

  /** Pools with their members and weights; for the admin API. */
  pools(): PoolConfig[] {
    return this.#pools.list();
  }

  describe(): ProviderDescription[] {
    return [...this.#providers.values()].map(({ config }) => ({
      name: config.name,
      host: hostOf(config.baseURL),
      supportsJsonSchema: config.supportsJsonSchema,
    }));
  }

  /** Release pooled connections (shutdown, tests). The registry must not be used afterwards. */
  close(): void {
    this.#transport?.close();
  }
}

/**
 * Everything the SDK would otherwise read from the environment (`OPENAI_ORG_ID`,
 * `OPENAI_ADMIN_KEY`, ...) is set explicitly, so one provider's settings never reach another
 * provider; its logger is off because resilience code reports through events, not logs.
 */
function createClient(config: ProviderConfig, fetch: FetchLike | undefined): OpenAI {
  return new OpenAI({
    baseURL: config.baseURL,
    apiKey: config.apiKey || PLACEHOLDER_API_KEY,
    adminAPIKey: null,
    organization: null,
    project: null,
    webhookSecret: null,
    defaultHeaders: config.headers,
    maxRetries: 0,
    logLevel: 'off',
    fetch,
  });
}

function hostOf(baseURL: string): string {
  try {
    return new URL(baseURL).host;
  } catch {
    return 'invalid-url';
  }
}
