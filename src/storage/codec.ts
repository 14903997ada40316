/**
 * @module storage/codec
 * Turns stored rows and documents back into typed values, checking them on the way. Both
 * stores keep definitions as JSON text: it round-trips every JSON Schema key (`$ref`, `$defs`,
 * dotted names) that a document database would treat specially.
 */
import type {
  EndpointDefinition,
  EndpointState,
  EndpointStatus,
  EndpointVersion,
} from '../definitions/types';
import { migrateDefinition, UNTAGGED_DEFINITION_FORMAT } from './definition-migrations';
import { StoreCorruptionError, type StatusChange } from './store';

const STATUSES: ReadonlySet<string> = new Set<EndpointStatus>([
  'draft',
  'published',
  'deprecated',
  'retired',
]);

/** The state fields as both stores keep them, before checking. */
export interface RawState {
  name: unknown;
  status: unknown;
  publishedVersion: unknown;
  latestVersion: unknown;
  sunset: unknown;
  deprecatedAt: unknown;
  createdAt: unknown;
  updatedAt: unknown;
}

/** The version fields as both stores keep them, before checking. */
export interface RawVersion {
  name: unknown;
  version: unknown;
  definition: unknown;
  /** The definition's stored format; absent (undefined) means UNTAGGED_DEFINITION_FORMAT. */
  definitionFormat?: unknown;
  createdAt: unknown;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isVersionNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 1;
}

function isOptionalString(value: unknown): value is string | null {
  return value === null || typeof value === 'string';
}

/** The current time as ISO 8601 UTC with milliseconds, e.g. `2025-01-31T12:00:00.000Z`. */
export function nowIso(): string {
  return new Date().toISOString();
}

/**
 * Serializes a definition for storage. Throws RangeError when its name is missing or is not
 * `expectedName`, so a version can never be filed under another endpoint.
 */
export function encodeDefinition(definition: EndpointDefinition, expectedName?: string): string {
  if (typeof definition?.name !== 'string' || definition.name.length === 0) {
    throw new RangeError('the definition has no name');
  }

  if (expectedName !== undefined && definition.name !== expectedName) {
    throw new RangeError(
      `the definition is named '${definition.name}' but is stored under '${expectedName}'`,
    );
  }

  return JSON.stringify(definition);
}

/**
 * Parses a stored definition, upgrades it from its stored `format` (see
 * `definition-migrations.ts`) and checks it; throws StoreCorruptionError naming the version.
 */
export function decodeDefinition(
  text: unknown,
  name: string,
  version: number,
  format: unknown,
): EndpointDefinition {
  const where = `definition of '${name}' version ${version}`;
  if (typeof text !== 'string') {
    throw new StoreCorruptionError(`stored ${where} is not text`);
  }

  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new StoreCorruptionError(`stored ${where} is not valid JSON`, { cause: error });
  }

  try {
    value = migrateDefinition(value, typeof format === 'number' ? format : Number.NaN);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new StoreCorruptionError(`stored ${where} cannot be read: ${reason}`, { cause: error });
  }

  const valid =
    isRecord(value) &&
    value.name === name &&
    isRecord(value.input) &&
    isRecord(value.prompt) &&
    isRecord(value.model);
  if (!valid) {
    throw new StoreCorruptionError(`stored ${where} lacks name, input, prompt or model`);
  }

  return value as unknown as EndpointDefinition;
}

/** Checks a stored endpoint state; throws StoreCorruptionError naming the endpoint. */
export function decodeState(raw: RawState): EndpointState {
  const valid =
    typeof raw.name === 'string' &&
    typeof raw.status === 'string' &&
    STATUSES.has(raw.status) &&
    (raw.publishedVersion === null || isVersionNumber(raw.publishedVersion)) &&
    isVersionNumber(raw.latestVersion) &&
    isOptionalString(raw.sunset) &&
    isOptionalString(raw.deprecatedAt) &&
    typeof raw.createdAt === 'string' &&
    typeof raw.updatedAt === 'string';
  if (!valid) {
    throw new StoreCorruptionError(`stored state of endpoint '${String(raw.name)}' is malformed`);
  }

  return {
    name: raw.name as string,
    status: raw.status as EndpointStatus,
    publishedVersion: raw.publishedVersion as number | null,
    latestVersion: raw.latestVersion as number,
    sunset: raw.sunset as string | null,
    deprecatedAt: raw.deprecatedAt as string | null,
    createdAt: raw.createdAt as string,
    updatedAt: raw.updatedAt as string,
  };
}

