import { definition, startTestServer, type TestServer } from '../support/test-server';

describe('hostile input and replies', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
    await server.request('POST', '/admin/endpoints', {
      body: definition({
        name: 'open-output',
        publish: true,
        output: { type: 'object' },
        repair: { maxAttempts: 0 },
      }),
    });
    await server.request('POST', '/admin/endpoints', {
      body: definition({ name: 'plain', publish: true, output: undefined }),
    });
  });
  afterAll(() => server.stop());
  beforeEach(() => server.provider.reset());

  const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

  it('answers a body nested 10000 levels deep with 422 input_invalid', async () => {
    const res = await server.request('POST', '/v1/plain', {
      rawBody: `{"text": ${nested(10_000)}}`,
    });
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('input_invalid');
  });

  it('finds __proto__ keys at any depth', async () => {
    const res = await server.request('POST', '/v1/plain', {
      rawBody: `{"text": [[[{"deep": {"__proto__": {"polluted": true}}}]]]}`,
    });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('malformed_json');
  });

  it('answers a path with a broken escape with a 404 problem, not a 500', async () => {
    const res = await server.request('POST', '/v1/%zz', { body: { text: 'x' } });
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/problem\+json/);
  });

  it('answers a model output nested too deep with 502 output_invalid', async () => {
    server.provider.push({ completion: { content: `{"x": ${nested(100_000)}}` } });
    const res = await server.request('POST', '/v1/open-output', { body: { text: 'x' } });
    expect(res.status).toBe(502);
    expect(res.body.code).toBe('output_invalid');
  });

  it('leaves out a finish reason that cannot be a header value', async () => {
    server.provider.push({ completion: { content: 'hi', finish_reason: 'x\r\nSet-Cookie: a=b' } });
    const res = await server.request('POST', '/v1/plain', { body: { text: 'x' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('promptgate-finish-reason')).toBeNull();
    expect(res.headers.get('set-cookie')).toBeNull();
  });

  it('shows a refusal on an endpoint without an output schema', async () => {
    server.provider.push({ completion: { content: null, refusal: 'I cannot help with that.' } });
    const res = await server.request('POST', '/v1/plain', { body: { text: 'x' } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ text: '', refusal: 'I cannot help with that.' });
  });

  it('refuses a definition nested deeper than 128 levels', async () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 200; i++) deep = { default: deep };
    const res = await server.request('POST', '/admin/endpoints', {
      body: definition({
        name: 'too-deep',
        input: { type: 'object', properties: { text: { type: 'string', default: deep } } },
      }),
    });
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('definition_invalid');
  });
});

describe('admin request bodies', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
    await server.request('POST', '/admin/endpoints', {
      body: definition({ name: 'target', publish: true }),
    });
  });
  afterAll(() => server.stop());

  it('refuses publish and deprecate bodies that are not objects', async () => {
    for (const rawBody of ['[]', '"x"', 'null', '5']) {
      const res = await server.request('POST', '/admin/endpoints/target/publish', { rawBody });
      expect(res.status).toBe(422);
      expect(res.body.code).toBe('request_invalid');
    }
  });

  it('refuses sunsets that are not real dates', async () => {
    for (const sunset of ['2030-02-30', '1969-12-31', '2030-13-01']) {
      const res = await server.request('POST', '/admin/endpoints/target/deprecate', {
        body: { sunset },
      });
      expect(res.status).toBe(422);
    }
  });

  it('reads version numbers in paths strictly', async () => {
    for (const version of ['0x1', '1e0', '01', '-1']) {
      const res = await server.request('GET', `/admin/endpoints/target/versions/${version}`);
      expect(res.status).toBe(404);
    }
  });

  it('publishes the new version of a PUT that asks for it', async () => {
    const res = await server.request('PUT', '/admin/endpoints/target', {
      body: definition({ name: 'target', publish: true }),
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ version: 2, publishedVersion: 2, status: 'published' });
  });

  it('refuses an If-Match that names no version', async () => {
    const res = await server.request('PUT', '/admin/endpoints/target', {
      body: definition({ name: 'target' }),
      headers: { 'if-match': 'garbage' },
    });
    expect(res.status).toBe(422);
  });
});

describe('templates that multiply the input', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
    await server.request('POST', '/admin/endpoints', {
      body: definition({
        name: 'square',
        publish: true,
        output: undefined,
        input: {
          type: 'object',
          properties: { a: { type: 'array', items: { type: 'string' } } },
        },
        prompt: { user: '{{#each a}}{{#each ../a}}{{this}}{{/each}}{{/each}}' },
      }),
    });
  });
  afterAll(() => server.stop());

  it('refuses an input that would make the prompt explode, with 422 and without the model', async () => {
    const a = Array.from({ length: 20_000 }, () => 'abcdefghij');
    const res = await server.request('POST', '/v1/square', { body: { a } });
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('input_invalid');
    expect(server.provider.requests).toHaveLength(0);
  });

  it('fails only that item of a batch', async () => {
    server.provider.push({ completion: { content: 'fine' } });
    const big = Array.from({ length: 20_000 }, () => 'x');
    const res = await server.request('POST', '/v1/square/batch', {
      body: { inputs: [{ a: big }, { a: ['one'] }] },
    });
    expect(res.status).toBe(200);
    expect(res.body.results[0].error.code).toBe('input_invalid');
    expect(res.body.results[1]).toMatchObject({ output: { text: 'fine' } });
  });
});
