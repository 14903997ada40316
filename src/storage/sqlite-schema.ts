/**
 * @module storage/sqlite-schema
 * The SQLite file format and its migrations. `meta.schema_version` records the last migration
 * applied; at open, every later migration runs in order inside one IMMEDIATE transaction, so two
 * processes opening an old file at once migrate it exactly once. Append migrations, never edit
 * a released one: files in the field were written by it.
 */
import type Database from 'better-sqlite3';

import { StoreCorruptionError } from './store';

/** One step of the stored format. */
export interface SqliteMigration {
  /** The `schema_version` this step produces; consecutive from 1. */
  version: number;
  description: string;
  up(db: Database.Database): void;
}

export const SQLITE_MIGRATIONS: readonly SqliteMigration[] = [
  {
    version: 1,
    description: 'endpoints, endpoint_versions and the changes counter',
    up(db) {
      db.exec(`
        CREATE TABLE endpoints (
          name TEXT PRIMARY KEY,
          status TEXT NOT NULL CHECK (status IN ('draft', 'published', 'deprecated', 'retired')),
          published_version INTEGER,
          latest_version INTEGER NOT NULL CHECK (latest_version >= 1),
          sunset TEXT,
          deprecated_at TEXT,
          created_at TEXT NOT NULL,
          updated_at TEXT NOT NULL,
          revision INTEGER NOT NULL DEFAULT 1
        ) STRICT;

        CREATE TABLE endpoint_versions (
          name TEXT NOT NULL REFERENCES endpoints (name),
          version INTEGER NOT NULL CHECK (version >= 1),
          definition TEXT NOT NULL,
          created_at TEXT NOT NULL,
          PRIMARY KEY (name, version)
        ) STRICT;

        CREATE TABLE changes (
          id INTEGER PRIMARY KEY CHECK (id = 1),
          counter INTEGER NOT NULL
        ) STRICT;

        INSERT INTO changes (id, counter) VALUES (1, 0);
      `);
    },
  },
  {
    version: 2,
    description: 'endpoint_versions.definition_format: the stored format of each definition',
    up(db) {
      // Rows written before this column existed hold format 1 definitions.
      db.exec(
        'ALTER TABLE endpoint_versions ADD COLUMN definition_format INTEGER NOT NULL DEFAULT 1',
      );
    },
  },
  {
    version: 3,
    description: 'consumer_keys: hashed consumer keys',
    up(db) {
      db.exec(`
        CREATE TABLE consumer_keys (
          id TEXT PRIMARY KEY,
          name TEXT NOT NULL,
          prefix TEXT NOT NULL,
          hash TEXT NOT NULL UNIQUE,
          endpoints TEXT,
          requests_per_minute INTEGER,
          expires_at TEXT,
          created_at TEXT NOT NULL,
          revoked_at TEXT
        ) STRICT;
      `);
    },
  },
];

/** The format this build writes. */
export const SQLITE_SCHEMA_VERSION = SQLITE_MIGRATIONS[SQLITE_MIGRATIONS.length - 1].version;

/**
 * Brings the file up to SQLITE_SCHEMA_VERSION. Throws StoreCorruptionError when the file was
 * written by a newer build (its format cannot be read safely) or its version is unreadable.
 */
export function migrate(db: Database.Database): number {
  const run = db.transaction((): number => {
    db.exec('CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT');
    const row = db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get() as
      { value: string } | undefined;
    const current = row === undefined ? 0 : Number(row.value);

    if (!Number.isSafeInteger(current) || current < 0) {
      throw new StoreCorruptionError(`meta.schema_version '${row?.value}' is not a version`);
    }

    if (current > SQLITE_SCHEMA_VERSION) {
      throw new StoreCorruptionError(
        `the database has format ${current}, newer than this build's ${SQLITE_SCHEMA_VERSION}; ` +
          'upgrade promptgate to open it',
      );
    }

    const setVersion = db.prepare(
      "INSERT INTO meta (key, value) VALUES ('schema_version', ?) " +
        'ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    );
    for (const migration of SQLITE_MIGRATIONS) {
      if (migration.version <= current) continue;
      migration.up(db);
      setVersion.run(String(migration.version));
    }

    return SQLITE_SCHEMA_VERSION;
  });

  return run.immediate();
}
