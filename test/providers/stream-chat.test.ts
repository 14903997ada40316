import { ProviderRegistry, type Provider } from '../../src/providers/registry';
import {
  isStreamInterrupted,
  streamChat,
  type StreamChatOptions,
  type StreamInterruptedError,
} from '../../src/providers/stream-chat';
import type { AttemptRecord, ChatRequest } from '../../src/providers/types';
import { isUpstreamFailure, type UpstreamFailure } from '../../src/providers/upstream-failure';
import { CircuitBreakers } from '../../src/resilience/circuit-breakers';
import { callModel } from '../../src/resilience/call-model';
import type { ResilienceEvent } from '../../src/resilience/events';
import { startScriptedProvider, type ScriptedProvider } from '../support/scripted-provider';

let server: ScriptedProvider;
let registry: ProviderRegistry;
let provider: Provider;

const REQUEST: ChatRequest = {
  model: 'm',
  messages: [{ role: 'user', content: 'Say hello, twice' }],
  temperature: 0,
  maxTokens: 20,
};

beforeAll(async () => {
  server = await startScriptedProvider();
  registry = new ProviderRegistry([
    { name: 'local', baseURL: server.url, supportsJsonSchema: false },
  ]);
  provider = registry.get('local') as Provider;
});

afterEach(() => server.reset());

afterAll(async () => {
  registry.close();
  await server.close();
});

/** Run `streamChat`, collecting the deltas. */
function stream(options: Partial<StreamChatOptions> = {}) {
  const deltas: string[] = [];
  const promise = streamChat(provider, REQUEST, {
    timeoutMs: 2000,
    ...options,
    onDelta: (text) => deltas.push(text),
  });
  return { promise, deltas };
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (reason: unknown) => reason,
  );
}

async function upstreamFailure(promise: Promise<unknown>): Promise<UpstreamFailure> {
  const error = await rejection(promise);
  if (!isUpstreamFailure(error)) throw new Error(`expected an UpstreamFailure, got ${error}`);
  return error;
}

async function interrupted(promise: Promise<unknown>): Promise<StreamInterruptedError> {
  const error = await rejection(promise);
  if (!isStreamInterrupted(error)) throw new Error(`expected an interruption, got ${error}`);
  return error;
}

/** A raw SSE body, for chunks the scripted stream does not produce. */
function sse(...events: unknown[]) {
  const data = events.map((e) => `data: ${typeof e === 'string' ? e : JSON.stringify(e)}\n\n`);
  return { text: data.join(''), headers: { 'content-type': 'text/event-stream' } };
}

function chunk(delta: Record<string, unknown>, finishReason: string | null = null) {
  return {
    object: 'chat.completion.chunk',
    model: 'm-2024',
    choices: [{ index: 0, delta, finish_reason: finishReason }],
  };
}

