/**
 * @module config/providers-file
 * Reads the providers file named by `PROVIDERS_FILE` (JSON or YAML): any number of
 * OpenAI-compatible providers, and pools that spread one model over several of them.
 * Keys are never in the file itself: each provider names the environment variable holding it.
 */
import { readFileSync } from 'node:fs';
import Ajv from 'ajv';
import { parse as parseYaml } from 'yaml';
import type { PoolConfig, ProviderConfig } from '../providers/types';

const NAME = { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$' };
const PRICE = {
  type: 'object',
  required: ['input', 'output'],
  properties: { input: { type: 'number', minimum: 0 }, output: { type: 'number', minimum: 0 } },
  additionalProperties: false,
};

const FILE_SCHEMA = {
  type: 'object',
  properties: {
    providers: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name'],
        properties: {
          name: NAME,
          baseURL: { type: 'string', pattern: '^https?://' },
          apiKeyEnv: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$' },
          headers: {
            type: 'object',
            propertyNames: { pattern: "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$" },
            additionalProperties: { type: 'string', pattern: '^[^\\r\\n\\u0000]*$' },
          },
          supportsJsonSchema: { type: 'boolean' },
          circuit: {
            type: 'object',
            properties: {
              failureThreshold: { type: 'integer', minimum: 1, maximum: 1000 },
              openMs: { type: 'integer', minimum: 1, maximum: 3_600_000 },
            },
            additionalProperties: false,
          },
          prices: { type: 'object', additionalProperties: PRICE },
        },
        additionalProperties: false,
      },
    },
    pools: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name', 'members'],
        properties: {
          name: NAME,
          members: {
            type: 'array',
            minItems: 1,
            items: {
              type: 'object',
              required: ['provider'],
              properties: {
                provider: NAME,
                weight: { type: 'number', exclusiveMinimum: 0, maximum: 1_000_000 },
              },
              additionalProperties: false,
            },
          },
        },
        additionalProperties: false,
      },
    },
  },
  additionalProperties: false,
} as const;

interface FileProvider {
  name: string;
  baseURL?: string;
  apiKeyEnv?: string;
  headers?: Record<string, string>;
  supportsJsonSchema?: boolean;
  circuit?: ProviderConfig['circuit'];
  prices?: ProviderConfig['prices'];
}

interface ProvidersFile {
  providers?: FileProvider[];
  pools?: { name: string; members: { provider: string; weight?: number }[] }[];
}

export interface ProviderSettings {
  providers: ProviderConfig[];
  pools: PoolConfig[];
}

const validateFile = new Ajv({ allErrors: true }).compile(FILE_SCHEMA);

/**
 * Merges the file's providers with the environment's `default` (from `OPENAI_BASE_URL` and
 * `OPENAI_API_KEY`, which win over a `default` entry of the file for URL and key).
 * Throws an Error whose message names the file and the JSON pointer of the first problem.
 */
export function readProvidersFile(
  file: string,
  env: NodeJS.ProcessEnv,
  envDefault: ProviderConfig | undefined,
): ProviderSettings {
  const parsed = parseFile(file);
  if (!validateFile(parsed)) {
    const first = validateFile.errors?.[0];
    throw new Error(`${file}: ${first?.instancePath || '/'} ${first?.message ?? 'is invalid'}`);
  }
  const data = parsed as ProvidersFile;

  const providers = (data.providers ?? []).map((p, i) => toProvider(file, p, i, env, envDefault));
  if (envDefault && !providers.some((p) => p.name === 'default')) providers.unshift(envDefault);
  checkUnique(
    file,
    providers.map((p) => p.name),
    '/providers',
  );

  const pools = (data.pools ?? []).map((pool) => ({
    name: pool.name,
    members: pool.members.map((m) => ({ provider: m.provider, weight: m.weight ?? 1 })),
  }));
  checkPools(file, pools, new Set(providers.map((p) => p.name)));
  return { providers, pools };
}

function parseFile(file: string): unknown {
  const text = readFileSync(file, 'utf8');
  try {
    return /\.ya?ml$/i.test(file) ? parseYaml(text) : JSON.parse(text);
  } catch (error) {
    throw new Error(`${file}: cannot be parsed: ${(error as Error).message}`);
  }
}

function toProvider(
  file: string,
  entry: FileProvider,
  index: number,
  env: NodeJS.ProcessEnv,
  envDefault: ProviderConfig | undefined,
): ProviderConfig {
  const fromEnv = entry.name === 'default' ? envDefault : undefined;
  // OPENAI_BASE_URL wins when set; OpenAI's URL, implied by a lone key, does not beat the file.
  const baseURL = (fromEnv && env.OPENAI_BASE_URL) || entry.baseURL || fromEnv?.baseURL;
  const where = `${file}: /providers/${index}`;
  if (!baseURL) throw new Error(`${where}/baseURL is required for "${entry.name}"`);
  if (!isHttpUrl(baseURL)) throw new Error(`${where}/baseURL is not an http(s) URL with a host`);
  if (entry.apiKeyEnv && !env[entry.apiKeyEnv]) {
    throw new Error(`${where}/apiKeyEnv names ${entry.apiKeyEnv}, which is not set`);
  }
  const apiKey = fromEnv?.apiKey ?? (entry.apiKeyEnv ? env[entry.apiKeyEnv] : undefined);
  return {
    name: entry.name,
    baseURL,
    apiKey,
    headers: entry.headers,
    supportsJsonSchema: entry.supportsJsonSchema ?? fromEnv?.supportsJsonSchema ?? false,
    circuit: entry.circuit,
    prices: entry.prices,
  };
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}

function checkUnique(file: string, names: string[], where: string): void {
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) throw new Error(`${file}: ${where}: "${name}" is named twice`);
    seen.add(name);
  }
}

function checkPools(file: string, pools: PoolConfig[], providers: Set<string>): void {
  checkUnique(file, [...providers, ...pools.map((p) => p.name)], '/pools');
  pools.forEach((pool, i) =>
    pool.members.forEach((member, j) => {
      if (!providers.has(member.provider)) {
        throw new Error(
          `${file}: /pools/${i}/members/${j}/provider: "${member.provider}" is not a provider`,
        );
      }
    }),
  );
}
