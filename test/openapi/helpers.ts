/**
 * @module test/openapi/helpers
 * Fixtures for the OpenAPI tests: endpoint entries with every default filled in, the shipped
 * templates, and the standard OpenAPI validator run out of process.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type {
  EndpointDefinition,
  EndpointState,
  EndpointStatus,
} from '../../src/definitions/types';
import type { DocumentEntry } from '../../src/openapi/document';

export const TEMPLATES_DIR = path.resolve(__dirname, '../../templates');

/** A definition as written in a file, with only `name`, `input` and `prompt` required. */
export type PartialDefinition = Partial<EndpointDefinition> &
  Pick<EndpointDefinition, 'name' | 'input' | 'prompt'>;

/** Fills the defaults of API.md section 2; independent of the definitions module on purpose. */
export function withDefaults(raw: PartialDefinition): EndpointDefinition {
  return {
    tags: [],
    model: { provider: 'default', name: 'gpt-4o-mini', fallbacks: [] },
    retry: {
      maxAttempts: 3,
      initialDelayMs: 250,
      maxDelayMs: 8000,
      attemptTimeoutMs: 30000,
      deadlineMs: 60000,
    },
    repair: { maxAttempts: 1, coerce: true },
    cache: { ttlSeconds: 0 },
    auth: 'key',
    examples: [],
    ...raw,
  };
}

export function entry(
  raw: PartialDefinition,
  status: EndpointStatus = 'published',
  extra: Partial<EndpointState> = {},
): DocumentEntry {
  const at = '2025-01-01T00:00:00.000Z';
  return {
    definition: withDefaults(raw),
    version: 1,
    state: {
      name: raw.name,
      status,
      publishedVersion: status === 'draft' ? null : 1,
      latestVersion: 1,
      sunset: null,
      deprecatedAt: null,
      createdAt: at,
      updatedAt: at,
      ...extra,
    },
  };
}

/** The raw JSON of every file in `templates/`, by endpoint name. */
export function loadTemplates(): Map<string, PartialDefinition> {
  const templates = new Map<string, PartialDefinition>();
  for (const file of readdirSync(TEMPLATES_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()) {
    const raw = JSON.parse(readFileSync(path.join(TEMPLATES_DIR, file), 'utf8'));
    templates.set(path.basename(file, '.json'), raw);
  }
  return templates;
}

export interface ValidationResult {
  valid: boolean;
  errors?: unknown;
  version?: string;
}

/** Runs @seriousme/openapi-schema-validator on a document in a child Node process. */
export function validateOpenApi(doc: object): ValidationResult {
  const script = path.join(__dirname, 'validate-openapi.mjs');
  const stdout = execFileSync(process.execPath, [script], {
    input: JSON.stringify(doc),
    cwd: path.resolve(__dirname, '../..'),
    encoding: 'utf8',
  });
  return JSON.parse(stdout) as ValidationResult;
}
