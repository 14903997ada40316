import { startScriptedProvider, type ScriptedProvider } from '../support/scripted-provider';

let server: ScriptedProvider;

beforeAll(async () => {
  server = await startScriptedProvider();
});

afterEach(() => server.reset());

afterAll(() => server.close());

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const json = async (response: Response): Promise<any> => response.json();

const post = (body: unknown) =>
  fetch(`${server.url}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

describe('startScriptedProvider', () => {
  it('wraps a completion with the requested model and estimated usage', async () => {
    server.script([{ completion: { content: 'abcdefgh' } }]);

    const answer = await json(await post({ model: 'gpt-x', messages: [] }));

    expect(answer).toMatchObject({
      object: 'chat.completion',
      model: 'gpt-x',
      choices: [{ message: { role: 'assistant', content: 'abcdefgh', refusal: null } }],
      usage: { completion_tokens: 2 },
    });
  });

  it('answers an error status without body as an OpenAI error', async () => {
    server.script([{ status: 429, headers: { 'retry-after': '2' } }]);

    const response = await post({ model: 'm', messages: [] });

    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('2');
    expect(await response.json()).toMatchObject({ error: { type: 'rate_limit_error' } });
  });

  it('answers from the fallback when the queue is empty', async () => {
    expect((await post({ model: 'm' })).status).toBe(500);

    server.fallback = { completion: { content: 'always' } };
    expect((await json(await post({ model: 'm' }))).choices[0].message.content).toBe('always');
  });

  it('lets a respond function inspect the request', async () => {
    server.respond = (body) => ({ json: { echoed: body.model } });
    server.push({ json: { queued: true } });

    expect(await (await post({ model: 'a' })).json()).toEqual({ queued: true });
    expect(await (await post({ model: 'b' })).json()).toEqual({ echoed: 'b' });
  });

  it('streams chunks and a DONE marker when asked to stream', async () => {
    server.script([{ stream: ['a', 'b'] }]);

    const text = await (await post({ model: 'm', stream: true })).text();

    const events = text.trim().split('\n\n');
    expect(events).toHaveLength(4);
    expect(JSON.parse(events[0].slice(6))).toMatchObject({
      object: 'chat.completion.chunk',
      choices: [{ delta: { role: 'assistant', content: 'a' } }],
    });
    expect(events[3]).toBe('data: [DONE]');
  });

  it('serves the model list and counts only chat completions', async () => {
    const models = await json(await fetch(`${server.url}/models`));

    expect(models.data[0]).toMatchObject({ object: 'model' });
    expect(server.requests).toHaveLength(0);
  });
});
