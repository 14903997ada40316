/**
 * @module http/app
 * Assembles the Express application: request context, security headers, JSON bodies, routes,
 * and the problem handler last.
 */
import express, { type Express } from 'express';
import helmet from 'helmet';
import type { EndpointCatalog } from '../definitions/catalog';
import type { Logger } from '../logging/logger';
import type { Metrics } from '../metrics/metrics';
import type { ResponseCache } from '../cache/response-cache';
import type { KeyChecker } from '../keys/consumer-keys';
import type { ProviderRegistry } from '../providers/registry';
import type { CircuitBreakers } from '../resilience/circuit-breakers';
import type { EndpointStore } from '../storage/store';
import { adminRoutes } from './admin-routes';
import { requireAdmin } from './auth';
import { batchRoutes } from './batch-route';
import { docsRouter } from './docs-route';
import { endpointRoutes } from './endpoint-routes';
import { jsonBody } from './json-body';
import { keyRoutes } from './key-routes';
import { opsRoutes } from './ops-routes';
import { requestContext } from './request-id';
import { notFound, problemHandler } from './problem';
import { streamRoutes } from './stream-route';
import './context';

export interface AppOptions {
  store: EndpointStore;
  catalog: EndpointCatalog;
  registry: ProviderRegistry;
  circuits: CircuitBreakers;
  logger: Logger;
  metrics: Metrics;
  cache: ResponseCache;
  keys: KeyChecker;
  adminToken: string;
  /** Request body limit in bytes. */
  bodyLimitBytes: number;
}

export function createApp(options: AppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');

  app.use(requestContext(options));
  app.use(
    helmet({
      crossOriginEmbedderPolicy: false,
      // The docs page must work over plain HTTP on any host, not only localhost.
      contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } },
    }),
  );
  app.use(jsonBody({ limitBytes: options.bodyLimitBytes }));

  app.use(opsRoutes(options));
  app.use(docsRouter({ specUrl: '/openapi.json' }));
  app.use('/admin', requireAdmin(options.adminToken), adminRoutes(options), keyRoutes(options));
  app.get('/metrics', requireAdmin(options.adminToken), async (_req, res) => {
    const { contentType, body } = await options.metrics.render();
    res.type(contentType).send(body);
  });
  app.use(batchRoutes(options));
  app.use(streamRoutes(options));
  app.use(endpointRoutes(options));

  app.use(notFound());
  app.use(problemHandler());
  return app;
}
