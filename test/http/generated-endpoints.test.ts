import {
  definition,
  jsonCompletion,
  startTestServer,
  type TestServer,
} from '../support/test-server';

describe('generated endpoints: POST /v1/{name}', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
    await server.request('POST', '/admin/endpoints', {
      body: definition({ name: 'sentiment', publish: true }),
    });
    await server.request('POST', '/admin/endpoints', {
      body: definition({
        name: 'reply',
        output: undefined,
        auth: 'public',
        input: {
          type: 'object',
          required: ['customer', 'message'],
          properties: { customer: { type: 'string' }, message: { type: 'string' } },
          additionalProperties: false,
        },
        prompt: { user: 'Customer {{customer}} wrote:\n{{message}}' },
        publish: true,
      }),
    });
  });
  afterAll(() => server.stop());
  beforeEach(() => server.provider.reset());

  const call = (name: string, body: unknown, headers?: Record<string, string>) =>
    server.request('POST', `/v1/${name}`, { body, headers });

  it('answers the validated output itself with the gateway headers', async () => {
    server.provider.push(jsonCompletion({ label: 'positive', score: 0.97 }));
    const res = await call('sentiment', { text: 'Love it' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ label: 'positive', score: 0.97 });
    expect(res.headers.get('promptgate-version')).toBe('1');
    expect(res.headers.get('promptgate-model')).toBe('default/gpt-4o-mini');
    expect(res.headers.get('promptgate-attempts')).toBe('1');
    expect(res.headers.get('promptgate-cache')).toBe('off');
    expect(res.headers.get('x-request-id')).toMatch(/^[A-Za-z0-9._:-]{1,128}$/);
  });

  it('sends the model, temperature 0, max_tokens and the messages in order', async () => {
    server.provider.push(jsonCompletion({ label: 'neutral', score: 0.5 }));
    await call('sentiment', { text: 'ok' });
    const sent = server.provider.requests[0].body;
    expect(sent.model).toBe('gpt-4o-mini');
    expect(sent.temperature).toBe(0);
    expect(sent.max_tokens).toBe(50);
    expect(sent.messages.map((m: { role: string }) => m.role)).toEqual(['system', 'user']);
    expect(sent.messages[1].content).toBe('Message:\nok');
    expect(server.provider.requests[0].headers.authorization).toBe('Bearer sk-test-key');
  });

  it('echoes a valid X-Request-Id and replaces an invalid one', async () => {
    server.provider.push(jsonCompletion({ label: 'neutral', score: 0.5 }));
    const echoed = await call('sentiment', { text: 'x' }, { 'x-request-id': 'abc.DEF:1-2_3' });
    expect(echoed.headers.get('x-request-id')).toBe('abc.DEF:1-2_3');

    const replaced = await call(
      'sentiment',
      { text: '' },
      { 'x-request-id': 'bad id with spaces' },
    );
    expect(replaced.headers.get('x-request-id')).not.toBe('bad id with spaces');
    expect(replaced.body.requestId).toBe(replaced.headers.get('x-request-id'));
  });

  it('lists every input failure with its own JSON pointer and never calls the model', async () => {
    const res = await call('sentiment', { text: '', tone: 'formal' });
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('input_invalid');
    const paths = res.body.errors.map((e: { path: string }) => e.path).sort();
    expect(paths).toEqual(['/text', '/tone']);
    expect(server.provider.requests).toHaveLength(0);
  });

  it('refuses input nested deeper than 64 levels with 422', async () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 70; i++) deep = [deep];
    const res = await call('sentiment', { text: deep });
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('input_invalid');
  });

  it('answers malformed JSON with a 400 problem and no stack trace', async () => {
    const res = await server.request('POST', '/v1/sentiment', { rawBody: '{"text": "a",}' });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ status: 400, code: 'malformed_json' });
    expect(res.text).not.toMatch(/at JSON\.parse|node_modules|<html/);
  });

  it('refuses __proto__ keys and constructor.prototype paths as malformed', async () => {
    for (const raw of [
      '{"text":"a","__proto__":{"x":1}}',
      '{"constructor":{"prototype":{"x":1}}}',
    ]) {
      const res = await server.request('POST', '/v1/sentiment', { rawBody: raw });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('malformed_json');
    }
  });

  it('answers 415 for a body that is not application/json', async () => {
    const res = await server.request('POST', '/v1/sentiment', {
      rawBody: 'text=hello',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(res.status).toBe(415);
    expect(res.body.code).toBe('unsupported_media_type');
  });

  it('answers 413 for a body over the limit', async () => {
    const res = await server.request('POST', '/v1/sentiment', {
      rawBody: `{"text":"${'a'.repeat(1024 * 1024 + 10)}"}`,
    });
    expect(res.status).toBe(413);
    expect(res.body.code).toBe('payload_too_large');
  });

  it('answers 404 problems for unknown endpoints and unknown routes', async () => {
    const unknown = await call('sentiment-v2', { text: 'x' });
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe('endpoint_not_found');
    expect(unknown.headers.get('content-type')).toMatch(/^application\/problem\+json/);

    const route = await server.request('GET', '/nowhere');
    expect(route.status).toBe(404);
    expect(route.body.code).toBe('not_found');
    expect(route.text).not.toContain('Cannot GET');
  });

  it('requires a credential unless the endpoint is public', async () => {
    const res = await server.request('POST', '/v1/sentiment', { body: { text: 'x' }, token: null });
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('unauthorized');

    server.provider.push({ completion: { content: 'Thanks!' } });
    const open = await server.request('POST', '/v1/reply', {
      body: { customer: 'A', message: 'B' },
      token: null,
    });
    expect(open.status).toBe(200);
  });

  it('sends values verbatim: no HTML escaping of quotes, apostrophes or ampersands', async () => {
    server.provider.push({ completion: { content: 'Sure.' } });
    const res = await call('reply', {
      customer: "O'Hara & Sons <ltd>",
      message: 'We\'re "happy" {{not a template}}',
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ text: 'Sure.' });
    const content = server.provider.requests[0].body.messages[0].content;
    expect(content).toBe('Customer O\'Hara & Sons <ltd> wrote:\nWe\'re "happy" {{not a template}}');
  });

  it('returns a cut-off reply without an output schema and says so in a header', async () => {
    server.provider.push({ completion: { content: 'Half a sent', finish_reason: 'length' } });
    const res = await call('reply', { customer: 'A', message: 'B' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ text: 'Half a sent' });
    expect(res.headers.get('promptgate-finish-reason')).toBe('length');
  });

  it('unwraps a fenced JSON answer without a repair call', async () => {
    server.provider.push({
      completion: { content: 'Here you go:\n```json\n{"label":"Negative","score":"0.2"}\n```' },
    });
    const res = await call('sentiment', { text: 'bad' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ label: 'negative', score: 0.2 });
    expect(res.headers.get('promptgate-attempts')).toBe('1');
  });

  it('repairs invalid output by sending the errors back to the model', async () => {
    server.provider.script([
      jsonCompletion({ label: 'great', score: 3 }),
      jsonCompletion({ label: 'positive', score: 0.9 }),
    ]);
    const res = await call('sentiment', { text: 'good' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ label: 'positive', score: 0.9 });
    expect(res.headers.get('promptgate-attempts')).toBe('2');
    const repair = server.provider.requests[1].body.messages;
    expect(repair.at(-2)).toEqual({ role: 'assistant', content: '{"label":"great","score":3}' });
    expect(repair.at(-1).content).toContain('/score');
    expect(repair.at(-1).content).toContain('/label');
  });

  it('answers 502 output_invalid when repairs run out, listing the failures', async () => {
    server.provider.script([
      { completion: { content: '' } },
      { completion: { content: 'no idea' } },
    ]);
    const res = await call('sentiment', { text: 'good' });
    expect(res.status).toBe(502);
    expect(res.body.code).toBe('output_invalid');
    expect(res.body.errors.length).toBeGreaterThan(0);
    expect(res.headers.get('promptgate-attempts')).toBe('2');
  });

  it('treats a reply cut off by the token limit as invalid at once, without repair', async () => {
    server.provider.push({ completion: { content: '{"label":"posi', finish_reason: 'length' } });
    const res = await call('sentiment', { text: 'good' });
    expect(res.status).toBe(502);
    expect(res.body.code).toBe('output_invalid');
    expect(server.provider.requests).toHaveLength(1);
  });

  it('treats a refusal as invalid output at once', async () => {
    server.provider.push({ completion: { content: null, refusal: 'I cannot help with that.' } });
    const res = await call('sentiment', { text: 'good' });
    expect(res.status).toBe(502);
    expect(res.body.code).toBe('output_invalid');
    expect(server.provider.requests).toHaveLength(1);
  });

  it('retries a 502 HTML page and never shows the HTML', async () => {
    server.provider.script([
      {
        status: 502,
        headers: { 'content-type': 'text/html' },
        text: '<html><h1>Bad gateway</h1></html>',
      },
      jsonCompletion({ label: 'negative', score: 0.8 }),
    ]);
    const res = await call('sentiment', { text: 'broken' });
    expect(res.status).toBe(200);
    expect(res.headers.get('promptgate-attempts')).toBe('2');
    expect(res.text).not.toContain('html');
  });

  it('gives up after maxAttempts with 502 upstream_error and no upstream body', async () => {
    server.provider.fallback = {
      status: 500,
      headers: { 'content-type': 'text/html' },
      text: '<html>secret stack</html>',
    };
    const res = await call('sentiment', { text: 'broken' });
    expect(res.status).toBe(502);
    expect(res.body.code).toBe('upstream_error');
    expect(res.headers.get('promptgate-attempts')).toBe('3');
    expect(res.text).not.toContain('secret stack');
    expect(res.text).not.toContain('sk-test-key');
  });

  it('honours Retry-After on a 429 before retrying', async () => {
    server.provider.script([
      { status: 429, headers: { 'retry-after': '1' } },
      jsonCompletion({ label: 'neutral', score: 0.5 }),
    ]);
    const started = Date.now();
    const res = await call('sentiment', { text: 'wait' });
    expect(res.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });

  it('answers 429 rate_limited with Retry-After when the provider wait exceeds the deadline', async () => {
    server.provider.fallback = { status: 429, headers: { 'retry-after': '120' } };
    const res = await call('sentiment', { text: 'wait' });
    expect(res.status).toBe(429);
    expect(res.body.code).toBe('rate_limited');
    expect(res.headers.get('retry-after')).toBe('120');
    expect(server.provider.requests).toHaveLength(1);
  });

  it.each([408, 409, 429, 500, 502, 503, 504, 529])(
    'retries a %i from the provider and then answers',
    async (status) => {
      server.provider.script([{ status }, jsonCompletion({ label: 'neutral', score: 0.5 })]);
      const res = await call('sentiment', { text: 'again' });
      expect(res.status).toBe(200);
      expect(res.headers.get('promptgate-attempts')).toBe('2');
    },
  );

  it.each([400, 401, 403, 404, 422])('does not retry a %i from the provider', async (status) => {
    server.provider.script([{ status }, jsonCompletion({ label: 'neutral', score: 0.5 })]);
    const res = await call('sentiment', { text: 'once' });
    expect(res.status).toBe(502);
    expect(res.body.code).toBe('upstream_error');
    expect(res.headers.get('promptgate-attempts')).toBe('1');
  });

  it('retries a 200 whose body is not a chat completion', async () => {
    server.provider.script([
      { status: 200, json: { unexpected: true } },
      jsonCompletion({ label: 'neutral', score: 0.5 }),
    ]);
    const res = await call('sentiment', { text: 'shape' });
    expect(res.status).toBe(200);
    expect(res.headers.get('promptgate-attempts')).toBe('2');
  });

  it('does not retry a 400 from the provider and answers 502 upstream_error', async () => {
    server.provider.fallback = { status: 400 };
    const res = await call('sentiment', { text: 'x' });
    expect(res.status).toBe(502);
    expect(res.body.code).toBe('upstream_error');
    expect(server.provider.requests).toHaveLength(1);
  });

  it('answers 504 upstream_timeout when every attempt times out', async () => {
    await server.request('POST', '/admin/endpoints', {
      body: definition({
        name: 'slow',
        publish: true,
        retry: {
          maxAttempts: 2,
          initialDelayMs: 5,
          maxDelayMs: 10,
          attemptTimeoutMs: 150,
          deadlineMs: 2000,
        },
      }),
    });
    server.provider.fallback = { hang: true };
    const res = await call('slow', { text: 'x' });
    expect(res.status).toBe(504);
    expect(res.body.code).toBe('upstream_timeout');
    expect(res.headers.get('promptgate-attempts')).toBe('2');
  });
});

describe('generated endpoints without a provider', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ env: { OPENAI_BASE_URL: '', OPENAI_API_KEY: '' } });
    await server.request('POST', '/admin/endpoints', {
      body: definition({ name: 'lonely', publish: true }),
    });
  });
  afterAll(() => server.stop());

  it('answers 503 upstream_unavailable', async () => {
    const res = await server.request('POST', '/v1/lonely', { body: { text: 'x' } });
    expect(res.status).toBe(503);
    expect(res.body.code).toBe('upstream_unavailable');
  });
});
