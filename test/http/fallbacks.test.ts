import {
  definition,
  jsonCompletion,
  startTestServer,
  type TestServer,
} from '../support/test-server';

const fastRetry = {
  maxAttempts: 2,
  initialDelayMs: 5,
  maxDelayMs: 10,
  attemptTimeoutMs: 2000,
  deadlineMs: 5000,
};

describe('fallbacks and pools', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({
      extraProviders: ['backup', 'east', 'west'],
      pools: [
        {
          name: 'spread',
          members: [
            { provider: 'east', weight: 1 },
            { provider: 'west', weight: 1 },
          ],
        },
      ],
      circuit: { failureThreshold: 2, openMs: 60_000 },
    });
    await server.request('POST', '/admin/endpoints', {
      body: definition({
        name: 'with-fallback',
        publish: true,
        retry: fastRetry,
        model: {
          provider: 'default',
          name: 'gpt-4o-mini',
          fallbacks: [{ provider: 'backup', name: 'llama3.1:8b' }],
        },
      }),
    });
    await server.request('POST', '/admin/endpoints', {
      body: definition({
        name: 'pooled',
        publish: true,
        retry: { ...fastRetry, maxAttempts: 1 },
        model: { provider: 'spread', name: 'gpt-4o-mini' },
      }),
    });
  });
  afterAll(() => server.stop());
  beforeEach(async () => {
    for (const p of [server.provider, ...Object.values(server.providers)]) p.reset();
    for (const name of ['default', 'backup', 'east', 'west']) {
      await server.request('POST', `/admin/providers/${name}/reset`);
    }
  });

  it('moves to the fallback after the primary attempts and says which model answered', async () => {
    server.provider.fallback = { status: 503 };
    server.providers.backup.push(jsonCompletion({ label: 'positive', score: 0.7 }));
    const res = await server.request('POST', '/v1/with-fallback', { body: { text: 'x' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('promptgate-model')).toBe('backup/llama3.1:8b');
    expect(res.headers.get('promptgate-attempts')).toBe('3');
    expect(server.provider.requests).toHaveLength(2);
    expect(server.providers.backup.requests[0].body.model).toBe('llama3.1:8b');
    expect(server.providers.backup.requests[0].headers.authorization).toBe('Bearer sk-backup-key');
  });

  it('moves to the fallback at once on a 4xx that is not retried', async () => {
    server.provider.fallback = { status: 404 };
    server.providers.backup.push(jsonCompletion({ label: 'neutral', score: 0.5 }));
    const res = await server.request('POST', '/v1/with-fallback', { body: { text: 'x' } });
    expect(res.status).toBe(200);
    expect(server.provider.requests).toHaveLength(1);
  });

  it('spreads pooled calls over the members', async () => {
    for (const name of ['east', 'west']) {
      server.providers[name].respond = () => jsonCompletion({ label: 'neutral', score: 0.5 });
    }
    for (let i = 0; i < 40; i++) {
      const res = await server.request('POST', '/v1/pooled', { body: { text: `x${i}` } });
      expect(res.status).toBe(200);
    }
    expect(server.providers.east.requests.length).toBeGreaterThan(5);
    expect(server.providers.west.requests.length).toBeGreaterThan(5);
  });

  it('steers pooled calls away from a member whose circuit is open', async () => {
    server.providers.east.fallback = { status: 500 };
    server.providers.west.respond = () => jsonCompletion({ label: 'neutral', score: 0.5 });
    for (let i = 0; i < 30; i++) {
      const res = await server.request('POST', '/v1/pooled', { body: { text: `x${i}` } });
      expect(res.status).toBe(200);
    }
    // The circuit opens after 2 failures; from then on east is not called first nor at all.
    expect(server.providers.east.requests.length).toBe(2);
    const providers = await server.request('GET', '/admin/providers');
    const east = providers.body.items.find((p: { name: string }) => p.name === 'east');
    expect(east.health.state).toBe('open');
    expect(providers.body.pools).toEqual([
      {
        name: 'spread',
        members: [
          { provider: 'east', weight: 1 },
          { provider: 'west', weight: 1 },
        ],
      },
    ]);
  });
});
