import {
  definition,
  jsonCompletion,
  startTestServer,
  type TestServer,
} from '../support/test-server';

describe('response cache', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
    await server.request('POST', '/admin/endpoints', {
      body: definition({
        name: 'cached',
        publish: true,
        cache: { ttlSeconds: 60 },
        input: {
          type: 'object',
          required: ['text'],
          properties: { text: { type: 'string' }, lang: { type: 'string' } },
          additionalProperties: false,
        },
      }),
    });
  });
  afterAll(() => server.stop());
  beforeEach(() => server.provider.reset());

  const call = (body: unknown, headers?: Record<string, string>) =>
    server.request('POST', '/v1/cached', { body, headers });

  it('answers a repeated input from the cache without calling the provider', async () => {
    server.provider.respond = () => jsonCompletion({ label: 'positive', score: 0.9 });
    const first = await call({ text: 'repeat me', lang: 'en' });
    expect(first.headers.get('promptgate-cache')).toBe('miss');
    const second = await call({ lang: 'en', text: 'repeat me' });
    expect(second.status).toBe(200);
    expect(second.body).toEqual(first.body);
    expect(second.headers.get('promptgate-cache')).toBe('hit');
    expect(second.headers.get('promptgate-attempts')).toBe('0');
    expect(second.headers.get('promptgate-model')).toBe('default/gpt-4o-mini');
    expect(server.provider.requests).toHaveLength(1);

    const other = await call({ text: 'something else' });
    expect(other.headers.get('promptgate-cache')).toBe('miss');
    expect(server.provider.requests).toHaveLength(2);
  });

  it('bypasses the cache on Cache-Control: no-cache', async () => {
    server.provider.respond = () => jsonCompletion({ label: 'neutral', score: 0.5 });
    await call({ text: 'fresh please' });
    const res = await call({ text: 'fresh please' }, { 'cache-control': 'no-cache' });
    expect(res.headers.get('promptgate-cache')).toBe('bypass');
    expect(server.provider.requests).toHaveLength(2);
  });

  it('keeps nothing from a no-store request, nor a reply cut off by the token limit', async () => {
    server.provider.respond = () => jsonCompletion({ label: 'negative', score: 0.2 });
    const noStore = await call({ text: 'private' }, { 'cache-control': 'no-store' });
    expect(noStore.headers.get('promptgate-cache')).toBe('bypass');
    const next = await call({ text: 'private' });
    expect(next.headers.get('promptgate-cache')).toBe('miss');
    expect(server.provider.requests).toHaveLength(2);
  });

  it('does not keep failures', async () => {
    server.provider.fallback = { status: 400 };
    const failed = await call({ text: 'fails first' });
    expect(failed.status).toBe(502);
    server.provider.reset();
    server.provider.push(jsonCompletion({ label: 'negative', score: 0.1 }));
    const ok = await call({ text: 'fails first' });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('promptgate-cache')).toBe('miss');
  });

  it('lets identical concurrent requests share one provider call', async () => {
    server.provider.respond = () => ({
      ...jsonCompletion({ label: 'positive', score: 1 }),
      delayMs: 150,
    });
    const answers = await Promise.all(Array.from({ length: 5 }, () => call({ text: 'stampede' })));
    for (const res of answers) {
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ label: 'positive', score: 1 });
    }
    expect(server.provider.requests).toHaveLength(1);
    const results = answers.map((r) => r.headers.get('promptgate-cache')).sort();
    expect(results).toEqual(['hit', 'hit', 'hit', 'hit', 'miss']);
  });

  it('says off for endpoints without a cache', async () => {
    await server.request('POST', '/admin/endpoints', {
      body: definition({ name: 'uncached', publish: true }),
    });
    server.provider.push(jsonCompletion({ label: 'positive', score: 1 }));
    const res = await server.request('POST', '/v1/uncached', { body: { text: 'x' } });
    expect(res.headers.get('promptgate-cache')).toBe('off');
  });
});
