import {
  definition,
  jsonCompletion,
  startTestServer,
  type TestServer,
} from '../support/test-server';

describe('POST /v1/{name}/batch', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
    await server.request('POST', '/admin/endpoints', {
      body: definition({
        name: 'bulk',
        publish: true,
        retry: {
          maxAttempts: 1,
          initialDelayMs: 5,
          maxDelayMs: 10,
          attemptTimeoutMs: 2000,
          deadlineMs: 4000,
        },
        repair: { maxAttempts: 0 },
      }),
    });
  });
  afterAll(() => server.stop());
  beforeEach(() => server.provider.reset());

  it('answers every item in order; a bad item does not fail the rest', async () => {
    server.provider.respond = (body) => {
      const text = body.messages.at(-1).content as string;
      if (text.includes('explode')) return { status: 400 };
      return jsonCompletion({ label: text.includes('good') ? 'positive' : 'negative', score: 0.5 });
    };
    const res = await server.request('POST', '/v1/bulk/batch', {
      body: { inputs: [{ text: 'good' }, { text: '' }, { text: 'bad' }, { text: 'explode' }] },
    });
    expect(res.status).toBe(200);
    const [first, second, third, fourth] = res.body.results;
    expect(first).toMatchObject({ output: { label: 'positive', score: 0.5 } });
    expect(second.error).toMatchObject({ status: 422, code: 'input_invalid' });
    expect(second.error.errors[0].path).toBe('/text');
    expect(third).toMatchObject({ output: { label: 'negative' } });
    expect(fourth.error).toMatchObject({ status: 502, code: 'upstream_error' });
    expect(res.headers.get('promptgate-attempts')).toBe('3');
  });

  it('refuses a body without an inputs array, or with more than 100 inputs', async () => {
    const missing = await server.request('POST', '/v1/bulk/batch', { body: { input: [] } });
    expect(missing.status).toBe(422);
    expect(missing.body.errors[0].path).toBe('/inputs');

    const inputs = Array.from({ length: 101 }, () => ({ text: 'x' }));
    const tooMany = await server.request('POST', '/v1/bulk/batch', { body: { inputs } });
    expect(tooMany.status).toBe(422);
    expect(server.provider.requests).toHaveLength(0);
  });

  it('keeps at most 4 items of one batch in flight at once', async () => {
    let inFlight = 0;
    let peak = 0;
    server.provider.respond = () => {
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      setTimeout(() => (inFlight -= 1), 40);
      return { ...jsonCompletion({ label: 'neutral', score: 0.5 }), delayMs: 40 };
    };
    const inputs = Array.from({ length: 12 }, (_, i) => ({ text: `item ${i}` }));
    const res = await server.request('POST', '/v1/bulk/batch', { body: { inputs } });
    expect(res.status).toBe(200);
    expect(res.body.results).toHaveLength(12);
    expect(peak).toBeLessThanOrEqual(4);
    expect(peak).toBeGreaterThan(1);
  });
});
