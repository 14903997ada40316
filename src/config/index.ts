/**
 * @module config
 * Reads the environment once, checks it, and returns a frozen, typed configuration.
 * Nothing else in promptgate reads `process.env`.
 */
import path from 'node:path';
import Ajv from 'ajv';
import type { PoolConfig, ProviderConfig } from '../providers/types';
import { readProvidersFile } from './providers-file';

export interface Config {
  /** HTTP port. Default 3000. */
  port: number;
  /** Interface to listen on. Default all interfaces. */
  host: string;
  /** Admin bearer token; when absent one is generated and kept in the data folder. */
  adminToken?: string;
  /** Folder of the embedded database and the generated admin token. Default `./data`. */
  dataDir: string;
  /** MongoDB connection string; when set, MongoDB is the store. */
  mongodbUri?: string;
  /** Request body limit in bytes. Default 1 MiB. */
  bodyLimitBytes: number;
  /** pino level. Default `info`. */
  logLevel: string;
  /** Seed an empty store with `templates/` on first start. Default true. */
  seedTemplates: boolean;
  /** Providers; `default` comes from `OPENAI_BASE_URL` and `OPENAI_API_KEY`. */
  providers: ProviderConfig[];
  /** Names that spread calls over several providers by weight (from the providers file). */
  pools: PoolConfig[];
}

export class ConfigError extends Error {
  constructor(
    readonly key: string,
    message: string,
  ) {
    super(`${key}: ${message}`);
    this.name = 'ConfigError';
  }
}

const ENV_SCHEMA = {
  type: 'object',
  properties: {
    PORT: { type: 'string', pattern: '^[0-9]{1,5}$' },
    HOST: { type: 'string', minLength: 1 },
    ADMIN_TOKEN: { type: 'string', minLength: 16 },
    DATA_DIR: { type: 'string', minLength: 1 },
    MONGODB_URI: { type: 'string', pattern: '^mongodb(\\+srv)?://' },
    BODY_LIMIT_BYTES: { type: 'string', pattern: '^[0-9]+$' },
    LOG_LEVEL: { enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] },
    SEED_TEMPLATES: { enum: ['true', 'false', '1', '0'] },
    OPENAI_BASE_URL: { type: 'string', pattern: '^https?://' },
    OPENAI_API_KEY: { type: 'string' },
    OPENAI_SUPPORTS_JSON_SCHEMA: { enum: ['true', 'false', '1', '0'] },
    PROVIDERS_FILE: { type: 'string', minLength: 1 },
  },
} as const;

const OPENAI_DEFAULT_BASE_URL = 'https://api.openai.com/v1';

/** Builds the configuration from an environment; throws ConfigError naming the bad key. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const vars = pickSet(env, Object.keys(ENV_SCHEMA.properties));
  const validate = new Ajv({ allErrors: false }).compile(ENV_SCHEMA);
  if (!validate(vars)) {
    const error = validate.errors?.[0];
    const key = error?.instancePath.replace(/^\//, '') || 'environment';
    const allowed =
      error?.params && 'allowedValues' in error.params ? error.params.allowedValues : null;
    const message = allowed ? `must be one of ${(allowed as string[]).join(', ')}` : error?.message;
    throw new ConfigError(key, message ?? 'is invalid');
  }

  const port = Number(vars.PORT ?? 3000);
  if (port > 65535) throw new ConfigError('PORT', 'must be at most 65535');
  const bodyLimitBytes = Number(vars.BODY_LIMIT_BYTES ?? 1024 * 1024);
  if (bodyLimitBytes < 1024) throw new ConfigError('BODY_LIMIT_BYTES', 'must be at least 1024');

  return Object.freeze({
    port,
    host: vars.HOST ?? '0.0.0.0',
    adminToken: vars.ADMIN_TOKEN,
    dataDir: path.resolve(vars.DATA_DIR ?? './data'),
    mongodbUri: vars.MONGODB_URI,
    bodyLimitBytes,
    logLevel: vars.LOG_LEVEL ?? 'info',
    seedTemplates: !['false', '0'].includes(vars.SEED_TEMPLATES ?? 'true'),
    ...providerSettings(vars, env),
  });
}

function providerSettings(vars: Record<string, string | undefined>, env: NodeJS.ProcessEnv) {
  const [envDefault] = defaultProviders(vars);
  if (!vars.PROVIDERS_FILE) return { providers: envDefault ? [envDefault] : [], pools: [] };
  try {
    return readProvidersFile(path.resolve(vars.PROVIDERS_FILE), env, envDefault);
  } catch (error) {
    throw new ConfigError('PROVIDERS_FILE', (error as Error).message);
  }
}

function defaultProviders(vars: Record<string, string | undefined>): ProviderConfig[] {
  if (!vars.OPENAI_BASE_URL && !vars.OPENAI_API_KEY) return [];
  return [
    {
      name: 'default',
      baseURL: vars.OPENAI_BASE_URL ?? OPENAI_DEFAULT_BASE_URL,
      apiKey: vars.OPENAI_API_KEY || undefined,
      supportsJsonSchema: ['true', '1'].includes(vars.OPENAI_SUPPORTS_JSON_SCHEMA ?? 'false'),
    },
  ];
}

/** The named variables that are set to a non-empty value. */
function pickSet(env: NodeJS.ProcessEnv, keys: string[]): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const key of keys) {
    const value = env[key];
    if (value !== undefined && value !== '') out[key] = value;
  }
  return out;
}
