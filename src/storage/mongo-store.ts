/**
 * @module storage/mongo-store
 * EndpointStore on MongoDB, for several gateway instances sharing one database. It needs no
 * replica set: it uses no multi-document transactions, so every write is ordered so that
 * readers never see a state pointing at a version that does not exist.
 *
 * Version numbers: the unique (name, version) index is the allocator. A writer inserts version
 * `latestVersion + 1`; of two writers racing for a number exactly one insert succeeds. The winner
 * then advances the endpoint with findOneAndUpdate `$inc`, filtered on the previous number, so
 * `latestVersion` only moves after its version exists. Incrementing first (`$inc`, then insert)
 * would leave `latestVersion` naming a missing version if the process died between the two.
 *
 * Not covered by automated tests here (no server is available in CI); the shared conformance
 * suite runs against it when MONGODB_URI is set.
 */
import { MongoKeys } from './mongo-keys';
import { MongoClient, type Collection, type Db } from 'mongodb';

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
import {
  StoreConflictError,
  StoreCorruptionError,
  type ConsumerKey,
  type EndpointStore,
  type StatusChange,
} from './store';

/** The document format this build writes, kept in `meta` under `_id: 'schema'`. */
export const MONGO_SCHEMA_VERSION = 1;

/** How many times addVersion and updateState retry after losing a race before a conflict. */
const MAX_RACE_RETRIES = 50;

interface EndpointDoc {
  name: string;
  status: string;
  publishedVersion: number | null;
  latestVersion: number;
  sunset: string | null;
  deprecatedAt: string | null;
  createdAt: string;
  updatedAt: string;
  revision: number;
}

interface VersionDoc {
  name: string;
  version: number;
  /** The definition as JSON text: JSON Schema keys such as `$ref` are not safe as field names. */
  definition: string;
  /** The definition's stored format; absent in documents written before it: format 1. */
  definitionFormat?: number;
  createdAt: string;
}

interface MetaDoc {
  _id: string;
  counter?: number;
  version?: number;
}

type Written = { state: EndpointState; version: EndpointVersion };

const NO_ID = { projection: { _id: 0 } } as const;

function isDuplicateKey(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 11000;
}

/** The database named in the URI path, else `promptgate`. */
export function databaseNameFromUri(uri: string): string {
  const match = /^mongodb(?:\+srv)?:\/\/[^/]*\/([^?]+)/.exec(uri);
  return match ? decodeURIComponent(match[1]) : 'promptgate';
}

export class MongoStore implements EndpointStore {
  private readonly endpoints: Collection<EndpointDoc>;
  private readonly versions: Collection<VersionDoc>;
  private readonly meta: Collection<MetaDoc>;
  private readonly keys: MongoKeys;

  private constructor(
    private readonly client: MongoClient,
    private readonly db: Db,
  ) {
    this.endpoints = db.collection<EndpointDoc>('endpoints');
    this.versions = db.collection<VersionDoc>('endpoint_versions');
    this.meta = db.collection<MetaDoc>('meta');
    this.keys = new MongoKeys(db);
  }

  /**
   * Connects, creates the indexes and checks the stored format. `dbName` defaults to the URI's
   * database, else `promptgate`. Throws StoreCorruptionError for a database written by a newer
   * build.
   */
  static async connect(uri: string, dbName?: string): Promise<MongoStore> {
    const client = new MongoClient(uri);
    await client.connect();
    try {
      const store = new MongoStore(client, client.db(dbName ?? databaseNameFromUri(uri)));
      await store.prepare();
      return store;
    } catch (error) {
      await client.close();
      throw error;
    }
  }

  async createEndpoint(
    definition: EndpointDefinition,
    options: { publish?: boolean } = {},
  ): Promise<Written> {
    const text = encodeDefinition(definition);
    const name = definition.name;
    const now = nowIso();
    const version: VersionDoc = {
      name,
      version: 1,
      definition: text,
      definitionFormat: DEFINITION_FORMAT,
      createdAt: now,
    };

    // Version 1 goes first: of two creators exactly one inserts it, and until the endpoint
    // document exists no reader can reach it.
    // TODO: a process dying between the two inserts leaves version 1 without an endpoint, and
    // the name answers conflict until an operator deletes that document; a sweep can go here.
    await this.insertOrConflict(this.versions, version, name);
    const publish = options.publish === true;
    await this.insertOrConflict(
      this.endpoints,
      {
        name,
        status: publish ? 'published' : 'draft',
        publishedVersion: publish ? 1 : null,
        latestVersion: 1,
        sunset: null,
        deprecatedAt: null,
        createdAt: now,
        updatedAt: now,
        revision: 1,
      },
      name,
    );
    await this.bumpChanges();

    return { state: await this.mustGetState(name), version: decodeVersion(version) };
  }

