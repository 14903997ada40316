/**
 * @module storage/backup
 * Whole-store export and import, for backups and for moving between SQLite and MongoDB. The dump
 * is plain JSON: every endpoint with its state and all of its versions, numbers and timestamps
 * kept, so an import reproduces the store exactly.
 *
 * Consumer keys do not exist in the store yet, so a dump holds none. When they arrive they go
 * into the dump as their stored hashes and metadata, never as plain-text secrets (a later
 * `formatVersion` if the shape has to change; readers refuse versions newer than theirs).
 */
import type { EndpointState, EndpointVersion } from '../definitions/types';
import { checkImport, decodeDefinition, decodeState, nowIso, type RawState } from './codec';
import { DEFINITION_FORMAT, UNTAGGED_DEFINITION_FORMAT } from './definition-migrations';
import { isStoreConflict, StoreConflictError, type EndpointStore } from './store';

/** The `format` tag of a dump file. */
export const DUMP_FORMAT = 'promptgate-dump';

/** The dump layout this build writes and the newest it reads. */
export const DUMP_FORMAT_VERSION = 1;

/** One endpoint in a dump: its state and every version, oldest first. */
export interface DumpedEndpoint {
  state: EndpointState;
  versions: EndpointVersion[];
}

/** A whole store, as written by exportStore and read by importStore. */
export interface StoreDump {
  format: typeof DUMP_FORMAT;
  formatVersion: typeof DUMP_FORMAT_VERSION;
  /** ISO 8601 UTC time of the export. */
  exportedAt: string;
  /** Format of the definitions inside (see `definition-migrations.ts`); upgraded on import. */
  definitionFormat: number;
  /** Sorted by name. */
  endpoints: DumpedEndpoint[];
}

export interface ImportOptions {
  /**
   * What to do with an endpoint whose name the target store already has. `fail` (the default)
   * checks every name first and writes nothing when one exists; `skip` imports the others.
   */
  onExisting?: 'skip' | 'fail';
  /**
   * Checks each endpoint before anything is written, e.g. that its definitions are what the
   * admin API would accept; throwing refuses the whole dump. Default: none.
   */
  checkEndpoint?: (endpoint: DumpedEndpoint) => void;
}

export interface ImportResult {
  imported: string[];
  /** Names that existed in the target and were left as they were. */
  skipped: string[];
}

/** Thrown when a dump file cannot be read: wrong format, newer version, malformed endpoint. */
export class DumpFormatError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DumpFormatError';
  }
}

/**
 * Reads every endpoint and all its versions. Each endpoint is consistent (its versions are
 * exactly 1 to its latest), but the whole is not one snapshot: stop admin writes for a
 * point-in-time copy.
 */
export async function exportStore(store: EndpointStore): Promise<StoreDump> {
  const endpoints: DumpedEndpoint[] = [];
  for (const state of await store.listStates()) {
    // State first: versions are never deleted and latestVersion only moves once its version
    // exists, so the versions read next cover it; newer ones are dropped to match the state.
    const versions = await store.listVersions(state.name);
    endpoints.push({ state, versions: versions.filter((v) => v.version <= state.latestVersion) });
  }

  return {
    format: DUMP_FORMAT,
    formatVersion: DUMP_FORMAT_VERSION,
    exportedAt: nowIso(),
    definitionFormat: DEFINITION_FORMAT,
    endpoints,
  };
}

/**
 * Recreates every endpoint of a dump in `store` with identical version numbers, definitions,
 * states and timestamps. `dump` may be parsed JSON of any origin: it is checked first, and a
 * malformed one throws DumpFormatError before anything is written.
 */
export async function importStore(
  store: EndpointStore,
  dump: unknown,
  options: ImportOptions = {},
): Promise<ImportResult> {
  const checked = parseDump(dump);
  checked.endpoints.forEach((endpoint) => {
    try {
      options.checkEndpoint?.(endpoint);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new DumpFormatError(`endpoint '${endpoint.state.name}': ${reason}`, { cause: error });
    }
  });
  const onExisting = options.onExisting ?? 'fail';
  const existing = new Set((await store.listStates()).map((state) => state.name));
  const clashes = checked.endpoints.filter((e) => existing.has(e.state.name));

  if (onExisting === 'fail' && clashes.length > 0) {
    const names = clashes.map((e) => e.state.name).join(', ');
    throw new StoreConflictError(`the target store already has: ${names}`);
  }

  const result: ImportResult = { imported: [], skipped: [] };
  for (const { state, versions } of checked.endpoints) {
    if (existing.has(state.name)) {
      result.skipped.push(state.name);
      continue;
    }

    try {
      await store.importEndpoint(state, versions);
      result.imported.push(state.name);
    } catch (error) {
      // Created by someone else since the names were listed.
      if (onExisting === 'skip' && isStoreConflict(error)) result.skipped.push(state.name);
      else throw error;
    }
  }

  return result;
}

/** Checks a parsed dump and upgrades its definitions; throws DumpFormatError. */
export function parseDump(value: unknown): StoreDump {
  const dump = value as Partial<StoreDump> | null;
  if (typeof dump !== 'object' || dump === null || dump.format !== DUMP_FORMAT) {
    throw new DumpFormatError(`not a promptgate dump (format must be '${DUMP_FORMAT}')`);
  }

  const formatVersion = dump.formatVersion as unknown;
  if (
    !Number.isInteger(formatVersion) ||
    (formatVersion as number) < 1 ||
    (formatVersion as number) > DUMP_FORMAT_VERSION
  ) {
    throw new DumpFormatError(
      `dump format version ${String(formatVersion)} is not readable by this build ` +
        `(reads up to ${DUMP_FORMAT_VERSION})`,
    );
  }

  if (!Array.isArray(dump.endpoints)) {
    throw new DumpFormatError('the dump has no endpoints list');
  }

  const definitionFormat = dump.definitionFormat ?? UNTAGGED_DEFINITION_FORMAT;
  const endpoints = dump.endpoints.map((entry, index) => {
    try {
      return parseEndpoint(entry, definitionFormat);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new DumpFormatError(`endpoint #${index + 1} of the dump: ${reason}`, { cause: error });
    }
  });

  const seen = new Set<string>();
  for (const { state } of endpoints) {
    if (seen.has(state.name)) throw new DumpFormatError(`the dump holds '${state.name}' twice`);
    seen.add(state.name);
  }

  return {
    format: DUMP_FORMAT,
    formatVersion: DUMP_FORMAT_VERSION,
    exportedAt: typeof dump.exportedAt === 'string' ? dump.exportedAt : '',
    definitionFormat: DEFINITION_FORMAT,
    endpoints,
  };
}

function parseEndpoint(entry: unknown, definitionFormat: number): DumpedEndpoint {
  const { state: rawState, versions: rawVersions } = (entry ?? {}) as Partial<DumpedEndpoint>;
  if (typeof rawState !== 'object' || rawState === null || !Array.isArray(rawVersions)) {
    throw new RangeError('needs a state and a versions list');
  }

  const state = decodeState(rawState as unknown as RawState);
  const versions = rawVersions.map((version) => ({
    name: version?.name,
    version: version?.version,
    // Round-trip through the store's own reader so old definition formats are upgraded.
    definition: decodeDefinition(
      JSON.stringify(version?.definition),
      state.name,
      version?.version,
      definitionFormat,
    ),
    createdAt: version?.createdAt,
  }));
  checkImport(state, versions);

  return { state, versions };
}
