import {
  ADMIN_TOKEN,
  definition,
  jsonCompletion,
  startTestServer,
  type TestServer,
} from '../support/test-server';

interface SseEvent {
  event: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  data: any;
}

/** Parse a whole SSE body; comments (`: ping`) are skipped, `data` is JSON. */
function parseSse(text: string): SseEvent[] {
  return text
    .split('\n\n')
    .filter((block) => block.trim() && !block.startsWith(':'))
    .map((block) => {
      const lines = block.split('\n');
      const field = (name: string) =>
        lines
          .filter((line) => line.startsWith(`${name}: `))
          .map((line) => line.slice(name.length + 2))
          .join('\n');
      return { event: field('event') || 'message', data: JSON.parse(field('data')) };
    });
}

describe('generated endpoints: POST /v1/{name}/stream', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
    await server.request('POST', '/admin/endpoints', {
      body: definition({
        name: 'sentiment',
        model: {
          provider: 'default',
          name: 'gpt-4o-mini',
          fallbacks: [{ provider: 'default', name: 'backup-model' }],
        },
        publish: true,
      }),
    });
    await server.request('POST', '/admin/endpoints', {
      body: definition({ name: 'strict', repair: { maxAttempts: 0 }, publish: true }),
    });
    await server.request('POST', '/admin/endpoints', {
      body: definition({
        name: 'reply',
        output: undefined,
        auth: 'public',
        prompt: { user: 'Answer: {{text}}' },
        publish: true,
      }),
    });
  });
  afterAll(() => server.stop());
  beforeEach(() => server.provider.reset());

  async function stream(name: string, body: unknown, init: RequestInit = {}) {
    const res = await fetch(`${server.url}/v1/${name}/stream`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
      ...init,
    });
    const text = await res.text();
    const isSse = (res.headers.get('content-type') ?? '').startsWith('text/event-stream');
    return {
      status: res.status,
      headers: res.headers,
      events: isSse ? parseSse(text) : [],
      body: isSse ? undefined : JSON.parse(text),
    };
  }

  const names = (events: SseEvent[]) => events.map((e) => e.event);

  it('streams the deltas in order, then meta and the validated output', async () => {
    server.provider.push({ stream: ['{"label": "Positive",', ' "score": "0.9"', '}'] });

    const res = await stream('sentiment', { text: 'Love it' });

    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(res.headers.get('x-accel-buffering')).toBe('no');
    expect(res.headers.get('promptgate-version')).toBe('1');
    expect(res.headers.get('promptgate-cache')).toBe('off');
    expect(res.headers.get('x-request-id')).toBeTruthy();
    expect(names(res.events)).toEqual(['delta', 'delta', 'delta', 'meta', 'output']);
    const text = res.events.filter((e) => e.event === 'delta').map((e) => e.data.text);
    expect(text.join('')).toBe('{"label": "Positive", "score": "0.9"}');
    expect(res.events[3].data).toMatchObject({
      model: 'default/gpt-4o-mini',
      attempts: 1,
      finishReason: 'stop',
      usage: { inputTokens: expect.any(Number), outputTokens: expect.any(Number) },
    });
    expect(res.events[4].data).toEqual({ label: 'positive', score: 0.9 });
    expect(server.provider.requests[0].body.stream).toBe(true);
  });

  it('answers {text} at the end for an endpoint without an output schema', async () => {
    server.provider.push({ stream: ['Hello', ' there'] });

    const res = await stream(
      'reply',
      { text: 'hi' },
      { headers: { 'content-type': 'application/json' } },
    );

    expect(res.status).toBe(200);
    expect(res.events.at(-1)).toEqual({ event: 'output', data: { text: 'Hello there' } });
  });

  it.each([
    ['an HTTP 502', { status: 502, text: '<html>502</html>' }],
    ['a reset', { reset: true as const }],
    ['a stream broken before its first chunk', { stream: ['x'], streamBreakAfter: 0 }],
  ])('retries %s before the first delta', async (_name, failure) => {
    server.provider.script([failure, { stream: ['{"label":"neutral",', '"score":0.5}'] }]);

    const res = await stream('sentiment', { text: 'meh' });

    expect(names(res.events)).toEqual(['delta', 'delta', 'meta', 'output']);
    expect(res.events[2].data).toMatchObject({ model: 'default/gpt-4o-mini', attempts: 2 });
    expect(res.events[3].data).toEqual({ label: 'neutral', score: 0.5 });
    expect(server.provider.requests).toHaveLength(2);
  });

  it('ends with an error event and no retry when the stream breaks after a delta', async () => {
    server.provider.script([
      {
        stream: ['{"label":', '"negative",', '"score":0.1}'],
        streamBreakAfter: 2,
        chunkDelayMs: 20,
      },
    ]);
    server.provider.fallback = { stream: ['{"label":"neutral","score":0.5}'] };

    const res = await stream('sentiment', { text: 'bad' });

    expect(res.status).toBe(200);
    expect(names(res.events)).toEqual(['delta', 'delta', 'meta', 'error']);
    expect(res.events[2].data).toEqual({ model: 'default/gpt-4o-mini', attempts: 1 });
    const problem = res.events[3].data;
    expect(problem).toMatchObject({ code: 'upstream_error', status: 502 });
    expect(problem.requestId).toBe(res.headers.get('x-request-id'));
    expect(server.provider.requests).toHaveLength(1);
  });

  it('repairs invalid streamed output with a non-streamed call', async () => {
    server.provider.script([
      { stream: ['not', ' json'] },
      jsonCompletion({ label: 'positive', score: 1 }),
    ]);

    const res = await stream('sentiment', { text: 'great' });

    expect(names(res.events)).toEqual(['delta', 'delta', 'meta', 'output']);
    expect(res.events[2].data.attempts).toBe(2);
    expect(res.events[3].data).toEqual({ label: 'positive', score: 1 });
    expect(server.provider.requests[1].body.stream).toBeUndefined();
  });

  it('ends with output_invalid when repair is off or the reply was cut off', async () => {
    server.provider.script([{ stream: ['no json here'] }]);
    const invalid = await stream('strict', { text: 'x' });
    expect(names(invalid.events)).toEqual(['delta', 'meta', 'error']);
    expect(invalid.events[2].data).toMatchObject({ code: 'output_invalid', status: 502 });

    server.provider.script([{ stream: ['{"label":'], completion: { finish_reason: 'length' } }]);
    const cut = await stream('sentiment', { text: 'x' });
    expect(cut.events.at(-1)).toMatchObject({ event: 'error', data: { code: 'output_invalid' } });
    expect(server.provider.requests).toHaveLength(2);
  });

  it('sends an error event when every candidate fails before a delta', async () => {
    // A 400 is not retried and moves on to the fallback; it does not count for the circuit.
    server.provider.fallback = { status: 400 };

    const res = await stream('sentiment', { text: 'x' });

    expect(names(res.events)).toEqual(['meta', 'error']);
    expect(res.events[0].data.attempts).toBe(2);
    expect(res.events[1].data).toMatchObject({ code: 'upstream_error' });
  });

  it('answers a plain problem before the stream opens', async () => {
    const invalid = await stream('sentiment', { text: '' });
    expect(invalid.status).toBe(422);
    expect(invalid.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(invalid.body.code).toBe('input_invalid');
    expect(invalid.headers.get('promptgate-version')).toBe('1');

    const unknown = await stream('no-such-endpoint', { text: 'x' });
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe('endpoint_not_found');

    const anonymous = await stream(
      'sentiment',
      { text: 'x' },
      {
        headers: { 'content-type': 'application/json' },
      },
    );
    expect(anonymous.status).toBe(401);
    expect(server.provider.requests).toHaveLength(0);
  });

  it('answers 405 to another method', async () => {
    const res = await fetch(`${server.url}/v1/sentiment/stream`);
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
  });

  it('cancels the upstream call when the client disconnects mid-stream', async () => {
    server.provider.script([{ stream: ['a', 'b', 'c', 'd', 'e'], chunkDelayMs: 200 }]);
    const controller = new AbortController();
    const res = await fetch(`${server.url}/v1/sentiment/stream`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'x' }),
      signal: controller.signal,
    });
    const reader = res.body!.getReader();
    let received = '';
    while (!received.includes('event: delta')) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`the stream ended early: ${received}`);
      received += new TextDecoder().decode(value);
    }

    controller.abort();

    await waitFor(() => server.provider.requests[0]?.cancelled === true);
    expect(server.provider.requests).toHaveLength(1);
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 3000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('streams from a provider that does not stream', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ circuit: { failureThreshold: 2, openMs: 60_000 } });
    await server.request('POST', '/admin/endpoints', {
      body: definition({
        name: 'no-stream',
        publish: true,
        output: undefined,
        retry: {
          maxAttempts: 1,
          initialDelayMs: 5,
          maxDelayMs: 10,
          attemptTimeoutMs: 2000,
          deadlineMs: 4000,
        },
      }),
    });
  });
  afterAll(() => server.stop());

  it('counts a 200 without events as an invalid answer, which does not open the circuit', async () => {
    server.provider.fallback = {
      status: 200,
      headers: { 'content-type': 'text/html' },
      text: '<html>not a stream</html>',
    };
    for (let i = 0; i < 3; i++) {
      await fetch(`${server.url}/v1/no-stream/stream`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${server.adminToken}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ text: 'x' }),
      }).then((r) => r.text());
    }
    const providers = await server.request('GET', '/admin/providers');
    expect(providers.body.items[0].health.state).toBe('closed');
  });
});
