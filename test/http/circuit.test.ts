import {
  definition,
  jsonCompletion,
  startTestServer,
  type TestServer,
} from '../support/test-server';

describe('circuit breaker over HTTP', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ circuit: { failureThreshold: 2, openMs: 300 } });
    await server.request('POST', '/admin/endpoints', {
      body: definition({
        name: 'guarded',
        publish: true,
        retry: {
          maxAttempts: 1,
          initialDelayMs: 5,
          maxDelayMs: 10,
          attemptTimeoutMs: 1000,
          deadlineMs: 2000,
        },
      }),
    });
  });
  afterAll(() => server.stop());
  beforeEach(async () => {
    server.provider.reset();
    await server.request('POST', '/admin/providers/default/reset');
  });

  const call = () => server.request('POST', '/v1/guarded', { body: { text: 'x' } });
  const state = async () =>
    (await server.request('GET', '/admin/providers')).body.items[0].health.state as string;

  it('closes again after a successful trial call once the open time has passed', async () => {
    server.provider.script([{ status: 500 }, { status: 500 }]);
    await call();
    await call();
    expect(await state()).toBe('open');
    expect((await call()).status).toBe(503);

    await new Promise((resolve) => setTimeout(resolve, 350));
    server.provider.respond = () => jsonCompletion({ label: 'positive', score: 1 });
    expect((await call()).status).toBe(200);
    expect(await state()).toBe('closed');
    for (let i = 0; i < 3; i++) expect((await call()).status).toBe(200);
  });

  it('counts only failures in a row: a success in between resets the count', async () => {
    const fail = { status: 502 };
    const ok = jsonCompletion({ label: 'neutral', score: 0.5 });
    server.provider.script([fail, ok, fail, ok, fail, ok]);
    const statuses = [];
    for (let i = 0; i < 6; i++) statuses.push((await call()).status);
    expect(statuses).toEqual([502, 200, 502, 200, 502, 200]);
    expect(await state()).toBe('closed');
  });

  it('reopens when the trial call fails', async () => {
    server.provider.fallback = { status: 500 };
    await call();
    await call();
    await new Promise((resolve) => setTimeout(resolve, 350));
    expect((await call()).status).toBe(502);
    expect(await state()).toBe('open');
    expect(server.provider.requests).toHaveLength(3);
  });
});
