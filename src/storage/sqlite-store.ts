/**
 * @module storage/sqlite-store
 * The default store: one SQLite file in WAL mode, safe for several processes. Every write is an
 * IMMEDIATE transaction that takes the write lock before reading, so the version number it
 * allocates (`latest_version + 1`) cannot be taken by another writer, and it bumps the single
 * `changes` row in the same transaction so other processes notice it with one cheap read.
 *
 * better-sqlite3 is synchronous; the methods return promises to fit EndpointStore, and a thrown
 * error becomes a rejection.
 */
import { SqliteKeys } from './sqlite-keys';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

import Database from 'better-sqlite3';

import type { EndpointDefinition, EndpointState, EndpointVersion } from '../definitions/types';
import {
  applyStatusChange,
  checkImport,
  decodeState,
  decodeVersion,
  encodeDefinition,
  nowIso,
} from './codec';
import { DEFINITION_FORMAT } from './definition-migrations';
import { migrate } from './sqlite-schema';
import {
  StoreConflictError,
  type ConsumerKey,
  type EndpointStore,
  type StatusChange,
} from './store';

/** How long a write waits for another process's lock before failing with SQLITE_BUSY, in ms. */
export const SQLITE_BUSY_TIMEOUT_MS = 5000;

interface EndpointRow {
  name: string;
  status: string;
  published_version: number | null;
  latest_version: number;
  sunset: string | null;
  deprecated_at: string | null;
  created_at: string;
  updated_at: string;
}

interface VersionRow {
  name: string;
  version: number;
  definition: string;
  definition_format: number;
  created_at: string;
}

type Written = { state: EndpointState; version: EndpointVersion };

function toState(row: EndpointRow): EndpointState {
  return decodeState({
    name: row.name,
    status: row.status,
    publishedVersion: row.published_version,
    latestVersion: row.latest_version,
    sunset: row.sunset,
    deprecatedAt: row.deprecated_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  });
}

function toVersion(row: VersionRow): EndpointVersion {
  return decodeVersion({
    name: row.name,
    version: row.version,
    definition: row.definition,
    definitionFormat: row.definition_format,
    createdAt: row.created_at,
  });
}

function isPrimaryKeyViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}

/** Wraps a synchronous body so that its result or error arrives as a promise. */
function later<T>(body: () => T): Promise<T> {
  try {
    return Promise.resolve(body());
  } catch (error) {
    return Promise.reject(error);
  }
}

export class SqliteStore implements EndpointStore {
  private readonly db: Database.Database;
  private readonly statements;
  private readonly writes;
  private readonly keys: SqliteKeys;

