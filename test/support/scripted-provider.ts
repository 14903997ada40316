/**
 * @module test/support/scripted-provider
 * A real OpenAI-compatible HTTP server for tests. Each `POST /v1/chat/completions` takes the next
 * step of a script (or asks a `respond` function) and answers exactly that: a completion, an error
 * status with headers, an HTML page, a stream, a delay, a reset socket or no answer at all.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** The completion part of a step; wrapped into a full `chat.completion` object. */
export interface ScriptedCompletion {
  content?: string | null;
  /** Default `stop`. */
  finish_reason?: string | null;
  refusal?: string | null;
  /** Default: estimated from the lengths of the prompt and the content (4 characters a token). */
  usage?: { prompt_tokens: number; completion_tokens: number; total_tokens?: number };
}

/** What one request is answered with. Body fields are tried in order: completion, json, text. */
export interface ScriptStep {
  /** Default 200, or 500 when nothing else is given for a fallback. */
  status?: number;
  headers?: Record<string, string>;
  /** Wait before sending anything, in ms. Default 0. */
  delayMs?: number;
  completion?: ScriptedCompletion;
  /** Sent as JSON, as it is. */
  json?: unknown;
  /** Sent as it is, with `content-type: text/html` unless headers say otherwise. */
  text?: string;
  /** Destroy the socket without answering. */
  reset?: true;
  /** Never answer; the socket stays open until the client gives up or the server closes. */
  hang?: true;
  /** Content pieces sent as `chat.completion.chunk` events when the request asks to stream. */
  stream?: string[];
  /** Wait between stream chunks, in ms. Default 0. */
  chunkDelayMs?: number;
  /** Destroy the socket after this many stream chunks. */
  streamBreakAfter?: number;
  /** Send the headers and this many bytes of a non-streamed body, then never finish it. */
  stallAfterBytes?: number;
}

/** One received chat-completion request. */
export interface ReceivedRequest {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  headers: IncomingMessage['headers'];
  /** Epoch ms when the request's body had arrived. */
  receivedAt: number;
  /** Client port of the connection; equal ports mean a reused keep-alive connection. */
  remotePort: number | undefined;
  /** Set when the connection closed before the answer was complete (client gave up, or `reset`). */
  cancelled: boolean;
}

export interface ScriptedProvider {
  /** Base URL ending in `/v1`. */
  readonly url: string;
  /** Received chat-completion requests, oldest first. */
  readonly requests: ReceivedRequest[];
  /** Answer when the queue is empty and no `respond` is set. Default: a 500 OpenAI-style error. */
  fallback: ScriptStep;
  /** When set, used for every request whose queue is empty, before `fallback`. */
  respond?: (body: ReceivedRequest['body'], request: ReceivedRequest) => ScriptStep;
  /** Replace the queue. */
  script(steps: ScriptStep[]): void;
  /** Add steps to the end of the queue. */
  push(...steps: ScriptStep[]): void;
  /** Empty the queue and the received requests; restore the default fallback; drop `respond`. */
  reset(): void;
  /** Stop listening and destroy every open connection. */
  close(): Promise<void>;
}

const DEFAULT_FALLBACK: ScriptStep = { status: 500 };

/** Start a scripted provider on 127.0.0.1 and a free port. */
export async function startScriptedProvider(): Promise<ScriptedProvider> {
  const queue: ScriptStep[] = [];
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();

  const provider: ScriptedProvider = {
    url: '',
    requests: [],
    fallback: DEFAULT_FALLBACK,
    script: (steps) => void queue.splice(0, queue.length, ...steps),
    push: (...steps) => void queue.push(...steps),
    reset: () => {
      queue.length = 0;
      provider.requests.length = 0;
      provider.fallback = DEFAULT_FALLBACK;
      provider.respond = undefined;
    },
    close: () => closeServer(server, sockets, timers),
  };

  const wait = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => (timers.delete(timer), resolve()), ms);
      timers.add(timer);
    });
  const server = createServer((req, res) => {
    handle(req, res, { provider, queue, wait }).catch(() => res.destroy());
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));

  const { port } = server.address() as AddressInfo;
  return Object.assign(provider, { url: `http://127.0.0.1:${port}/v1` });
}

function closeServer(server: Server, sockets: Set<Socket>, timers: Set<NodeJS.Timeout>) {
  for (const timer of timers) clearTimeout(timer);
  for (const socket of sockets) socket.destroy();
  return new Promise<void>((resolve) => server.close(() => resolve()));
}

interface HandlerContext {
  provider: ScriptedProvider;
  queue: ScriptStep[];
  wait: (ms: number) => Promise<void>;
}

