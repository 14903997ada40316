/**
 * @module definitions/seed
 * Loads the endpoint definitions of `templates/` into a store, idempotently: an endpoint that
 * already exists is left as it is.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { TEMPLATES_DIR } from '../config/paths';
import type { EndpointStore } from '../storage/store';
import { isStoreConflict } from '../storage/store';
import { validateDefinition } from './validate-definition';

export interface SeedResult {
  created: string[];
  skipped: string[];
}

export async function seedTemplates(
  store: EndpointStore,
  dir = TEMPLATES_DIR,
): Promise<SeedResult> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.json')).sort();
  const result: SeedResult = { created: [], skipped: [] };

  for (const file of files) {
    const body: unknown = JSON.parse(await readFile(path.join(dir, file), 'utf8'));
    const definition = validateDefinition(body);
    if (await store.getState(definition.name)) {
      result.skipped.push(definition.name);
      continue;
    }
    try {
      await store.createEndpoint(definition, { publish: true });
      result.created.push(definition.name);
    } catch (error) {
      if (!isStoreConflict(error)) throw error;
      result.skipped.push(definition.name);
    }
  }
  return result;
}