  private constructor(db: Database.Database) {
    this.db = db;
    this.keys = new SqliteKeys(db);
    this.statements = {
      selectState: db.prepare<[string], EndpointRow>('SELECT * FROM endpoints WHERE name = ?'),
      listStates: db.prepare<[], EndpointRow>('SELECT * FROM endpoints ORDER BY name'),
      selectVersion: db.prepare<[string, number], VersionRow>(
        'SELECT * FROM endpoint_versions WHERE name = ? AND version = ?',
      ),
      hasVersion: db.prepare<[string, number], { found: number }>(
        'SELECT 1 AS found FROM endpoint_versions WHERE name = ? AND version = ?',
      ),
      listVersions: db.prepare<[string], VersionRow>(
        'SELECT * FROM endpoint_versions WHERE name = ? ORDER BY version',
      ),
      insertState: db.prepare(
        'INSERT INTO endpoints (name, status, published_version, latest_version, sunset, ' +
          'deprecated_at, created_at, updated_at, revision) ' +
          'VALUES (@name, @status, @publishedVersion, 1, NULL, NULL, @now, @now, 1)',
      ),
      insertVersion: db.prepare(
        'INSERT INTO endpoint_versions (name, version, definition, definition_format, ' +
          `created_at) VALUES (@name, @version, @definition, ${DEFINITION_FORMAT}, @now)`,
      ),
      insertWholeState: db.prepare(
        'INSERT INTO endpoints (name, status, published_version, latest_version, sunset, ' +
          'deprecated_at, created_at, updated_at, revision) VALUES (@name, @status, ' +
          '@publishedVersion, @latestVersion, @sunset, @deprecatedAt, @createdAt, @updatedAt, 1)',
      ),
      advanceLatest: db.prepare(
        'UPDATE endpoints SET latest_version = @version, updated_at = @now, ' +
          'revision = revision + 1 WHERE name = @name',
      ),
      updateStatus: db.prepare(
        'UPDATE endpoints SET status = @status, published_version = @publishedVersion, ' +
          'sunset = @sunset, deprecated_at = @deprecatedAt, updated_at = @now, ' +
          'revision = revision + 1 WHERE name = @name',
      ),
      bumpChanges: db.prepare('UPDATE changes SET counter = counter + 1 WHERE id = 1'),
      readChanges: db.prepare<[], { counter: number }>('SELECT counter FROM changes WHERE id = 1'),
      ping: db.prepare<[], { one: number }>('SELECT 1 AS one'),
    };
    this.writes = {
      create: db.transaction(this.createSync.bind(this)),
      addVersion: db.transaction(this.addVersionSync.bind(this)),
      updateState: db.transaction(this.updateStateSync.bind(this)),
      importEndpoint: db.transaction(this.importEndpointSync.bind(this)),
    };
  }

  /**
   * Opens (creating when absent) the database file and its parent folder, then migrates it.
   *
   * `synchronous = FULL`: in WAL mode NORMAL can lose the last commits on power loss or an OS
   * crash. Writes here are rare admin changes whose loss would silently roll back a publish, so
   * the extra fsync per commit is worth it; reads are unaffected.
   */
  static open(file: string): SqliteStore {
    const inMemory = file === ':memory:' || file === '';
    if (!inMemory) mkdirSync(dirname(resolve(file)), { recursive: true });

    const db = new Database(file, { timeout: SQLITE_BUSY_TIMEOUT_MS });
    try {
      db.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      db.pragma('foreign_keys = ON');
      migrate(db);
      return new SqliteStore(db);
    } catch (error) {
      db.close();
      throw error;
    }
  }

  createEndpoint(
    definition: EndpointDefinition,
    options: { publish?: boolean } = {},
  ): Promise<Written> {
    return later(() => {
      const text = encodeDefinition(definition);
      return this.writes.create.immediate(definition.name, text, options.publish === true);
    });
  }

  addVersion(
    name: string,
    definition: EndpointDefinition,
    expectedLatest?: number,
  ): Promise<Written | null> {
    return later(() => {
      const text = encodeDefinition(definition, name);
      return this.writes.addVersion.immediate(name, text, expectedLatest);
    });
  }

  getState(name: string): Promise<EndpointState | null> {
    return later(() => {
      const row = this.statements.selectState.get(name);
      return row === undefined ? null : toState(row);
    });
  }

  listStates(): Promise<EndpointState[]> {
    return later(() => this.statements.listStates.all().map(toState));
  }

  getVersion(name: string, version: number): Promise<EndpointVersion | null> {
    return later(() => {
      const row = this.statements.selectVersion.get(name, version);
      return row === undefined ? null : toVersion(row);
    });
  }

  listVersions(name: string): Promise<EndpointVersion[]> {
    return later(() => this.statements.listVersions.all(name).map(toVersion));
  }

  updateState(name: string, change: StatusChange): Promise<EndpointState | null> {
    return later(() => this.writes.updateState.immediate(name, change));
  }

  importEndpoint(
    state: EndpointState,
    versions: readonly EndpointVersion[],
  ): Promise<EndpointState> {
    return later(() => {
      checkImport(state, versions);
      return this.writes.importEndpoint.immediate(state, versions);
    });
  }

  createKey(key: ConsumerKey): Promise<void> {
    return later(() => this.keys.create(key));
  }

