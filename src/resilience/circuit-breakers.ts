/**
 * @module resilience/circuit-breakers
 * One circuit per provider (API.md section 6). Connection failures, timeouts and 5xx answers
 * count; 429, other 4xx and invalid bodies do not, since the provider did answer. After
 * `failureThreshold` counted failures in a row the circuit opens and the provider is skipped for
 * `openMs`; then one trial call goes through, and its outcome closes or reopens the circuit.
 */
import type { CircuitConfig, ProviderConfig } from '../providers/types';
import type { UpstreamFailure } from '../providers/upstream-failure';

export type CircuitState = 'closed' | 'open' | 'half_open';

/** What the admin API may show of one circuit. */
export interface CircuitHealth {
  state: CircuitState;
  consecutiveFailures: number;
  /** Epoch ms the circuit last opened, or null. */
  openedAt: number | null;
  /** Short descriptions of the latest counted failures, newest last (at most 10). */
  recentErrors: { at: number; kind: string; status: number | null }[];
}

const DEFAULTS: Required<CircuitConfig> = { failureThreshold: 5, openMs: 30_000 };
const RECENT_ERRORS = 10;

interface Circuit extends CircuitHealth {
  settings: Required<CircuitConfig>;
  trialInFlight: boolean;
}

export class CircuitBreakers {
  readonly #circuits = new Map<string, Circuit>();
  readonly #settings: Map<string, Required<CircuitConfig>>;
  readonly #now: () => number;

  /** @param now clock in epoch ms; default `Date.now` */
  constructor(configs: ProviderConfig[] = [], now: () => number = Date.now) {
    this.#settings = new Map(configs.map((c) => [c.name, { ...DEFAULTS, ...c.circuit }]));
    this.#now = now;
  }

  /** Whether a request may go to `provider` now; in half-open state only one trial at a time. */
  tryAcquire(provider: string): boolean {
    const circuit = this.#circuit(provider);
    if (circuit.state === 'closed') return true;

    const reopensAt = (circuit.openedAt ?? 0) + circuit.settings.openMs;
    if (circuit.state === 'open' && this.#now() >= reopensAt) circuit.state = 'half_open';
    if (circuit.state !== 'half_open' || circuit.trialInFlight) return false;

    circuit.trialInFlight = true;
    return true;
  }

  /** Ms until an open circuit of `provider` lets a trial through; 0 when it is not open. */
  msUntilTrial(provider: string): number {
    const circuit = this.#circuit(provider);
    if (circuit.state !== 'open') return 0;

    return Math.max(0, (circuit.openedAt ?? 0) + circuit.settings.openMs - this.#now());
  }

  /** Record the outcome of a request acquired with `tryAcquire`; `undefined` is a success. */
  record(provider: string, failure?: UpstreamFailure): void {
    const circuit = this.#circuit(provider);
    circuit.trialInFlight = false;
    if (failure?.kind === 'aborted') return;

    if (!failure || !counts(failure)) {
      Object.assign(circuit, { state: 'closed', consecutiveFailures: 0, openedAt: null });
      return;
    }

    circuit.consecutiveFailures += 1;
    circuit.recentErrors.push({
      at: this.#now(),
      kind: failure.kind,
      status: failure.status ?? null,
    });
    circuit.recentErrors.splice(0, circuit.recentErrors.length - RECENT_ERRORS);
    const trip = circuit.consecutiveFailures >= circuit.settings.failureThreshold;
    if (circuit.state === 'half_open' || trip) {
      Object.assign(circuit, { state: 'open', openedAt: this.#now() });
    }
  }

  health(provider: string): CircuitHealth {
    const { state, consecutiveFailures, openedAt, recentErrors } = this.#circuit(provider);
    return { state, consecutiveFailures, openedAt, recentErrors: [...recentErrors] };
  }

  /** Close the circuit and forget its failures (`POST /admin/providers/{name}/reset`). */
  reset(provider: string): void {
    this.#circuits.delete(provider);
  }

  #circuit(provider: string): Circuit {
    let circuit = this.#circuits.get(provider);
    if (!circuit) {
      const settings = this.#settings.get(provider) ?? DEFAULTS;
      circuit = {
        settings,
        state: 'closed',
        consecutiveFailures: 0,
        openedAt: null,
        recentErrors: [],
        trialInFlight: false,
      };
      this.#circuits.set(provider, circuit);
    }
    return circuit;
  }
}

/** Connection failures, timeouts and 5xx count against a provider; answers it gave do not. */
function counts(failure: UpstreamFailure): boolean {
  if (failure.kind === 'connection_error' || failure.kind === 'timeout') return true;

  return failure.kind === 'http_error' && (failure.status ?? 0) >= 500;
}
