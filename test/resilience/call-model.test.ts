import type { RetrySettings } from '../../src/definitions/types';
import { AppError, isAppError } from '../../src/errors/app-error';
import { ProviderRegistry } from '../../src/providers/registry';
import type { AttemptRecord } from '../../src/providers/types';
import { UpstreamFailure } from '../../src/providers/upstream-failure';
import { isCallAborted } from '../../src/resilience/call-aborted-error';
import { CircuitBreakers } from '../../src/resilience/circuit-breakers';
import { callModel, type CallModelOptions } from '../../src/resilience/call-model';
import type { ResilienceEvent } from '../../src/resilience/events';
import { startScriptedProvider, type ScriptedProvider } from '../support/scripted-provider';

const HTML_PAGE = '<html><body><h1>502 Bad Gateway</h1>SECRET-PAGE-MARKER nginx</body></html>';

const RETRY: RetrySettings = {
  maxAttempts: 3,
  initialDelayMs: 10,
  maxDelayMs: 40,
  attemptTimeoutMs: 2000,
  deadlineMs: 5000,
};

let primary: ScriptedProvider;
let backup: ScriptedProvider;
let registry: ProviderRegistry;

beforeAll(async () => {
  [primary, backup] = await Promise.all([startScriptedProvider(), startScriptedProvider()]);
  registry = new ProviderRegistry([
    { name: 'primary', baseURL: primary.url, apiKey: 'sk-test-secret', supportsJsonSchema: false },
    { name: 'backup', baseURL: backup.url, supportsJsonSchema: true },
  ]);
});

afterEach(() => {
  primary.reset();
  backup.reset();
});

afterAll(async () => {
  registry.close();
  await Promise.all([primary.close(), backup.close()]);
});

function call(overrides: Partial<CallModelOptions> = {}) {
  const attempts: AttemptRecord[] = [];
  const events: ResilienceEvent[] = [];
  const retry = { ...RETRY, ...overrides.retry };
  const promise = callModel({
    registry,
    candidates: [{ provider: 'primary', name: 'model-a' }],
    request: { messages: [{ role: 'user', content: 'Hello' }] },
    deadlineAt: Date.now() + retry.deadlineMs,
    attempts,
    onEvent: (event) => events.push(event),
    ...overrides,
    retry,
  });
  return { promise, attempts, events };
}

async function failure(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  if (!isAppError(error)) throw new Error(`expected an AppError, got ${String(error)}`);
  return error;
}

/** Every message and JSON form along the cause chain. */
function everyText(error: unknown): string {
  const texts: string[] = [];
  for (let current = error; current instanceof Error; current = current.cause) {
    texts.push(current.message, JSON.stringify(current), String(current.stack));
  }
  return texts.join('\n');
}

const withFallback = [
  { provider: 'primary', name: 'model-a' },
  { provider: 'backup', name: 'model-b' },
];

