/**
 * @module test/support/test-server
 * Starts the real promptgate server in-process on a free port, with a fresh data folder and,
 * by default, a scripted provider as `default`.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/logging/logger';
import { startServer, type RunningServer } from '../../src/server';
import { startScriptedProvider, type ScriptedProvider } from './scripted-provider';

export const ADMIN_TOKEN = 'test-admin-token-0123456789';

export interface TestServer extends RunningServer {
  provider: ScriptedProvider;
  /** The scripted providers named in `extraProviders`, by name. */
  providers: Record<string, ScriptedProvider>;
  dataDir: string;
  /** Sends a request; JSON bodies are encoded, the admin token is sent unless `token` is null. */
  request(method: string, urlPath: string, options?: RequestOptions): Promise<TestResponse>;
  stop(): Promise<void>;
}

export interface RequestOptions {
  body?: unknown;
  /** Sent as it is, with content-type application/json unless headers say otherwise. */
  rawBody?: string | Buffer;
  headers?: Record<string, string>;
  /** Bearer credential; default the admin token; null sends none. */
  token?: string | null;
}

export interface TestResponse {
  status: number;
  headers: Headers;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

export interface TestServerOptions {
  /** Extra environment variables; `OPENAI_BASE_URL: ''` means no provider. */
  env?: Record<string, string>;
  seedTemplates?: boolean;
  dataDir?: string;
  /** More scripted providers, written to a providers file under these names. */
  extraProviders?: string[];
  /** Pools of the providers file. */
  pools?: { name: string; members: { provider: string; weight?: number }[] }[];
  /** Circuit settings given to every provider of the providers file. */
  circuit?: { failureThreshold?: number; openMs?: number };
}

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const provider = await startScriptedProvider();
  const dataDir = options.dataDir ?? mkdtempSync(path.join(tmpdir(), 'promptgate-test-'));
  const providers: Record<string, ScriptedProvider> = {};
  for (const name of options.extraProviders ?? []) providers[name] = await startScriptedProvider();
  const providersFile = writeProvidersFile(dataDir, provider, providers, options);
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    ADMIN_TOKEN,
    DATA_DIR: dataDir,
    OPENAI_BASE_URL: provider.url,
    OPENAI_API_KEY: 'sk-test-key',
    LOG_LEVEL: 'silent',
    SEED_TEMPLATES: options.seedTemplates ? 'true' : 'false',
    ...(providersFile ? { PROVIDERS_FILE: providersFile, BACKUP_KEY: 'sk-backup-key' } : {}),
    ...options.env,
  });
  const server = await startServer(config, {
    logger: createLogger({ level: 'silent' }),
    pollIntervalMs: 0,
  });

  return {
    ...server,
    provider,
    providers,
    dataDir,
    request: (method, urlPath, requestOptions) => send(server.url, method, urlPath, requestOptions),
    async stop() {
      await server.close();
      await provider.close();
      await Promise.all(Object.values(providers).map((p) => p.close()));
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

function writeProvidersFile(
  dataDir: string,
  primary: ScriptedProvider,
  extra: Record<string, ScriptedProvider>,
  options: TestServerOptions,
): string | undefined {
  if (!options.extraProviders?.length && !options.pools?.length && !options.circuit)
    return undefined;
  const file = path.join(dataDir, 'providers.json');
  const entries = [
    { name: 'default', baseURL: primary.url, circuit: options.circuit },
    ...Object.entries(extra).map(([name, p]) => ({
      name,
      baseURL: p.url,
      apiKeyEnv: 'BACKUP_KEY',
      circuit: options.circuit,
    })),
  ];
  writeFileSync(file, JSON.stringify({ providers: entries, pools: options.pools ?? [] }));
  return file;
}

async function send(
  base: string,
  method: string,
  urlPath: string,
  options: RequestOptions = {},
): Promise<TestResponse> {
  const headers: Record<string, string> = { ...options.headers };
  const token = options.token === undefined ? ADMIN_TOKEN : options.token;
  if (token !== null && !hasHeader(headers, 'authorization')) {
    headers.authorization = `Bearer ${token}`;
  }
  let body: string | Buffer | undefined = options.rawBody;
  if (options.body !== undefined) body = JSON.stringify(options.body);
  if (body !== undefined && !hasHeader(headers, 'content-type')) {
    headers['content-type'] = 'application/json';
  }

  const response = await fetch(`${base}${urlPath}`, { method, headers, body });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: response.status, headers: response.headers, text, body: parsed };
}

function hasHeader(headers: Record<string, string>, name: string): boolean {
  return Object.keys(headers).some((key) => key.toLowerCase() === name);
}

/** A small valid definition; override any part. */
export function definition(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'sentiment-test',
    input: {
      type: 'object',
      required: ['text'],
      properties: { text: { type: 'string', minLength: 1, maxLength: 8000 } },
      additionalProperties: false,
    },
    output: {
      type: 'object',
      required: ['label', 'score'],
      properties: {
        label: { enum: ['positive', 'negative', 'neutral'] },
        score: { type: 'number', minimum: 0, maximum: 1 },
      },
    },
    prompt: { system: 'You classify sentiment.', user: 'Message:\n{{text}}' },
    model: { provider: 'default', name: 'gpt-4o-mini', temperature: 0, maxTokens: 50 },
    retry: {
      maxAttempts: 3,
      initialDelayMs: 5,
      maxDelayMs: 20,
      attemptTimeoutMs: 2000,
      deadlineMs: 5000,
    },
    ...overrides,
  };
}

/** A completion step whose content is the JSON text of `value`. */
export function jsonCompletion(value: unknown) {
  return { completion: { content: JSON.stringify(value), finish_reason: 'stop' } };
}
