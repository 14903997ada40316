/**
 * @module http/admin-routes
 * The admin API of API.md section 3: endpoint lifecycle, versions, the test route and providers.
 */
import { Router, type Request } from 'express';
import type { EndpointCatalog } from '../definitions/catalog';
import type { EndpointState, EndpointVersion } from '../definitions/types';
import { validateDefinition } from '../definitions/validate-definition';
import { AppError } from '../errors/app-error';
import { buildEndpointDocument } from '../openapi/document';
import { isRfc3339 } from '../validation/dates';
import type { ProviderRegistry } from '../providers/registry';
import type { CircuitBreakers } from '../resilience/circuit-breakers';
import { isStoreConflict, type EndpointStore, type StatusChange } from '../storage/store';
import { testEndpoint } from './admin-test-route';
import { abortOnDisconnect } from './endpoint-routes';

export interface AdminRoutesOptions {
  store: EndpointStore;
  catalog: EndpointCatalog;
  registry: ProviderRegistry;
  circuits: CircuitBreakers;
}

export function adminRoutes(options: AdminRoutesOptions): Router {
  const { store, catalog } = options;
  const router = Router();

  router.post('/endpoints', async (req, res) => {
    const definition = validateDefinition(req.body);
    const publish = (req.body as { publish?: boolean }).publish === true;
    const created = await conflictAware(() => store.createEndpoint(definition, { publish }));
    await catalog.refresh(definition.name);
    res.status(201).location(`/admin/endpoints/${definition.name}`);
    res.json(endpointView(created.state, created.version));
  });

  router.get('/endpoints', async (_req, res) => {
    const states = await store.listStates();
    const items = await Promise.all(
      states.map(async (state) => {
        const latest = await store.getVersion(state.name, state.latestVersion);
        return { ...summary(state), title: latest?.definition.title ?? null };
      }),
    );
    res.json({ items });
  });

  router.get('/endpoints/:name', async (req, res) => {
    const state = await mustGetState(store, req);
    const latest = await mustGetVersion(store, state.name, state.latestVersion);
    res.setHeader('ETag', `"${latest.version}"`);
    res.json(endpointView(state, latest));
  });

  router.put('/endpoints/:name', async (req, res) => {
    const state = await mustGetState(store, req);
    const definition = validateDefinition(req.body, state.name);
    const expected = ifMatchVersion(req);
    const added = await conflictAware(() => store.addVersion(state.name, definition, expected));
    if (!added) throw new AppError('endpoint_not_found', `No endpoint is named "${state.name}".`);
    let current = added.state;
    if ((req.body as { publish?: unknown }).publish === true) {
      const change: StatusChange = {
        status: 'published',
        publishedVersion: added.version.version,
        sunset: null,
        deprecatedAt: null,
      };
      current = (await store.updateState(state.name, change)) ?? current;
    }
    await catalog.refresh(state.name);
    res.setHeader('ETag', `"${added.version.version}"`);
    res.json(endpointView(current, added.version));
  });

  router.post('/endpoints/:name/publish', async (req, res) => {
    const state = await mustGetState(store, req);
    const version = requestedVersion(req.body, state.latestVersion);
    await mustGetVersion(store, state.name, version);
    const change = {
      status: 'published',
      publishedVersion: version,
      sunset: null,
      deprecatedAt: null,
    };
    res.json(await changeState(options, state.name, change as StatusChange));
  });

  router.post('/endpoints/:name/deprecate', async (req, res) => {
    const state = await mustGetState(store, req);
    if (state.status !== 'published' && state.status !== 'deprecated') {
      throw new AppError(
        'conflict',
        `Only a published endpoint can be deprecated; "${state.name}" is ${state.status}.`,
      );
    }
    const sunset = requestedSunset(req.body);
    const change: StatusChange = {
      status: 'deprecated',
      sunset,
      deprecatedAt: new Date().toISOString(),
    };
    res.json(await changeState(options, state.name, change));
  });

  router.delete('/endpoints/:name', async (req, res) => {
    const state = await mustGetState(store, req);
    await changeState(options, state.name, { status: 'retired' });
    res.status(204).end();
  });

  router.get('/endpoints/:name/versions', async (req, res) => {
    const state = await mustGetState(store, req);
    const versions = await store.listVersions(state.name);
    res.json({ items: versions.map((v) => versionView(state, v)) });
  });

  router.get('/endpoints/:name/versions/:version', async (req, res) => {
    const state = await mustGetState(store, req);
    const number = /^[1-9]\d{0,9}$/.test(String(req.params.version))
      ? Number(req.params.version)
      : NaN;
    if (Number.isNaN(number)) {
      throw new AppError('not_found', `"${req.params.version}" is not a version number.`);
    }
    res.json(versionView(state, await mustGetVersion(store, state.name, number)));
  });

  router.post('/endpoints/:name/test', async (req, res) => {
    const state = await mustGetState(store, req);
    const abort = abortOnDisconnect(req, res);
    try {
      res.json(await testEndpoint({ ...options, state, body: req.body, signal: abort.signal }));
    } finally {
      abort.done();
    }
  });

  router.get('/endpoints/:name/openapi', async (req, res) => {
    const state = await mustGetState(store, req);
    const version = state.publishedVersion ?? state.latestVersion;
    const stored = await mustGetVersion(store, state.name, version);
    res.json(buildEndpointDocument({ state, definition: stored.definition, version }));
  });

  router.get('/providers', (_req, res) => {
    const items = options.registry
      .describe()
      .map((p) => ({ ...p, health: options.circuits.health(p.name) }));
    res.json({ items, pools: options.registry.pools() });
  });

  router.post('/providers/:name/reset', (req, res) => {
    if (!options.registry.get(String(req.params.name))) {
      throw new AppError('not_found', `No provider is named "${req.params.name}".`);
    }
    options.circuits.reset(String(req.params.name));
    res.status(204).end();
  });

  return router;
}

