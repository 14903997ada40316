/**
 * @module test/instances/server-process
 * Starts promptgate as a real child process (`src/main.ts` through `run-ts.cjs`) on a given data
 * folder and a free port, and talks to it over HTTP.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { resolve } from 'node:path';

export const ADMIN_TOKEN = 'instances-admin-token-0123456789';

const ROOT = resolve(__dirname, '../..');
const RUN_TS = resolve(__dirname, 'run-ts.cjs');

/** How long a process may take to answer `/healthz` after spawning, in ms. */
const START_TIMEOUT_MS = 20_000;

export interface ServerProcess {
  url: string;
  child: ChildProcess;
  /** What the process wrote to stderr so far. */
  stderr(): string;
  /** Sends `signal` (default SIGTERM) and resolves once the process has exited. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export interface ServerProcessOptions {
  dataDir: string;
  /** Base URL of the `default` provider. */
  providerUrl: string;
  /** Extra or overriding environment variables. */
  env?: Record<string, string>;
}

export interface Reply {
  status: number;
  headers: Headers;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

/** A port that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const probe = createServer();
    probe.once('error', fail);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => done(port));
    });
  });
}

/**
 * Spawns a server with a minimal environment (nothing inherited but PATH, so a MONGODB_URI set
 * for the MongoDB suite cannot leak in) and waits until it answers `/healthz`.
 */
export async function startServerProcess(options: ServerProcessOptions): Promise<ServerProcess> {
  const port = await freePort();
  const env = {
    PATH: process.env.PATH ?? '',
    PORT: String(port),
    HOST: '127.0.0.1',
    ADMIN_TOKEN,
    DATA_DIR: options.dataDir,
    SEED_TEMPLATES: 'false',
    LOG_LEVEL: 'silent',
    OPENAI_BASE_URL: options.providerUrl,
    OPENAI_API_KEY: 'sk-test-key',
    ...options.env,
  };
  // cwd is the data folder so that no `.env` of the checkout is read.
  const child = spawn(process.execPath, [RUN_TS, resolve(ROOT, 'src/main.ts')], {
    env,
    cwd: options.dataDir,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((done) => child.once('exit', () => done()));

  const url = `http://127.0.0.1:${port}`;
  const server: ServerProcess = {
    url,
    child,
    stderr: () => stderr,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };

  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`server exited with ${child.exitCode} while starting: ${stderr}`);
    }
    const healthy = await fetch(`${url}/healthz`).then(
      (response) => response.ok,
      () => false,
    );
    if (healthy) return server;
    await sleep(50);
  }

  await server.stop('SIGKILL');
  throw new Error(`server did not answer /healthz within ${START_TIMEOUT_MS} ms: ${stderr}`);
}

/** Sends a JSON request with the admin token. */
export async function send(
  base: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<Reply> {
  const headers: Record<string, string> = { authorization: `Bearer ${ADMIN_TOKEN}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${base}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = text;
  }
  return { status: response.status, headers: response.headers, body: parsed };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}

/**
 * Calls `check` every `everyMs` until it resolves true; resolves the time that took, in ms.
 * Rejects when `timeoutMs` passes first.
 */
export async function timeUntil(
  check: () => Promise<boolean>,
  timeoutMs: number,
  everyMs = 20,
): Promise<number> {
  const started = performance.now();
  while (performance.now() - started < timeoutMs) {
    if (await check()) return performance.now() - started;
    await sleep(everyMs);
  }
  throw new Error(`condition not met within ${timeoutMs} ms`);
}

/** A small valid definition without an output schema: the endpoint answers `{ text }`. */
export function plainDefinition(name: string, user = 'Say hi to {{text}}') {
  return {
    name,
    input: {
      type: 'object',
      required: ['text'],
      properties: { text: { type: 'string' } },
      additionalProperties: false,
    },
    prompt: { user },
    model: { provider: 'default', name: 'scripted-model' },
    retry: { maxAttempts: 1, attemptTimeoutMs: 2000, deadlineMs: 4000 },
  };
}
