/**
 * @module storage/store
 * The storage contract. Every implementation (SQLite, MongoDB) passes the same conformance
 * suite in `test/storage/`. Nothing here knows about SQL or documents.
 */
import type {
  EndpointDefinition,
  EndpointState,
  EndpointStatus,
  EndpointVersion,
} from '../definitions/types';

/** Thrown by a store when a write loses: the name exists, or a concurrent change won. */
export class StoreConflictError extends Error {
  readonly isStoreConflict = true;
  constructor(message: string) {
    super(message);
    this.name = 'StoreConflictError';
  }
}

export function isStoreConflict(value: unknown): value is StoreConflictError {
  return typeof value === 'object' && value !== null && 'isStoreConflict' in value;
}

/**
 * Thrown when stored data cannot be read back: a definition that is not JSON, a row or document
 * with missing fields, a stored format newer than this build. The process keeps running; the
 * request that hit the row fails.
 */
export class StoreCorruptionError extends Error {
  readonly isStoreCorruption = true;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreCorruptionError';
  }
}

export function isStoreCorruption(value: unknown): value is StoreCorruptionError {
  return typeof value === 'object' && value !== null && 'isStoreCorruption' in value;
}

/** A status update. An absent (undefined) field keeps its stored value; `null` clears it. */
export interface StatusChange {
  status: EndpointStatus;
  /** For `published`: which version is served. */
  publishedVersion?: number | null;
  sunset?: string | null;
  deprecatedAt?: string | null;
}

/** A consumer key as stored: its secret only as a SHA-256 hash. */
export interface ConsumerKey {
  id: string;
  name: string;
  /** The first characters of the secret, to recognise it in lists. */
  prefix: string;
  /** Hex SHA-256 of the secret. */
  hash: string;
  /** Endpoint names the key may call; null for all. */
  endpoints: string[] | null;
  /** Calls per minute; null for no limit. */
  requestsPerMinute: number | null;
  expiresAt: string | null;
  createdAt: string;
  revokedAt: string | null;
}

export interface EndpointStore {
  /** Stores a new key. Throws StoreConflictError when its id or hash exists. */
  createKey(key: ConsumerKey): Promise<void>;
  /** Every key, revoked ones included, oldest first. */
  listKeys(): Promise<ConsumerKey[]>;
  findKeyByHash(hash: string): Promise<ConsumerKey | null>;
  /** Marks a key revoked; false when no key has that id. Revoking twice keeps the first time. */
  revokeKey(id: string): Promise<boolean>;

  /**
   * Creates the endpoint with version 1, as a draft or, with `publish`, published. Throws
   * StoreConflictError when the name exists in any status, `retired` included. Throws RangeError
   * when the definition has no valid name.
   */
  createEndpoint(
    definition: EndpointDefinition,
    options?: { publish?: boolean },
  ): Promise<{
    state: EndpointState;
    version: EndpointVersion;
  }>;
  /**
   * Appends version `latestVersion + 1`, numbered inside the write so concurrent writers never
   * share a number. Status and the published version are left alone. Resolves null when no
   * endpoint has this name. When `expectedLatest` is given and differs, throws
   * StoreConflictError. Throws RangeError when `definition.name` is not `name`.
   */
  addVersion(
    name: string,
    definition: EndpointDefinition,
    expectedLatest?: number,
  ): Promise<{ state: EndpointState; version: EndpointVersion } | null>;
  getState(name: string): Promise<EndpointState | null>;
  listStates(): Promise<EndpointState[]>;
  getVersion(name: string, version: number): Promise<EndpointVersion | null>;
  listVersions(name: string): Promise<EndpointVersion[]>;
  /**
   * Sets status fields atomically; returns the new state, or null when the endpoint is absent.
   * Throws RangeError when the resulting published version does not exist, or when the status is
   * `published` without a published version.
   */
  updateState(name: string, change: StatusChange): Promise<EndpointState | null>;
  /**
   * Stores an endpoint whole, as a backup holds it: its state (status, version numbers,
   * timestamps) and every version with its number, definition and creation time, in one write
   * that other readers see complete or not at all. `versions` must be numbered 1 to
   * `state.latestVersion` in order. Throws StoreConflictError when the name exists in any status
   * (nothing is written), RangeError when the endpoint is inconsistent.
   */
  importEndpoint(
    state: EndpointState,
    versions: readonly EndpointVersion[],
  ): Promise<EndpointState>;
  /** A number that changes whenever any endpoint changes; lets instances notice writes cheaply. */
  changeMarker(): Promise<number>;
  /** True when the store answers. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}