  async addVersion(
    name: string,
    definition: EndpointDefinition,
    expectedLatest?: number,
  ): Promise<Written | null> {
    const text = encodeDefinition(definition, name);

    for (let attempt = 0; attempt < MAX_RACE_RETRIES; attempt += 1) {
      const current = await this.endpoints.findOne({ name }, NO_ID);
      if (current === null) return null;

      const latest = decodeState(current).latestVersion;
      if (expectedLatest !== undefined && latest !== expectedLatest) {
        throw new StoreConflictError(
          `endpoint '${name}' is at version ${latest}, not ${expectedLatest}`,
        );
      }

      const doc: VersionDoc = {
        name,
        version: latest + 1,
        definition: text,
        definitionFormat: DEFINITION_FORMAT,
        createdAt: nowIso(),
      };
      try {
        await this.versions.insertOne({ ...doc });
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;

        // Another writer owns this number. Its insert is done, so advancing for it is safe and
        // unsticks the endpoint if that writer died before advancing.
        if ((await this.advanceLatest(name, doc.version)) !== null) await this.bumpChanges();
        if (expectedLatest !== undefined) {
          throw new StoreConflictError(`endpoint '${name}' changed concurrently`);
        }
        continue;
      }

      const state =
        (await this.advanceLatest(name, doc.version)) ?? (await this.mustGetState(name));
      await this.bumpChanges();
      return { state, version: decodeVersion(doc) };
    }

    throw new StoreConflictError(`endpoint '${name}' is changing too often; try again`);
  }

  async getState(name: string): Promise<EndpointState | null> {
    const doc = await this.endpoints.findOne({ name }, NO_ID);
    return doc === null ? null : decodeState(doc);
  }

  async listStates(): Promise<EndpointState[]> {
    const docs = await this.endpoints.find({}, NO_ID).sort({ name: 1 }).toArray();
    return docs.map(decodeState);
  }

  async getVersion(name: string, version: number): Promise<EndpointVersion | null> {
    const doc = await this.versions.findOne({ name, version }, NO_ID);
    return doc === null ? null : decodeVersion(doc);
  }

  async listVersions(name: string): Promise<EndpointVersion[]> {
    const docs = await this.versions.find({ name }, NO_ID).sort({ version: 1 }).toArray();
    return docs.map(decodeVersion);
  }

  async updateState(name: string, change: StatusChange): Promise<EndpointState | null> {
    for (let attempt = 0; attempt < MAX_RACE_RETRIES; attempt += 1) {
      const doc = await this.endpoints.findOne({ name }, NO_ID);
      if (doc === null) return null;

      const next = applyStatusChange(decodeState(doc), change);
      // Versions are never deleted, so this check cannot be invalidated by a later write.
      if (
        next.publishedVersion !== null &&
        (await this.versions.countDocuments({ name, version: next.publishedVersion })) === 0
      ) {
        throw new RangeError(`endpoint '${name}' has no version ${next.publishedVersion}`);
      }

      // Compare-and-set on `revision`: a concurrent change makes this match nothing, and the
      // change is applied again over the newer state.
      const updated = await this.endpoints.findOneAndUpdate(
        { name, revision: doc.revision },
        { $set: { ...next, updatedAt: nowIso() }, $inc: { revision: 1 } },
        { returnDocument: 'after', projection: { _id: 0 } },
      );
      if (updated === null) continue;

      await this.bumpChanges();
      return decodeState(updated);
    }

    throw new StoreConflictError(`endpoint '${name}' is changing too often; try again`);
  }