/** Checks a stored version and parses its definition. */
export function decodeVersion(raw: RawVersion): EndpointVersion {
  if (typeof raw.name !== 'string' || !isVersionNumber(raw.version)) {
    throw new StoreCorruptionError(`stored version of endpoint '${String(raw.name)}' is malformed`);
  }

  if (typeof raw.createdAt !== 'string') {
    throw new StoreCorruptionError(
      `stored version ${raw.version} of endpoint '${raw.name}' has no creation time`,
    );
  }

  return {
    name: raw.name,
    version: raw.version,
    definition: decodeDefinition(
      raw.definition,
      raw.name,
      raw.version,
      raw.definitionFormat ?? UNTAGGED_DEFINITION_FORMAT,
    ),
    createdAt: raw.createdAt,
  };
}

/**
 * Applies a status change to a state: an undefined field keeps its value. Throws RangeError for
 * an unknown status or a `published` state without a version; whether the published version
 * exists is the caller's check.
 */
export function applyStatusChange(
  current: EndpointState,
  change: StatusChange,
): Pick<EndpointState, 'status' | 'publishedVersion' | 'sunset' | 'deprecatedAt'> {
  if (!STATUSES.has(change.status)) {
    throw new RangeError(`unknown endpoint status '${String(change.status)}'`);
  }

  const next = {
    status: change.status,
    publishedVersion:
      change.publishedVersion === undefined ? current.publishedVersion : change.publishedVersion,
    sunset: change.sunset === undefined ? current.sunset : change.sunset,
    deprecatedAt: change.deprecatedAt === undefined ? current.deprecatedAt : change.deprecatedAt,
  };

  if (next.publishedVersion !== null && !isVersionNumber(next.publishedVersion)) {
    throw new RangeError(`published version must be a positive integer`);
  }

  if (next.status === 'published' && next.publishedVersion === null) {
    throw new RangeError(`endpoint '${current.name}' cannot be published without a version`);
  }

  return next;
}

/**
 * Checks an endpoint given whole to `importEndpoint`: versions numbered 1 to
 * `state.latestVersion` in order, each named after the endpoint, a published version that exists,
 * timestamps present. Throws RangeError saying what is wrong.
 */
export function checkImport(state: EndpointState, versions: readonly EndpointVersion[]): void {
  let decoded: EndpointState;
  try {
    decoded = decodeState(state as unknown as RawState);
  } catch (error) {
    throw new RangeError(`the state of endpoint '${String(state?.name)}' is malformed`, {
      cause: error,
    });
  }
  const { name, latestVersion, publishedVersion } = decoded;

  if (decoded.status === 'published' && publishedVersion === null) {
    throw new RangeError(`endpoint '${name}' is published without a version`);
  }

  if (versions.length !== latestVersion) {
    throw new RangeError(
      `endpoint '${name}' has latest version ${latestVersion} but ${versions.length} versions`,
    );
  }

  versions.forEach((version, index) => {
    if (version.name !== name || version.version !== index + 1) {
      throw new RangeError(`endpoint '${name}': versions must be numbered 1 to ${latestVersion}`);
    }
    if (typeof version.createdAt !== 'string') {
      throw new RangeError(`endpoint '${name}' version ${version.version} has no creation time`);
    }
    encodeDefinition(version.definition, name);
  });

  if (publishedVersion !== null && publishedVersion > latestVersion) {
    throw new RangeError(`endpoint '${name}' has no version ${publishedVersion}`);
  }
}