  listKeys(): Promise<ConsumerKey[]> {
    return later(() => this.keys.list());
  }

  findKeyByHash(hash: string): Promise<ConsumerKey | null> {
    return later(() => this.keys.findByHash(hash));
  }

  revokeKey(id: string): Promise<boolean> {
    return later(() => this.keys.revoke(id, nowIso()));
  }

  changeMarker(): Promise<number> {
    return later(() => this.statements.readChanges.get()?.counter ?? 0);
  }

  ping(): Promise<boolean> {
    return later(() => {
      try {
        return this.statements.ping.get()?.one === 1;
      } catch {
        return false;
      }
    });
  }

  /** Closes the file; later calls reject. Safe to call twice. */
  close(): Promise<void> {
    return later(() => {
      if (this.db.open) this.db.close();
    });
  }

  private createSync(name: string, text: string, publish: boolean): Written {
    const now = nowIso();
    if (this.statements.selectState.get(name) !== undefined) {
      throw new StoreConflictError(`endpoint '${name}' already exists`);
    }

    try {
      this.statements.insertState.run({
        name,
        status: publish ? 'published' : 'draft',
        publishedVersion: publish ? 1 : null,
        now,
      });
    } catch (error) {
      if (isPrimaryKeyViolation(error)) {
        throw new StoreConflictError(`endpoint '${name}' already exists`);
      }
      throw error;
    }
    this.statements.insertVersion.run({ name, version: 1, definition: text, now });
    this.statements.bumpChanges.run();

    return this.readWritten(name, 1);
  }

  private addVersionSync(name: string, text: string, expectedLatest?: number): Written | null {
    const current = this.statements.selectState.get(name);
    if (current === undefined) return null;

    if (expectedLatest !== undefined && current.latest_version !== expectedLatest) {
      throw new StoreConflictError(
        `endpoint '${name}' is at version ${current.latest_version}, not ${expectedLatest}`,
      );
    }

    const version = current.latest_version + 1;
    const now = nowIso();
    this.statements.insertVersion.run({ name, version, definition: text, now });
    this.statements.advanceLatest.run({ name, version, now });
    this.statements.bumpChanges.run();

    return this.readWritten(name, version);
  }

  private updateStateSync(name: string, change: StatusChange): EndpointState | null {
    const row = this.statements.selectState.get(name);
    if (row === undefined) return null;

    const next = applyStatusChange(toState(row), change);
    if (
      next.publishedVersion !== null &&
      this.statements.hasVersion.get(name, next.publishedVersion) === undefined
    ) {
      throw new RangeError(`endpoint '${name}' has no version ${next.publishedVersion}`);
    }

    this.statements.updateStatus.run({ name, ...next, now: nowIso() });
    this.statements.bumpChanges.run();

    return toState(this.statements.selectState.get(name) as EndpointRow);
  }

  private importEndpointSync(
    state: EndpointState,
    versions: readonly EndpointVersion[],
  ): EndpointState {
    const { name } = state;
    if (this.statements.selectState.get(name) !== undefined) {
      throw new StoreConflictError(`endpoint '${name}' already exists`);
    }

    this.statements.insertWholeState.run({
      name,
      status: state.status,
      publishedVersion: state.publishedVersion,
      latestVersion: state.latestVersion,
      sunset: state.sunset,
      deprecatedAt: state.deprecatedAt,
      createdAt: state.createdAt,
      updatedAt: state.updatedAt,
    });
    for (const version of versions) {
      this.statements.insertVersion.run({
        name,
        version: version.version,
        definition: encodeDefinition(version.definition, name),
        now: version.createdAt,
      });
    }
    this.statements.bumpChanges.run();

    return toState(this.statements.selectState.get(name) as EndpointRow);
  }

  private readWritten(name: string, version: number): Written {
    const state = toState(this.statements.selectState.get(name) as EndpointRow);
    const stored = toVersion(this.statements.selectVersion.get(name, version) as VersionRow);
    return { state, version: stored };
  }
}
