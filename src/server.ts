/**
 * @module server
 * Wires the parts together and listens: config → store → catalog → providers → HTTP.
 * `main.ts` calls it for the real process; HTTP tests call it in-process.
 */
import type { AddressInfo } from 'node:net';
import { resolveAdminToken } from './admin-token';
import { ConfigError, type Config } from './config';
import { EndpointCatalog } from './definitions/catalog';
import { seedTemplates } from './definitions/seed';
import { createApp } from './http/app';
import { createLogger, type Logger } from './logging/logger';
import { Metrics } from './metrics/metrics';
import { ResponseCache } from './cache/response-cache';
import { KeyChecker } from './keys/consumer-keys';
import { ProviderRegistry } from './providers/registry';
import { CircuitBreakers } from './resilience/circuit-breakers';
import { openStore } from './storage';

/** How long a stopping server lets requests in flight finish, in ms. */
const SHUTDOWN_GRACE_MS = 10_000;

export interface RunningServer {
  /** Base URL, e.g. `http://127.0.0.1:3000`. */
  url: string;
  adminToken: string;
  close(): Promise<void>;
}

export interface StartOptions {
  logger?: Logger;
  /** Called once with a generated admin token, so it can be shown. */
  onGeneratedToken?: (token: string) => void;
  /** Catalog poll interval in ms (writes by other instances). Default 1000. */
  pollIntervalMs?: number;
}

export async function startServer(
  config: Config,
  options: StartOptions = {},
): Promise<RunningServer> {
  const logger = options.logger ?? createLogger({ level: config.logLevel });
  const store = await openConfiguredStore(config);
  // After the store opened, so that a failed start does not use up the one showing of the token.
  const admin = resolveAdminToken(config.adminToken, config.dataDir);
  if (admin.generated) options.onGeneratedToken?.(admin.token);
  if (config.seedTemplates && (await store.listStates()).length === 0) {
    const seeded = await seedTemplates(store);
    logger.info({ created: seeded.created }, 'seeded templates into an empty store');
  }

  const catalog = new EndpointCatalog(store);
  await catalog.load();
  catalog.startPolling({
    pollIntervalMs: options.pollIntervalMs,
    onError: (err) => logger.warn({ err }, 'catalog refresh failed'),
  });

  const registry = new ProviderRegistry(config.providers, { pools: config.pools });
  const circuits = new CircuitBreakers(config.providers);
  const metrics = new Metrics({ circuits, providers: () => registry.names() });
  const app = createApp({
    store,
    catalog,
    registry,
    circuits,
    metrics,
    cache: new ResponseCache(),
    keys: new KeyChecker(store),
    logger,
    adminToken: admin.token,
    bodyLimitBytes: config.bodyLimitBytes,
  });

  const server = app.listen(config.port, config.host);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  logger.info({ port, providers: registry.names() }, 'promptgate listening');

  return {
    url: `http://${host}:${port}`,
    adminToken: admin.token,
    async close() {
      catalog.stopPolling();
      server.closeIdleConnections();
      // Requests in flight get a grace period, then their connections are cut.
      const cut = setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS);
      await new Promise<void>((resolve) => server.close(() => resolve()));
      clearTimeout(cut);
      await store.close();
      registry.close();
    },
  };
}

async function openConfiguredStore(config: Config) {
  try {
    return await openStore({ dataDir: config.dataDir, mongodbUri: config.mongodbUri });
  } catch (error) {
    const key = config.mongodbUri ? 'MONGODB_URI' : 'DATA_DIR';
    throw new ConfigError(key, `the store cannot be opened: ${(error as Error).message}`);
  }
}
