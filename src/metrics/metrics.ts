/**
 * @module metrics
 * Prometheus metrics of one promptgate process: requests by endpoint and status, latency,
 * upstream attempts by provider and outcome, retries, cache results, tokens and circuit state.
 * Request handlers leave facts on the request; `observeRequest` turns them into samples once
 * the response is sent, so no route has to know about metrics.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { AttemptRecord, TokenUsage } from '../providers/types';
import type { CircuitBreakers, CircuitState } from '../resilience/circuit-breakers';

/** What a request handler may leave behind for metrics and the log line. */
export interface RequestFacts {
  endpoint?: string;
  attemptRecords?: AttemptRecord[];
  usage?: TokenUsage;
  cache?: string;
}

const CIRCUIT_VALUE: Record<CircuitState, number> = { closed: 0, half_open: 1, open: 2 };

export class Metrics {
  readonly registry = new Registry();
  readonly #requests: Counter<'endpoint' | 'status'>;
  readonly #latency: Histogram<'endpoint'>;
  readonly #attempts: Counter<'provider' | 'outcome'>;
  readonly #retries: Counter<'provider'>;
  readonly #cache: Counter<'endpoint' | 'result'>;
  readonly #tokens: Counter<'endpoint' | 'direction'>;

  constructor(options: { circuits?: CircuitBreakers; providers?: () => string[] } = {}) {
    // Standard names (process_*, nodejs_*), so that stock dashboards find them.
    collectDefaultMetrics({ register: this.registry });
    const registers = [this.registry];
    this.#requests = new Counter({
      name: 'promptgate_requests_total',
      help: 'Generated-endpoint requests by endpoint and HTTP status.',
      labelNames: ['endpoint', 'status'],
      registers,
    });
    this.#latency = new Histogram({
      name: 'promptgate_request_duration_seconds',
      help: 'Generated-endpoint request duration in seconds.',
      labelNames: ['endpoint'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60],
      registers,
    });
    this.#attempts = new Counter({
      name: 'promptgate_upstream_attempts_total',
      help: 'Provider requests by provider and outcome (ok, http_error, timeout, ...).',
      labelNames: ['provider', 'outcome'],
      registers,
    });
    this.#retries = new Counter({
      name: 'promptgate_upstream_retries_total',
      help: 'Provider requests that retried the same candidate after a failure.',
      labelNames: ['provider'],
      registers,
    });
    this.#cache = new Counter({
      name: 'promptgate_cache_results_total',
      help: 'Cache results by endpoint: hit, miss, bypass or off.',
      labelNames: ['endpoint', 'result'],
      registers,
    });
    this.#tokens = new Counter({
      name: 'promptgate_tokens_total',
      help: 'Model tokens by endpoint and direction (input, output).',
      labelNames: ['endpoint', 'direction'],
      registers,
    });
    const { circuits, providers } = options;
    new Gauge({
      name: 'promptgate_circuit_state',
      help: 'Circuit state per provider: 0 closed, 1 half open, 2 open.',
      labelNames: ['provider'],
      registers,
      collect() {
        if (!circuits || !providers) return;
        for (const name of providers()) {
          this.set({ provider: name }, CIRCUIT_VALUE[circuits.health(name).state]);
        }
      },
    });
  }

  /** Records one finished generated-endpoint request. */
  observeRequest(facts: RequestFacts, status: number, seconds: number): void {
    const endpoint = facts.endpoint;
    if (!endpoint) return;
    this.#requests.inc({ endpoint, status: String(status) });
    this.#latency.observe({ endpoint }, seconds);
    if (facts.cache) this.#cache.inc({ endpoint, result: facts.cache });
    if (facts.usage) {
      this.#tokens.inc({ endpoint, direction: 'input' }, facts.usage.inputTokens);
      this.#tokens.inc({ endpoint, direction: 'output' }, facts.usage.outputTokens);
    }
    const records = facts.attemptRecords ?? [];
    records.forEach((record, i) => {
      this.#attempts.inc({ provider: record.provider, outcome: record.outcome });
      if (isRetry(records, i)) this.#retries.inc({ provider: record.provider });
    });
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

/** An attempt at the same candidate, for the same purpose, right after a failed one. */
function isRetry(records: AttemptRecord[], i: number): boolean {
  const previous = records[i - 1];
  const current = records[i];
  return (
    previous !== undefined &&
    previous.outcome !== 'ok' &&
    previous.provider === current.provider &&
    previous.model === current.model &&
    previous.purpose === current.purpose
  );
}
