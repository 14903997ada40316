/**
 * @module http/ops-routes
 * Public operational routes: health, readiness and the OpenAPI document.
 */
import { Router } from 'express';
import type { EndpointCatalog } from '../definitions/catalog';
import { buildOpenApiDocument, toYaml } from '../openapi/document';
import type { EndpointStore } from '../storage/store';
import { AppError } from '../errors/app-error';

export interface OpsRoutesOptions {
  store: EndpointStore;
  catalog: EndpointCatalog;
}

export function opsRoutes(options: OpsRoutesOptions): Router {
  const router = Router();

  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  router.get('/readyz', async (_req, res) => {
    const reachable = await options.store.ping().catch(() => false);
    if (!reachable) throw new AppError('upstream_unavailable', 'The store does not answer.');
    res.json({ status: 'ready' });
  });

  router.get('/openapi.json', (_req, res) => {
    res.json(catalogDocument(options.catalog));
  });

  router.get('/openapi.yaml', (_req, res) => {
    res.type('application/yaml').send(toYaml(catalogDocument(options.catalog)));
  });

  return router;
}

/** The OpenAPI document of every served endpoint, as the catalog holds it now. */
export function catalogDocument(catalog: EndpointCatalog) {
  const entries = catalog
    .entries()
    .filter((e) => e.served)
    .map((e) => ({ state: e.state, definition: e.served!.definition, version: e.served!.version }));
  return buildOpenApiDocument(entries);
}