describe('streamChat', () => {
  it('hands on each delta in order and returns the whole completion', async () => {
    server.script([{ stream: ['Hel', 'lo, ', '', 'hello'] }]);
    const { promise, deltas } = stream();

    const completion = await promise;

    expect(deltas).toEqual(['Hel', 'lo, ', 'hello']);
    expect(completion).toMatchObject({
      content: 'Hello, hello',
      finishReason: 'stop',
      refusal: null,
      model: 'm',
    });
  });

  it('sends the body of a plain request with stream and include_usage', async () => {
    server.script([{ stream: ['ok'] }]);
    await stream().promise;

    const sent = server.requests[0].body;
    expect(sent).toMatchObject({ model: 'm', temperature: 0, max_tokens: 20, stream: true });
    expect(sent.stream_options).toEqual({ include_usage: true });
    expect(sent.messages).toEqual(REQUEST.messages);
  });

  it('reads usage, refusal and model from the chunks', async () => {
    server.script([
      sse(
        chunk({ role: 'assistant', content: null, refusal: 'I cannot' }),
        chunk({ refusal: ' help.' }, 'stop'),
        {
          object: 'chat.completion.chunk',
          choices: [],
          usage: { prompt_tokens: 9, completion_tokens: 3 },
        },
        '[DONE]',
      ),
    ]);
    const { promise, deltas } = stream();

    const completion = await promise;

    expect(deltas).toEqual([]);
    expect(completion).toEqual({
      content: '',
      finishReason: 'stop',
      refusal: 'I cannot help.',
      usage: { inputTokens: 9, outputTokens: 3 },
      model: 'm-2024',
    });
  });

  it('estimates usage at four characters a token when the provider sends none', async () => {
    server.script([{ stream: ['12345678'] }]);

    const completion = await stream().promise;

    expect(completion.usage).toEqual({ inputTokens: 4, outputTokens: 2 });
  });

  it('keeps finish_reason length for the caller to judge', async () => {
    server.script([{ stream: ['{"a":'], completion: { finish_reason: 'length' } }]);

    const completion = await stream().promise;

    expect(completion).toMatchObject({ content: '{"a":', finishReason: 'length' });
  });

  it('fails with a plain UpstreamFailure before the first delta', async () => {
    server.script([{ status: 502, text: '<html>bad gateway</html>' }]);
    const http = await upstreamFailure(stream().promise);
    expect(http).toMatchObject({ kind: 'http_error', status: 502, retryable: true });
    expect(http.message).not.toContain('bad gateway');

    server.script([{ stream: ['a', 'b'], streamBreakAfter: 0 }]);
    const broken = stream();
    expect(await upstreamFailure(broken.promise)).toMatchObject({ kind: 'connection_error' });
    expect(broken.deltas).toEqual([]);

    server.script([{ reset: true }]);
    expect(await upstreamFailure(stream().promise)).toMatchObject({ kind: 'connection_error' });
  });

  it('fails with StreamInterruptedError when the stream breaks after a delta', async () => {
    server.script([{ stream: ['a', 'b', 'c', 'd'], streamBreakAfter: 2, chunkDelayMs: 20 }]);
    const { promise, deltas } = stream();

    const error = await interrupted(promise);

    expect(deltas).toEqual(['a', 'b']);
    expect(error.failure).toMatchObject({ kind: 'connection_error', retryable: true });
    expect(error.message).toContain('after part of the answer was sent');
  });

  it('treats a stream that ends without a finish_reason as broken', async () => {
    server.script([sse(chunk({ content: 'partial' }), '[DONE]')]);
    const error = await interrupted(stream().promise);
    expect(error.failure.kind).toBe('connection_error');

    // No chunk at all is no stream: an answer of the wrong kind, retried but not held against
    // the provider's circuit.
    server.script([sse('[DONE]')]);
    expect(await upstreamFailure(stream().promise)).toMatchObject({ kind: 'invalid_response' });
  });

  it('answers invalid_response for a chunk that is not JSON or not a chunk', async () => {
    server.script([sse('{not json')]);
    expect(await upstreamFailure(stream().promise)).toMatchObject({ kind: 'invalid_response' });

    server.script([sse({ hello: 'world' })]);
    expect(await upstreamFailure(stream().promise)).toMatchObject({ kind: 'invalid_response' });

    server.script([sse(chunk({ content: 'ok' }), chunk({ content: 42 }))]);
    const error = await interrupted(stream().promise);
    expect(error.failure.kind).toBe('invalid_response');
  });

  it('times out as a whole, before or after the first delta', async () => {
    server.script([{ stream: ['late'], delayMs: 1000 }]);
    const before = await upstreamFailure(stream({ timeoutMs: 100 }).promise);
    expect(before.kind).toBe('timeout');

    server.script([{ stream: ['a', 'b', 'c'], chunkDelayMs: 300 }]);
    const after = await interrupted(stream({ timeoutMs: 150 }).promise);
    expect(after.failure.kind).toBe('timeout');
  });

  it('ends with kind aborted when the caller aborts, even after a delta', async () => {
    server.script([{ stream: ['a', 'b', 'c'], chunkDelayMs: 200 }]);
    const controller = new AbortController();
    const { promise, deltas } = stream({ signal: controller.signal });
    setTimeout(() => controller.abort(), 100);

    const error = await upstreamFailure(promise);

    expect(error.kind).toBe('aborted');
    expect(deltas).toEqual(['a']);
    await waitFor(() => server.requests[0]?.cancelled === true);
  });
});

describe('callModel with a streaming send', () => {
  function call(circuits: CircuitBreakers) {
    const attempts: AttemptRecord[] = [];
    const events: ResilienceEvent[] = [];
    const deltas: string[] = [];
    const promise = callModel({
      registry,
      circuits,
      candidates: [
        { provider: 'local', name: 'primary' },
        { provider: 'local', name: 'fallback' },
      ],
      request: { messages: REQUEST.messages },
      retry: {
        maxAttempts: 3,
        initialDelayMs: 1,
        maxDelayMs: 5,
        attemptTimeoutMs: 2000,
        deadlineMs: 5000,
      },
      deadlineAt: Date.now() + 5000,
      attempts,
      onEvent: (event) => events.push(event),
      send: (p, request, options) =>
        streamChat(p, request, { ...options, onDelta: (text) => deltas.push(text) }),
    });
    return { promise, attempts, events, deltas };
  }

  it('retries a stream that broke before its first delta', async () => {
    server.script([{ stream: ['x'], streamBreakAfter: 0 }, { stream: ['fine'] }]);
    const { promise, attempts, deltas } = call(new CircuitBreakers());

    await expect(promise).resolves.toMatchObject({ completion: { content: 'fine' } });
    expect(attempts.map((a) => a.outcome)).toEqual(['connection_error', 'ok']);
    expect(deltas).toEqual(['fine']);
  });

  it('neither retries nor falls back after a delta, and counts the failure', async () => {
    server.script([{ stream: ['a', 'b', 'c'], streamBreakAfter: 2, chunkDelayMs: 20 }]);
    const circuits = new CircuitBreakers();
    const { promise, attempts, events } = call(circuits);

    const error = await interrupted(promise);

    expect(error.failure.kind).toBe('connection_error');
    expect(server.requests).toHaveLength(1);
    expect(attempts).toEqual([
      expect.objectContaining({ model: 'primary', outcome: 'connection_error', status: null }),
    ]);
    expect(events.at(-1)).toMatchObject({ type: 'give_up', reason: 'not_retryable' });
    expect(circuits.health('local')).toMatchObject({ consecutiveFailures: 1 });
  });

  it('closes the circuit again after a successful stream', async () => {
    const circuits = new CircuitBreakers();
    server.script([{ stream: ['a'], streamBreakAfter: 0 }, { stream: ['ok'] }]);

    await call(circuits).promise;

    expect(circuits.health('local')).toMatchObject({ state: 'closed', consecutiveFailures: 0 });
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
