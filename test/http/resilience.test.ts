import {
  definition,
  jsonCompletion,
  startTestServer,
  type TestServer,
} from '../support/test-server';

describe('generated endpoints under provider faults', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
    await server.request('POST', '/admin/endpoints', {
      body: definition({
        name: 'flaky',
        publish: true,
        retry: {
          maxAttempts: 1,
          initialDelayMs: 5,
          maxDelayMs: 10,
          attemptTimeoutMs: 3000,
          deadlineMs: 5000,
        },
      }),
    });
  });
  afterAll(() => server.stop());
  beforeEach(async () => {
    server.provider.reset();
    await server.request('POST', '/admin/providers/default/reset');
  });

  it('cancels the upstream call when the client disconnects', async () => {
    server.provider.fallback = { hang: true };
    const controller = new AbortController();
    const pending = fetch(`${server.url}/v1/flaky`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'x' }),
      signal: controller.signal,
    }).catch((error: Error) => error);
    await waitFor(() => server.provider.requests.length === 1);
    controller.abort();
    await pending;
    await waitFor(() => server.provider.requests[0].cancelled === true);
    expect(server.provider.requests).toHaveLength(1);
  });

  it('opens the circuit after 5 failures and then answers 503 fast without calling', async () => {
    server.provider.fallback = { status: 500 };
    for (let i = 0; i < 5; i++) {
      const res = await server.request('POST', '/v1/flaky', { body: { text: 'x' } });
      expect(res.status).toBe(502);
    }
    const providers = await server.request('GET', '/admin/providers');
    expect(providers.body.items[0].health.state).toBe('open');

    const started = Date.now();
    const res = await server.request('POST', '/v1/flaky', { body: { text: 'x' } });
    expect(res.status).toBe(503);
    expect(res.body.code).toBe('upstream_unavailable');
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(server.provider.requests).toHaveLength(5);

    await server.request('POST', '/admin/providers/default/reset');
    server.provider.push(jsonCompletion({ label: 'neutral', score: 0.5 }));
    const healed = await server.request('POST', '/v1/flaky', { body: { text: 'x' } });
    expect(healed.status).toBe(200);
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 3000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
