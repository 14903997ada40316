import { sendChat } from '../../src/providers/chat';
import { ProviderRegistry, type Provider } from '../../src/providers/registry';
import type { ChatRequest } from '../../src/providers/types';
import { isUpstreamFailure, type UpstreamFailure } from '../../src/providers/upstream-failure';
import { startScriptedProvider, type ScriptedProvider } from '../support/scripted-provider';

let server: ScriptedProvider;
let registry: ProviderRegistry;
let provider: Provider;

const REQUEST: ChatRequest = { model: 'm', messages: [{ role: 'user', content: 'Hi' }] };

beforeAll(async () => {
  server = await startScriptedProvider();
  registry = new ProviderRegistry([
    { name: 'local', baseURL: server.url, headers: { 'x-team': 'qa' }, supportsJsonSchema: false },
  ]);
  provider = registry.get('local') as Provider;
});

afterEach(() => server.reset());

afterAll(async () => {
  registry.close();
  await server.close();
});

async function failWith(promise: Promise<unknown>): Promise<UpstreamFailure> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  if (!isUpstreamFailure(error))
    throw new Error(`expected an UpstreamFailure, got ${String(error)}`);
  return error;
}

describe('sendChat', () => {
  it('reduces a completion to content, finish reason, refusal, usage and model', async () => {
    server.script([
      {
        completion: {
          content: null,
          finish_reason: 'content_filter',
          refusal: 'I cannot help with that.',
          usage: { prompt_tokens: 11, completion_tokens: 7 },
        },
      },
    ]);

    const completion = await sendChat(provider, REQUEST);

    expect(completion).toEqual({
      content: '',
      finishReason: 'content_filter',
      refusal: 'I cannot help with that.',
      usage: { inputTokens: 11, outputTokens: 7 },
      model: 'm',
    });
  });

  it('sends the provider headers and a placeholder key when none is configured', async () => {
    server.script([{ completion: {} }]);
    await sendChat(provider, REQUEST);

    expect(server.requests[0].headers).toMatchObject({
      'x-team': 'qa',
      authorization: 'Bearer none',
    });
  });

  it('maps an error status with its retry-after-ms and keeps the SDK error as cause', async () => {
    server.script([{ status: 429, headers: { 'retry-after-ms': '250' } }]);

    const failure = await failWith(sendChat(provider, REQUEST));

    expect(failure).toMatchObject({ kind: 'http_error', status: 429, retryAfterMs: 250 });
    expect(failure.retryable).toBe(true);
    expect(failure.cause).toBeInstanceOf(Error);
  });

  it.each([408, 409, 429, 500, 502, 503, 504, 529])('retries HTTP %i', async (status) => {
    server.script([{ status }]);
    expect((await failWith(sendChat(provider, REQUEST))).retryable).toBe(true);
  });

  it.each([400, 401, 403, 404, 422])('does not retry HTTP %i', async (status) => {
    server.script([{ status }]);
    const failure = await failWith(sendChat(provider, REQUEST));

    expect(failure).toMatchObject({ kind: 'http_error', status, retryable: false });
  });

  it('withholds a non-JSON error page from every message', async () => {
    server.script([{ status: 500, text: '<html>TOP-SECRET stack trace</html>' }]);

    const failure = await failWith(sendChat(provider, REQUEST));

    expect(failure.message).not.toContain('TOP-SECRET');
    expect((failure.cause as Error).message).not.toContain('TOP-SECRET');
  });

  it('times out a slow answer after timeoutMs', async () => {
    server.script([{ delayMs: 1000, completion: {} }]);
    const startedAt = Date.now();

    const failure = await failWith(sendChat(provider, REQUEST, { timeoutMs: 80 }));

    expect(failure).toMatchObject({ kind: 'timeout', retryable: true });
    expect(Date.now() - startedAt).toBeLessThan(800);
  });

  it('times out a body that stops halfway', async () => {
    server.script([{ completion: { content: 'long answer' }, stallAfterBytes: 20 }]);
    const startedAt = Date.now();

    const failure = await failWith(sendChat(provider, REQUEST, { timeoutMs: 150 }));

    expect(failure.kind).toBe('timeout');
    expect(Date.now() - startedAt).toBeLessThan(1000);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(server.requests[0].cancelled).toBe(true);
  });

  it('reports a reset connection as connection_error', async () => {
    server.script([{ reset: true }]);
    const failure = await failWith(sendChat(provider, REQUEST));

    expect(failure).toMatchObject({ kind: 'connection_error', retryable: true });
  });

  it('reports a refused connection as connection_error', async () => {
    const gone = new ProviderRegistry([
      { name: 'gone', baseURL: 'http://127.0.0.1:9/v1', supportsJsonSchema: false },
    ]);

    const failure = await failWith(sendChat(gone.get('gone') as Provider, REQUEST));

    expect(failure.kind).toBe('connection_error');
    gone.close();
  });

  it('reports the caller abort as aborted, not retryable', async () => {
    server.script([{ delayMs: 2000, completion: {} }]);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);

    const failure = await failWith(sendChat(provider, REQUEST, { signal: controller.signal }));

    expect(failure).toMatchObject({ kind: 'aborted', retryable: false });
  });

  it('accepts a completion whose content type is not JSON', async () => {
    server.script([
      {
        text: JSON.stringify({ choices: [{ message: { content: 'x' }, finish_reason: 'stop' }] }),
        headers: { 'content-type': 'text/plain' },
      },
    ]);

    await expect(sendChat(provider, REQUEST)).resolves.toMatchObject({ content: 'x', model: 'm' });
  });
});