describe('callModel', () => {
  it('answers on the first try', async () => {
    primary.script([{ completion: { content: 'Hi there' } }]);
    const { promise, attempts, events } = call();

    const result = await promise;

    expect(result).toMatchObject({ provider: 'primary', model: 'model-a' });
    expect(result.completion).toMatchObject({ content: 'Hi there', finishReason: 'stop' });
    expect(attempts).toEqual([
      expect.objectContaining({ provider: 'primary', outcome: 'ok', status: 200, purpose: 'call' }),
    ]);
    expect(events.map((event) => event.type)).toEqual(['attempt', 'success']);
    expect(primary.requests[0].headers.authorization).toBe('Bearer sk-test-secret');
  });

  it('retries a 502 HTML page and never repeats the page', async () => {
    primary.script([{ status: 502, text: HTML_PAGE }, { completion: { content: 'ok' } }]);
    const { promise, attempts, events } = call();

    await expect(promise).resolves.toMatchObject({ completion: { content: 'ok' } });

    expect(attempts.map((a) => [a.outcome, a.status])).toEqual([
      ['http_error', 502],
      ['ok', 200],
    ]);
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'retry', reason: 'http_error', status: 502 }),
    );
  });

  it('keeps an HTML page out of the error once retries run out', async () => {
    primary.fallback = { status: 502, text: HTML_PAGE };
    const { promise } = call();

    const error = await failure(promise);

    expect(error.code).toBe('upstream_error');
    expect(error.message).toMatch(/primary.*model-a.*502/);
    expect(everyText(error)).not.toMatch(/SECRET-PAGE-MARKER|<html|sk-test-secret/);
    expect(primary.requests).toHaveLength(3);
  });

  it('honours Retry-After in seconds', async () => {
    primary.script([{ status: 429, headers: { 'retry-after': '1' } }, { completion: {} }]);
    const { promise, events } = call();

    await promise;

    const [first, second] = primary.requests;
    expect(second.receivedAt - first.receivedAt).toBeGreaterThanOrEqual(950);
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'retry', delayMs: 1000, delaySource: 'provider' }),
    );
  });

  it('honours retry-after-ms above maxDelayMs', async () => {
    primary.script([
      { status: 503, headers: { 'retry-after-ms': '300', 'retry-after': '9' } },
      { completion: {} },
    ]);
    const { promise } = call();

    await promise;

    const [first, second] = primary.requests;
    expect(second.receivedAt - first.receivedAt).toBeGreaterThanOrEqual(280);
    expect(second.receivedAt - first.receivedAt).toBeLessThan(2000);
  });

  it('answers rate_limited at once when the Retry-After exceeds the deadline', async () => {
    primary.script([{ status: 429, headers: { 'retry-after': '30' } }]);
    const startedAt = Date.now();
    const { promise, events } = call();

    const error = await failure(promise);

    expect(Date.now() - startedAt).toBeLessThan(1000);
    expect(error).toMatchObject({ code: 'rate_limited', status: 429 });
    expect(error.headers['Retry-After']).toBe('30');
    expect(primary.requests).toHaveLength(1);
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'give_up', reason: 'wait_exceeds_deadline', status: 429 }),
    );
  });

  it('answers rate_limited with the next backoff when the provider gave no wait', async () => {
    primary.fallback = { status: 429 };
    const { promise } = call();

    const error = await failure(promise);

    expect(error.code).toBe('rate_limited');
    expect(error.headers['Retry-After']).toBe('1');
    expect(primary.requests).toHaveLength(3);
  });

  it.each([503, 529])(
    'answers upstream_unavailable for a %i whose wait does not fit',
    async (status) => {
      primary.script([{ status, headers: { 'retry-after': '120' } }]);
      const { promise } = call();

      const error = await failure(promise);

      expect(error).toMatchObject({ code: 'upstream_unavailable', status: 503 });
      expect(error.headers['Retry-After']).toBe('120');
      expect(primary.requests).toHaveLength(1);
    },
  );

  it('answers upstream_error for 503s that used up the attempts', async () => {
    primary.fallback = { status: 503 };
    const error = await failure(call().promise);

    expect(error.code).toBe('upstream_error');
    expect(primary.requests).toHaveLength(3);
  });

  it('retries a reset connection', async () => {
    primary.script([{ reset: true }, { completion: { content: 'back' } }]);
    const { promise, attempts } = call();

    await expect(promise).resolves.toMatchObject({ completion: { content: 'back' } });
    expect(attempts.map((a) => a.outcome)).toEqual(['connection_error', 'ok']);
  });

  it('retries a slow answer, then answers upstream_timeout', async () => {
    primary.fallback = { delayMs: 1000, completion: {} };
    const { promise, attempts } = call({
      retry: { ...RETRY, maxAttempts: 2, attemptTimeoutMs: 100 },
    });

    const error = await failure(promise);

    expect(error).toMatchObject({ code: 'upstream_timeout', status: 504 });
    expect(attempts.map((a) => a.outcome)).toEqual(['timeout', 'timeout']);
    expect(attempts.every((a) => a.durationMs >= 90 && a.durationMs < 900)).toBe(true);
    expect(primary.requests).toHaveLength(2);
  });

  it('stops at the deadline, fallbacks included', async () => {
    primary.fallback = { hang: true };
    backup.fallback = { hang: true };
    const startedAt = Date.now();
    const { promise } = call({ candidates: withFallback, deadlineAt: startedAt + 300 });

    const error = await failure(promise);

    expect(error.code).toBe('upstream_timeout');
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(280);
    expect(Date.now() - startedAt).toBeLessThan(1500);
    expect(backup.requests).toHaveLength(0);
  });

  it('moves to the fallback without retrying a 400', async () => {
    primary.script([{ status: 400 }]);
    backup.script([{ completion: { content: 'from backup' } }]);
    const { promise, events } = call({ candidates: withFallback });

    const result = await promise;

    expect(result).toMatchObject({ provider: 'backup', model: 'model-b' });
    expect(primary.requests).toHaveLength(1);
    expect(backup.requests[0].body.model).toBe('model-b');
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'give_up', provider: 'primary', reason: 'not_retryable' }),
    );
  });

  it('answers upstream_error for a 4xx with no fallback left', async () => {
    primary.script([{ status: 404 }]);
    const error = await failure(call().promise);

    expect(error.code).toBe('upstream_error');
    expect(error.message).toContain('404');
    expect(primary.requests).toHaveLength(1);
  });

  it('tries the fallback after the primary used up its attempts', async () => {
    primary.fallback = { status: 500 };
    backup.script([{ completion: { content: 'saved' } }]);
    const { promise, attempts } = call({ candidates: withFallback });

    await expect(promise).resolves.toMatchObject({ provider: 'backup' });
    expect(attempts.map((a) => `${a.provider}:${a.outcome}`)).toEqual([
      'primary:http_error',
      'primary:http_error',
      'primary:http_error',
      'backup:ok',
    ]);
  });

  it.each([
    ['an HTML page with 200', { text: HTML_PAGE }],
    ['invalid JSON', { text: '{"choices": [', headers: { 'content-type': 'application/json' } }],
    ['JSON of the wrong shape', { json: { result: 'hello' } }],
    ['an empty body', { text: '', headers: { 'content-type': 'application/json' } }],
    ['a mistyped content', { json: { choices: [{ message: { content: 42 } }] } }],
  ])('retries %s as invalid_response', async (_name, step) => {
    primary.script([step, { completion: { content: 'fine' } }]);
    const { promise, attempts } = call();

    await expect(promise).resolves.toMatchObject({ completion: { content: 'fine' } });
    expect(attempts.map((a) => [a.outcome, a.status])).toEqual([
      ['invalid_response', 200],
      ['ok', 200],
    ]);
  });

  it('keeps an HTML 200 out of the error once retries run out', async () => {
    primary.fallback = { text: HTML_PAGE };
    const error = await failure(call().promise);

    expect(error.code).toBe('upstream_error');
    expect(everyText(error)).not.toMatch(/SECRET-PAGE-MARKER|<html/);
  });

  it('sends the model, the messages in order, temperature 0 and max_tokens', async () => {
    primary.script([{ completion: {} }]);
    const messages = [
      { role: 'system' as const, content: 'Be brief.' },
      { role: 'user' as const, content: 'One' },
      { role: 'assistant' as const, content: 'Two' },
      { role: 'user' as const, content: 'Three' },
    ];

    await call({ request: { messages, temperature: 0, maxTokens: 200 } }).promise;

    const body = primary.requests[0].body;
    expect(body).toMatchObject({ model: 'model-a', messages, temperature: 0, max_tokens: 200 });
  });

  it('leaves temperature and max_tokens out when unset', async () => {
    primary.script([{ completion: {} }]);
    await call().promise;

    expect(primary.requests[0].body).not.toHaveProperty('temperature');
    expect(primary.requests[0].body).not.toHaveProperty('max_tokens');
  });

  it('asks for the JSON-schema response format only where the provider supports it', async () => {
    primary.script([{ status: 400 }]);
    backup.script([{ completion: { content: '{"a":1}' } }]);
    const schema = { type: 'object', properties: { a: { type: 'number' } } };
    const request = {
      messages: [{ role: 'user' as const, content: 'JSON please' }],
      responseSchema: { name: 'sentiment output', schema },
    };

    await call({ candidates: withFallback, request }).promise;

    expect(primary.requests[0].body).not.toHaveProperty('response_format');
    expect(backup.requests[0].body.response_format).toEqual({
      type: 'json_schema',
      json_schema: { name: 'sentiment_output', schema, strict: false },
    });
  });

  it('stops and cancels the request in flight when the signal aborts', async () => {
    primary.fallback = { delayMs: 3000, completion: {} };
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const startedAt = Date.now();
    const { promise, attempts, events } = call({ signal: controller.signal });

    const error = await promise.catch((reason: unknown) => reason);

    expect(isCallAborted(error)).toBe(true);
    expect(Date.now() - startedAt).toBeLessThan(1000);
    expect(attempts.map((a) => a.outcome)).toEqual(['aborted']);
    expect(events[events.length - 1]).toMatchObject({ type: 'give_up', reason: 'aborted' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(primary.requests).toHaveLength(1);
    expect(primary.requests[0].cancelled).toBe(true);
  });

  it('stops during a backoff wait when the signal aborts', async () => {
    primary.fallback = { status: 500, headers: { 'retry-after': '3' } };
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const startedAt = Date.now();

    const error = await call({ signal: controller.signal }).promise.catch((e: unknown) => e);

    expect(isCallAborted(error)).toBe(true);
    expect(Date.now() - startedAt).toBeLessThan(1000);
    expect(primary.requests).toHaveLength(1);
  });

  it('makes no request when the signal is already aborted', async () => {
    const error = await call({ signal: AbortSignal.abort() }).promise.catch((e: unknown) => e);

    expect(isCallAborted(error)).toBe(true);
    expect(primary.requests).toHaveLength(0);
  });

  it('skips a candidate whose provider is not configured', async () => {
    backup.script([{ completion: { content: 'here' } }]);
    const candidates = [{ provider: 'nowhere', name: 'x' }, withFallback[1]];
    const { promise, events } = call({ candidates });

    await expect(promise).resolves.toMatchObject({ provider: 'backup' });
    expect(events[0]).toMatchObject({
      type: 'give_up',
      provider: 'nowhere',
      reason: 'not_configured',
    });
  });

  it('answers upstream_unavailable when no candidate provider is configured', async () => {
    const candidates = [{ provider: 'nowhere', name: 'x' }];
    const error = await failure(call({ candidates }).promise);

    expect(error.code).toBe('upstream_unavailable');
    expect(error.message).toMatch(/No provider is configured/);
  });

  it('records repair attempts as such', async () => {
    primary.script([{ completion: {} }]);
    const { promise, attempts, events } = call({ purpose: 'repair' });

    await promise;

    expect(attempts[0].purpose).toBe('repair');
    expect(events.every((event) => event.purpose === 'repair')).toBe(true);
  });

  it('returns a cut-off or refused completion as it is, without retrying', async () => {
    primary.script([{ completion: { content: '{"a":', finish_reason: 'length', refusal: 'no' } }]);
    const { completion } = await call().promise;

    expect(completion).toMatchObject({ content: '{"a":', finishReason: 'length', refusal: 'no' });
    expect(primary.requests).toHaveLength(1);
  });

  it('skips a provider whose circuit is open and tries the fallback', async () => {
    const circuits = new CircuitBreakers([
      {
        name: 'primary',
        baseURL: primary.url,
        supportsJsonSchema: false,
        circuit: { failureThreshold: 2 },
      },
    ]);
    primary.fallback = { status: 500 };
    backup.fallback = { completion: { content: 'backup' } };

    await call({ candidates: withFallback, circuits }).promise;
    const { promise, events } = call({ candidates: withFallback, circuits });

    await expect(promise).resolves.toMatchObject({ provider: 'backup' });
    expect(primary.requests).toHaveLength(2);
    expect(events[0]).toMatchObject({
      type: 'give_up',
      provider: 'primary',
      reason: 'circuit_open',
    });
  });

  it('answers upstream_unavailable when every candidate circuit is open', async () => {
    const circuits = new CircuitBreakers();
    for (let i = 0; i < 5; i += 1) circuits.record('primary', new UpstreamFailure('timeout', 'x'));

    const error = await failure(call({ circuits }).promise);

    expect(error.code).toBe('upstream_unavailable');
    expect(error.headers['Retry-After']).toBe('30');
    expect(primary.requests).toHaveLength(0);
  });
});