  /**
   * Versions go in first, in order, then the endpoint document, which makes them reachable: a
   * reader sees the endpoint whole or not at all. An existing endpoint always has version 1, so
   * the first insert collides with it and nothing is written.
   */
  async importEndpoint(
    state: EndpointState,
    versions: readonly EndpointVersion[],
  ): Promise<EndpointState> {
    checkImport(state, versions);
    const { name } = state;
    if ((await this.endpoints.countDocuments({ name }, { limit: 1 })) > 0) {
      throw new StoreConflictError(`endpoint '${name}' already exists`);
    }

    const docs: VersionDoc[] = versions.map((version) => ({
      name,
      version: version.version,
      definition: encodeDefinition(version.definition, name),
      definitionFormat: DEFINITION_FORMAT,
      createdAt: version.createdAt,
    }));
    try {
      await this.versions.insertMany(docs, { ordered: true });
    } catch (error) {
      if (isDuplicateKey(error)) throw new StoreConflictError(`endpoint '${name}' already exists`);
      throw error;
    }
    await this.insertOrConflict(
      this.endpoints,
      {
        name,
        status: state.status,
        publishedVersion: state.publishedVersion,
        latestVersion: state.latestVersion,
        sunset: state.sunset,
        deprecatedAt: state.deprecatedAt,
        createdAt: state.createdAt,
        updatedAt: state.updatedAt,
        revision: 1,
      },
      name,
    );
    await this.bumpChanges();

    return this.mustGetState(name);
  }

  createKey(key: ConsumerKey): Promise<void> {
    return this.keys.create(key);
  }

  listKeys(): Promise<ConsumerKey[]> {
    return this.keys.list();
  }

  findKeyByHash(hash: string): Promise<ConsumerKey | null> {
    return this.keys.findByHash(hash);
  }

  revokeKey(id: string): Promise<boolean> {
    return this.keys.revoke(id, nowIso());
  }

  async changeMarker(): Promise<number> {
    const doc = await this.meta.findOne({ _id: 'changes' });
    return doc?.counter ?? 0;
  }

  async ping(): Promise<boolean> {
    try {
      const answer = await this.db.command({ ping: 1 });
      return answer.ok === 1;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    await this.client.close();
  }

  private async prepare(): Promise<void> {
    await this.endpoints.createIndex({ name: 1 }, { unique: true });
    await this.versions.createIndex({ name: 1, version: 1 }, { unique: true });
    await this.keys.prepare();

    const stored = (await this.readOrInitSchema())?.version;
    if (typeof stored !== 'number' || !Number.isSafeInteger(stored)) {
      throw new StoreCorruptionError('meta schema document has no version');
    }
    if (stored > MONGO_SCHEMA_VERSION) {
      throw new StoreCorruptionError(
        `the database has format ${stored}, newer than this build's ${MONGO_SCHEMA_VERSION}; ` +
          'upgrade promptgate to open it',
      );
    }
  }

  /** Reads the schema document, writing the current version into a new database. */
  private async readOrInitSchema(): Promise<MetaDoc | null> {
    const upsert = () =>
      this.meta.findOneAndUpdate(
        { _id: 'schema' },
        { $setOnInsert: { version: MONGO_SCHEMA_VERSION } },
        { upsert: true, returnDocument: 'after' },
      );
    try {
      return await upsert();
    } catch (error) {
      // Two instances starting on a new database race on the upsert; the loser reads it.
      if (!isDuplicateKey(error)) throw error;
      return this.meta.findOne({ _id: 'schema' });
    }
  }

  /**
   * Moves `latestVersion` from `version - 1` to `version`; the version document must exist.
   * Resolves null when another writer already moved it.
   */
  private async advanceLatest(name: string, version: number): Promise<EndpointState | null> {
    const doc = await this.endpoints.findOneAndUpdate(
      { name, latestVersion: version - 1 },
      { $inc: { latestVersion: 1, revision: 1 }, $set: { updatedAt: nowIso() } },
      { returnDocument: 'after', projection: { _id: 0 } },
    );
    return doc === null ? null : decodeState(doc);
  }

  private async insertOrConflict<T extends EndpointDoc | VersionDoc>(
    collection: Collection<T>,
    doc: T,
    name: string,
  ): Promise<void> {
    try {
      // A copy: the driver adds `_id` to the object it is given.
      await collection.insertOne({ ...doc } as Parameters<Collection<T>['insertOne']>[0]);
    } catch (error) {
      if (isDuplicateKey(error)) {
        throw new StoreConflictError(`endpoint '${name}' already exists`);
      }
      throw error;
    }
  }

  private async mustGetState(name: string): Promise<EndpointState> {
    const state = await this.getState(name);
    if (state === null) throw new StoreCorruptionError(`endpoint '${name}' vanished after a write`);
    return state;
  }

  /**
   * Counts a write for changeMarker. It runs after the write, outside any transaction: a reader
   * that sees the new marker also sees the write; a process dying in between leaves the marker
   * behind until the next write.
   */
  private async bumpChanges(): Promise<void> {
    await this.meta.updateOne({ _id: 'changes' }, { $inc: { counter: 1 } }, { upsert: true });
  }
}
