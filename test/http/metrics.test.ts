import {
  definition,
  jsonCompletion,
  startTestServer,
  type TestServer,
} from '../support/test-server';

describe('GET /metrics', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
    await server.request('POST', '/admin/endpoints', {
      body: definition({ name: 'counted', publish: true }),
    });
  });
  afterAll(() => server.stop());

  it('needs the admin token', async () => {
    const res = await server.request('GET', '/metrics', { token: null });
    expect(res.status).toBe(401);
  });

  it('counts requests, attempts by outcome, retries, tokens and circuit state', async () => {
    server.provider.script([
      { status: 502, text: '<html/>' },
      jsonCompletion({ label: 'neutral', score: 0.5 }),
    ]);
    expect((await server.request('POST', '/v1/counted', { body: { text: 'x' } })).status).toBe(200);
    expect((await server.request('POST', '/v1/counted', { body: { text: '' } })).status).toBe(422);

    const res = await server.request('GET', '/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = res.text;
    expect(text).toMatch(/promptgate_requests_total\{endpoint="counted",status="200"\} 1/);
    expect(text).toMatch(/promptgate_requests_total\{endpoint="counted",status="422"\} 1/);
    expect(text).toMatch(
      /promptgate_upstream_attempts_total\{provider="default",outcome="http_error"\} 1/,
    );
    expect(text).toMatch(/promptgate_upstream_attempts_total\{provider="default",outcome="ok"\} 1/);
    expect(text).toMatch(/promptgate_upstream_retries_total\{provider="default"\} 1/);
    expect(text).toMatch(/promptgate_tokens_total\{endpoint="counted",direction="input"\} [1-9]/);
    expect(text).toMatch(/promptgate_cache_results_total\{endpoint="counted",result="off"\} 1/);
    expect(text).toMatch(/promptgate_circuit_state\{provider="default"\} 0/);
    expect(text).toMatch(/promptgate_request_duration_seconds_bucket/);
  });
});
