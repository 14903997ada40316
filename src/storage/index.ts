/**
 * @module storage
 * Picks and opens the endpoint store: SQLite in the data folder unless a MongoDB URI is given.
 */
import { join } from 'node:path';

import type { EndpointStore } from './store';

export {
  StoreConflictError,
  StoreCorruptionError,
  isStoreConflict,
  isStoreCorruption,
} from './store';
export type { EndpointStore, StatusChange } from './store';
export {
  exportStore,
  importStore,
  parseDump,
  DumpFormatError,
  type StoreDump,
  type DumpedEndpoint,
  type ImportOptions,
  type ImportResult,
} from './backup';
export { DEFINITION_FORMAT, migrateDefinition } from './definition-migrations';

/** The SQLite file name inside the data folder. */
export const SQLITE_FILE_NAME = 'promptgate.db';

export interface OpenStoreOptions {
  /** Folder of the SQLite file `promptgate.db`; created when absent. */
  dataDir: string;
  /** When set, MongoDB is used instead of SQLite. */
  mongodbUri?: string;
  /** MongoDB database; defaults to the URI's, else `promptgate`. */
  mongodbDbName?: string;
}

/** Opens the configured store; the MongoDB driver is loaded only when it is used. */
export async function openStore(options: OpenStoreOptions): Promise<EndpointStore> {
  if (options.mongodbUri) {
    const { MongoStore } = await import('./mongo-store');
    return MongoStore.connect(options.mongodbUri, options.mongodbDbName);
  }

  const { SqliteStore } = await import('./sqlite-store');
  return SqliteStore.open(join(options.dataDir, SQLITE_FILE_NAME));
}