async function changeState(options: AdminRoutesOptions, name: string, change: StatusChange) {
  const state = await options.store.updateState(name, change);
  if (!state) throw new AppError('endpoint_not_found', `No endpoint is named "${name}".`);
  await options.catalog.refresh(name);
  return summary(state);
}

async function mustGetState(store: EndpointStore, req: Request): Promise<EndpointState> {
  const name = String(req.params.name);
  const state = await store.getState(name);
  if (!state) throw new AppError('endpoint_not_found', `No endpoint is named "${name}".`);
  return state;
}

async function mustGetVersion(store: EndpointStore, name: string, version: number) {
  const stored = await store.getVersion(name, version);
  if (!stored) {
    throw new AppError('not_found', `The endpoint "${name}" has no version ${version}.`, {
      errors: [{ path: '/version', message: `version ${version} does not exist` }],
    });
  }
  return stored;
}

async function conflictAware<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (isStoreConflict(error)) throw new AppError('conflict', error.message, { cause: error });
    throw error;
  }
}

/** An optional admin body must be a JSON object when sent. */
function objectBody(body: unknown): Record<string, unknown> {
  if (body === undefined) return {};
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new AppError('request_invalid', 'The body must be a JSON object.', {
      errors: [{ path: '', message: 'must be an object' }],
    });
  }
  return body as Record<string, unknown>;
}

function requestedVersion(body: unknown, latest: number): number {
  const version = objectBody(body).version;
  if (version === undefined) return latest;
  if (!Number.isInteger(version) || (version as number) < 1) {
    throw new AppError('request_invalid', 'The version must be a positive whole number.', {
      errors: [{ path: '/version', message: 'must be a positive integer' }],
    });
  }
  return version as number;
}

function requestedSunset(body: unknown): string {
  const sunset = objectBody(body).sunset;
  if (typeof sunset !== 'string' || !isRfc3339(sunset, { dateAllowed: true })) {
    throw new AppError('request_invalid', 'Give the sunset as an RFC 3339 date or date-time.', {
      errors: [{ path: '/sunset', message: 'must be an RFC 3339 full-date or date-time' }],
    });
  }
  return sunset;
}

/** `If-Match: "3"` makes a PUT conditional on version 3 being the latest. */
function ifMatchVersion(req: Request): number | undefined {
  const header = req.get('if-match');
  if (!header) return undefined;
  const match = header.trim().match(/^(?:W\/)?"?(\d+)"?$/);
  if (!match) {
    throw new AppError('request_invalid', 'If-Match must name a version number, such as "3".', {
      errors: [{ path: '/headers/if-match', message: 'must be a version number' }],
    });
  }
  return Number(match[1]);
}

function summary(state: EndpointState) {
  return {
    name: state.name,
    status: state.status,
    publishedVersion: state.publishedVersion,
    latestVersion: state.latestVersion,
    sunset: state.sunset,
    createdAt: state.createdAt,
    updatedAt: state.updatedAt,
  };
}

function endpointView(state: EndpointState, latest: EndpointVersion) {
  return { ...latest.definition, ...summary(state), version: latest.version };
}

function versionView(state: EndpointState, stored: EndpointVersion) {
  return {
    version: stored.version,
    published: state.publishedVersion === stored.version && state.status !== 'retired',
    createdAt: stored.createdAt,
    definition: stored.definition,
  };
}
