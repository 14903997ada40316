import { UpstreamFailure } from '../../src/providers/upstream-failure';
import { CircuitBreakers } from '../../src/resilience/circuit-breakers';

const http = (status: number) => new UpstreamFailure('http_error', 'x', { status });
const timeout = () => new UpstreamFailure('timeout', 'x');

function breakers(failureThreshold = 3, openMs = 1000) {
  let now = 0;
  const circuits = new CircuitBreakers(
    [
      {
        name: 'p',
        baseURL: 'http://p/v1',
        supportsJsonSchema: false,
        circuit: { failureThreshold, openMs },
      },
    ],
    () => now,
  );
  return { circuits, advance: (ms: number) => (now += ms) };
}

function fail(circuits: CircuitBreakers, times: number, failure = http(500)) {
  for (let i = 0; i < times; i += 1) {
    circuits.tryAcquire('p');
    circuits.record('p', failure);
  }
}

describe('CircuitBreakers', () => {
  it('opens after the configured consecutive failures', () => {
    const { circuits } = breakers();

    fail(circuits, 2, timeout());
    expect(circuits.tryAcquire('p')).toBe(true);
    circuits.record('p', new UpstreamFailure('connection_error', 'x'));

    expect(circuits.health('p')).toMatchObject({ state: 'open', consecutiveFailures: 3 });
    expect(circuits.tryAcquire('p')).toBe(false);
    expect(circuits.msUntilTrial('p')).toBe(1000);
  });

  it('does not count 429, other 4xx or invalid bodies, and a success resets the count', () => {
    const { circuits } = breakers();

    fail(circuits, 2);
    fail(circuits, 5, http(429));
    expect(circuits.health('p')).toMatchObject({ state: 'closed', consecutiveFailures: 0 });

    fail(circuits, 2);
    fail(circuits, 1, new UpstreamFailure('invalid_response', 'x'));
    circuits.record('p');
    expect(circuits.health('p').consecutiveFailures).toBe(0);
  });

  it('lets one trial through after openMs, then closes on success', () => {
    const { circuits, advance } = breakers();
    fail(circuits, 3);

    advance(1000);

    expect(circuits.tryAcquire('p')).toBe(true);
    expect(circuits.tryAcquire('p')).toBe(false);
    circuits.record('p');
    expect(circuits.health('p').state).toBe('closed');
    expect(circuits.tryAcquire('p')).toBe(true);
  });

  it('reopens when the trial fails', () => {
    const { circuits, advance } = breakers();
    fail(circuits, 3);
    advance(1000);

    fail(circuits, 1);

    expect(circuits.health('p')).toMatchObject({ state: 'open', openedAt: 1000 });
    expect(circuits.tryAcquire('p')).toBe(false);
  });

  it('uses defaults for providers without settings and forgets everything on reset', () => {
    const circuits = new CircuitBreakers();
    for (let i = 0; i < 5; i += 1) circuits.record('other', timeout());
    expect(circuits.health('other').state).toBe('open');
    expect(circuits.msUntilTrial('other')).toBeGreaterThan(29_000);

    circuits.reset('other');

    expect(circuits.health('other')).toMatchObject({ state: 'closed', recentErrors: [] });
  });

  it('keeps the last ten counted errors', () => {
    const { circuits } = breakers(100);
    fail(circuits, 15, http(502));

    expect(circuits.health('p').recentErrors).toHaveLength(10);
    expect(circuits.health('p').recentErrors[0]).toMatchObject({ kind: 'http_error', status: 502 });
  });
});