async function handle(req: IncomingMessage, res: ServerResponse, ctx: HandlerContext) {
  const raw = await readBody(req);
  const path = (req.url ?? '').split('?')[0];

  if (req.method === 'GET' && path === '/v1/models') {
    const model = { id: 'scripted-model', object: 'model', created: 0, owned_by: 'scripted' };
    return sendJson(res, 200, { object: 'list', data: [model] });
  }

  if (req.method !== 'POST' || path !== '/v1/chat/completions') {
    return sendJson(res, 404, errorBody(404, `Unknown route ${req.method} ${path}`));
  }

  let body: ReceivedRequest['body'];
  try {
    body = JSON.parse(raw);
  } catch {
    return sendJson(res, 400, errorBody(400, 'We could not parse the JSON body of your request.'));
  }

  const received: ReceivedRequest = {
    body,
    headers: req.headers,
    receivedAt: Date.now(),
    remotePort: req.socket.remotePort,
    cancelled: false,
  };
  res.on('close', () => (received.cancelled = !res.writableFinished));
  ctx.provider.requests.push(received);
  const step = ctx.queue.shift() ?? ctx.provider.respond?.(body, received) ?? ctx.provider.fallback;
  await play(step, body, req, res, ctx.wait);
}

async function play(
  step: ScriptStep,
  body: ReceivedRequest['body'],
  req: IncomingMessage,
  res: ServerResponse,
  wait: (ms: number) => Promise<void>,
) {
  if (step.delayMs) await wait(step.delayMs);

  if (step.hang) return;

  if (step.reset || res.destroyed) return void req.socket.destroy();

  const status = step.status ?? 200;
  const wantsStream = body?.stream === true && (step.completion || step.stream) && status < 300;
  if (wantsStream) return sendStream(step, body, res, wait);

  if (step.completion) return sendJson(res, status, completionBody(step.completion, body), step);

  if (step.json !== undefined) return sendJson(res, status, step.json, step);

  if (step.text !== undefined) {
    res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', ...step.headers });
    return void finish(res, step.text, step);
  }

  const fallbackBody = status >= 400 ? errorBody(status) : completionBody({ content: '' }, body);
  sendJson(res, status, fallbackBody, step);
}

async function sendStream(
  step: ScriptStep,
  body: ReceivedRequest['body'],
  res: ServerResponse,
  wait: (ms: number) => Promise<void>,
) {
  const pieces = step.stream ?? [step.completion?.content ?? ''];
  const base = { id: newId(), object: 'chat.completion.chunk', created: now(), model: body.model };
  res.writeHead(step.status ?? 200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    ...step.headers,
  });

  for (const [index, piece] of pieces.entries()) {
    if (step.streamBreakAfter !== undefined && index >= step.streamBreakAfter) {
      return void res.socket?.destroy();
    }
    const delta = index === 0 ? { role: 'assistant', content: piece } : { content: piece };
    writeEvent(res, { ...base, choices: [{ index: 0, delta, finish_reason: null }] });
    if (step.chunkDelayMs) await wait(step.chunkDelayMs);
    if (res.destroyed) return;
  }

  const finish = step.completion?.finish_reason ?? 'stop';
  writeEvent(res, { ...base, choices: [{ index: 0, delta: {}, finish_reason: finish }] });
  res.end('data: [DONE]\n\n');
}

function writeEvent(res: ServerResponse, data: unknown) {
  res.write(`data: ${JSON.stringify(data)}\n\n`);
}

function sendJson(res: ServerResponse, status: number, body: unknown, step?: ScriptStep) {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(text)),
    ...step?.headers,
  });
  finish(res, text, step);
}

/** End the body, or leave it stalled after `stallAfterBytes`. */
function finish(res: ServerResponse, text: string, step?: ScriptStep) {
  if (step?.stallAfterBytes === undefined) return void res.end(text);

  res.write(Buffer.from(text).subarray(0, step.stallAfterBytes));
}

function completionBody(completion: ScriptedCompletion, body: ReceivedRequest['body']) {
  const content = completion.content === undefined ? '' : completion.content;
  const promptChars = JSON.stringify(body?.messages ?? []).length;
  const promptTokens = Math.ceil(promptChars / 4);
  const completionTokens = Math.ceil((content ?? '').length / 4);
  return {
    id: newId(),
    object: 'chat.completion',
    created: now(),
    model: body?.model ?? 'scripted-model',
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content, refusal: completion.refusal ?? null },
        logprobs: null,
        finish_reason: completion.finish_reason === undefined ? 'stop' : completion.finish_reason,
      },
    ],
    usage: completion.usage ?? {
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens,
      total_tokens: promptTokens + completionTokens,
    },
  };
}

const ERROR_TYPES: Record<number, [type: string, message: string]> = {
  400: ['invalid_request_error', 'Invalid request.'],
  401: ['invalid_request_error', 'Incorrect API key provided.'],
  404: ['invalid_request_error', 'The model does not exist.'],
  429: ['rate_limit_error', 'Rate limit reached. Please try again later.'],
  503: ['server_error', 'The engine is currently overloaded. Please try again later.'],
  529: ['server_error', 'Overloaded.'],
};

/** An OpenAI-style error body. */
export function errorBody(status: number, message?: string) {
  const [type, text] = ERROR_TYPES[status] ?? ['server_error', 'The server had an error.'];
  return { error: { message: message ?? text, type, param: null, code: null } };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

let counter = 0;
function newId() {
  counter += 1;
  return `chatcmpl-scripted-${counter}`;
}

function now() {
  return Math.floor(Date.now() / 1000);
}
