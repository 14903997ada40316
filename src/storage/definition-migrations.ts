/**
 * @module storage/definition-migrations
 * The stored format of endpoint definitions and the steps that upgrade older ones. Every stored
 * version is tagged with the format it was written in (SQLite column `definition_format`, MongoDB
 * field `definitionFormat`, the dump's `definitionFormat`); reads pass it through
 * migrateDefinition, so a later change to the definition shape never strands old versions.
 * Versions are immutable: rows are upgraded on read, never rewritten.
 *
 * To change the format: bump DEFINITION_FORMAT and append a step that turns format N - 1 into N.
 * Never edit a released step, and let each step carry its own literal defaults instead of
 * importing today's: a step must keep producing what its format meant.
 */
import type { EndpointDefinition } from '../definitions/types';
import { StoreCorruptionError } from './store';

/**
 * The definition format this build writes.
 *
 * - 0: early, sparse definitions. Only `name`, `input` and `prompt` are certain; `model` may be
 *   absent or carry the provider's snake_case `max_tokens`; `tags`, `retry`, `repair`, `cache`,
 *   `auth`, `examples` and `model.fallbacks` may be missing.
 * - 1: every default applied (EndpointDefinition as it stands).
 */
export const DEFINITION_FORMAT = 1;

/**
 * The format of a definition stored without a tag: MongoDB documents and dumps written before
 * formats were tagged hold format 1. Fixed, unlike DEFINITION_FORMAT, which moves on.
 */
export const UNTAGGED_DEFINITION_FORMAT = 1;

type Raw = Record<string, unknown>;

/** One step: turns a definition of format `to - 1` into format `to`. */
interface DefinitionStep {
  to: number;
  up(raw: Raw): Raw;
}

function isRecord(value: unknown): value is Raw {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function recordOr(value: unknown): Raw {
  return isRecord(value) ? value : {};
}

const STEPS: readonly DefinitionStep[] = [
  {
    to: 1,
    up(raw) {
      const model = recordOr(raw.model);
      const { max_tokens: maxTokensSnake, ...modelRest } = model;
      const upgradedModel: Raw = {
        provider: 'default',
        name: 'gpt-4o-mini',
        ...modelRest,
        fallbacks: Array.isArray(model.fallbacks) ? model.fallbacks : [],
      };
      if (upgradedModel.maxTokens === undefined && typeof maxTokensSnake === 'number') {
        upgradedModel.maxTokens = maxTokensSnake;
      }

      return {
        ...raw,
        tags: Array.isArray(raw.tags) ? raw.tags : [],
        model: upgradedModel,
        retry: {
          maxAttempts: 3,
          initialDelayMs: 250,
          maxDelayMs: 8000,
          attemptTimeoutMs: 30_000,
          deadlineMs: 60_000,
          ...recordOr(raw.retry),
        },
        repair: { maxAttempts: 1, coerce: true, ...recordOr(raw.repair) },
        cache: { ttlSeconds: 0, ...recordOr(raw.cache) },
        auth: raw.auth === 'public' ? 'public' : 'key',
        examples: Array.isArray(raw.examples) ? raw.examples : [],
      };
    },
  },
];

/**
 * Upgrades a parsed definition stored in format `fromVersion` to DEFINITION_FORMAT; a current one
 * comes back as it is. The result's shape is the caller's check (see `decodeDefinition`). Throws
 * StoreCorruptionError for a format newer than this build, or one that is not a format number.
 */
export function migrateDefinition(raw: unknown, fromVersion: number): EndpointDefinition {
  if (!Number.isSafeInteger(fromVersion) || fromVersion < 0) {
    throw new StoreCorruptionError(`definition format '${String(fromVersion)}' is not a format`);
  }

  if (fromVersion > DEFINITION_FORMAT) {
    throw new StoreCorruptionError(
      `definition format ${fromVersion} is newer than this build's ${DEFINITION_FORMAT}; ` +
        'upgrade promptgate to read it',
    );
  }

  if (!isRecord(raw)) {
    throw new StoreCorruptionError('a stored definition is not an object');
  }

  let current = raw;
  for (const step of STEPS) {
    if (step.to > fromVersion) current = step.up(current);
  }

  return current as unknown as EndpointDefinition;
}
