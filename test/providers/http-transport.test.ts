import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import OpenAI from 'openai';

import { createHttpTransport, type HttpTransport } from '../../src/providers/http-transport';
import { startScriptedProvider, type ScriptedProvider } from '../support/scripted-provider';

let server: ScriptedProvider;
let transport: HttpTransport;
let client: OpenAI;

beforeAll(async () => {
  server = await startScriptedProvider();
  transport = createHttpTransport();
  client = new OpenAI({ baseURL: server.url, apiKey: 'k', maxRetries: 0, fetch: transport.fetch });
});

afterEach(() => server.reset());

afterAll(async () => {
  transport.close();
  await server.close();
});

const streamChat = () =>
  client.chat.completions.create({
    model: 'm',
    messages: [{ role: 'user', content: 'Hi' }],
    stream: true,
  });

const chat = (extra: object = {}) =>
  client.chat.completions.create({
    model: 'm',
    messages: [{ role: 'user', content: 'Hi' }],
    ...extra,
  });

/** A one-route server answering with whatever `answer` writes. */
async function withServer(
  answer: Parameters<typeof createServer>[1],
  run: (url: string) => Promise<void>,
) {
  const plain: Server = createServer(answer);
  await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
  try {
    await run(`http://127.0.0.1:${(plain.address() as AddressInfo).port}`);
  } finally {
    plain.closeAllConnections();
    await new Promise((resolve) => plain.close(resolve));
  }
}

describe('createHttpTransport', () => {
  it('carries a chat completion through the SDK', async () => {
    server.script([{ completion: { content: 'über 🚀' } }]);

    const completion = await chat();

    expect(completion.choices[0].message.content).toBe('über 🚀');
    expect(server.requests[0].headers['content-type']).toBe('application/json');
    expect(server.requests[0].headers['content-length']).toBeDefined();
  });

  it('reuses one keep-alive connection for sequential requests', async () => {
    server.fallback = { completion: {} };

    for (let i = 0; i < 5; i += 1) await chat();

    const ports = new Set(server.requests.map((request) => request.remotePort));
    expect(ports.size).toBe(1);
  });

  it('streams server-sent events as they arrive', async () => {
    server.script([{ stream: ['Hel', 'lo', '!'], chunkDelayMs: 30 }]);
    const arrivals: number[] = [];
    const pieces: string[] = [];

    const stream = await streamChat();
    for await (const chunk of stream) {
      pieces.push(chunk.choices[0]?.delta.content ?? '');
      arrivals.push(Date.now());
    }

    expect(pieces.join('')).toBe('Hello!');
    expect(arrivals[arrivals.length - 1] - arrivals[0]).toBeGreaterThanOrEqual(50);
  });

  it('fails a stream that breaks off', async () => {
    server.script([{ stream: ['a', 'b', 'c', 'd'], streamBreakAfter: 2 }]);

    const read = async () => {
      const stream = await streamChat();
      for await (const chunk of stream) void chunk;
    };

    await expect(read()).rejects.toThrow();
  });

  it('rejects with an AbortError and closes the connection on abort', async () => {
    server.script([{ delayMs: 2000, completion: {} }]);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);

    const pending = transport.fetch(`${server.url}/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({ model: 'm', messages: [] }),
      signal: controller.signal,
    });

    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(server.requests[0].cancelled).toBe(true);
  });

  it('errors the body stream when aborted after the headers', async () => {
    server.script([{ completion: { content: 'x'.repeat(100) }, stallAfterBytes: 10 }]);
    const controller = new AbortController();

    const response = await transport.fetch(`${server.url}/chat/completions`, {
      method: 'POST',
      body: '{"model":"m","messages":[]}',
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(), 30);

    await expect(response.text()).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('rejects an already aborted signal without a request', async () => {
    const pending = transport.fetch(`${server.url}/models`, { signal: AbortSignal.abort() });

    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('rejects a refused connection with a fetch-like TypeError', async () => {
    await expect(transport.fetch('http://127.0.0.1:9/v1/models')).rejects.toMatchObject({
      name: 'TypeError',
      message: 'fetch failed',
    });
  });

  it('answers GET requests, status and headers included', async () => {
    const response = await transport.fetch(`${server.url}/models`);

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(response.url).toBe(`${server.url}/models`);
    await expect(response.json()).resolves.toMatchObject({ object: 'list' });
  });

  it('decodes a gzip body the server sent anyway', async () => {
    const answer = gzipSync(JSON.stringify({ ok: true }));
    await withServer(
      (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
        res.end(answer);
      },
      async (url) => {
        const response = await transport.fetch(url);
        await expect(response.json()).resolves.toEqual({ ok: true });
      },
    );
  });

  it('answers a 204 with a null body and does not follow redirects', async () => {
    await withServer(
      (req, res) => {
        if (req.url === '/empty') return void res.writeHead(204).end();
        res.writeHead(302, { location: '/elsewhere' }).end();
      },
      async (url) => {
        const empty = await transport.fetch(`${url}/empty`);
        expect([empty.status, empty.body]).toEqual([204, null]);

        const moved = await transport.fetch(`${url}/moved`);
        expect(moved.status).toBe(302);
        expect(moved.headers.get('location')).toBe('/elsewhere');
      },
    );
  });
});

describe('response size limit', () => {
  it('fails a response body larger than maxBodyBytes instead of reading it all', async () => {
    const http = await import('node:http');
    const server = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(64 * 1024, 'a');
      let sent = 0;
      const pump = () => {
        while (sent < 256 && res.write(chunk)) sent++;
        if (sent < 256) res.once('drain', pump);
        else res.end();
      };
      pump();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    const transport = createHttpTransport({ maxBodyBytes: 1024 * 1024 });
    try {
      const response = await transport.fetch(`http://127.0.0.1:${port}/`);
      await expect(response.text()).rejects.toThrow();
    } finally {
      transport.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
