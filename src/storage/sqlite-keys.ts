/**
 * @module storage/sqlite-keys
 * Consumer keys in the SQLite file (table `consumer_keys`, migration 3).
 */
import type Database from 'better-sqlite3';
import { StoreConflictError, type ConsumerKey } from './store';

interface KeyRow {
  id: string;
  name: string;
  prefix: string;
  hash: string;
  endpoints: string | null;
  requests_per_minute: number | null;
  expires_at: string | null;
  created_at: string;
  revoked_at: string | null;
}

export class SqliteKeys {
  readonly #insert: Database.Statement;
  readonly #list: Database.Statement<[], KeyRow>;
  readonly #byHash: Database.Statement<[string], KeyRow>;
  readonly #revoke: Database.Statement<[string, string]>;
  readonly #exists: Database.Statement<[string], { found: number }>;

  constructor(db: Database.Database) {
    this.#insert = db.prepare(
      'INSERT INTO consumer_keys (id, name, prefix, hash, endpoints, requests_per_minute, ' +
        'expires_at, created_at, revoked_at) VALUES (@id, @name, @prefix, @hash, @endpoints, ' +
        '@requestsPerMinute, @expiresAt, @createdAt, @revokedAt)',
    );
    this.#list = db.prepare('SELECT * FROM consumer_keys ORDER BY created_at, id');
    this.#byHash = db.prepare('SELECT * FROM consumer_keys WHERE hash = ?');
    this.#revoke = db.prepare(
      'UPDATE consumer_keys SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?',
    );
    this.#exists = db.prepare('SELECT 1 AS found FROM consumer_keys WHERE id = ?');
  }

  create(key: ConsumerKey): void {
    try {
      this.#insert.run({ ...key, endpoints: key.endpoints ? JSON.stringify(key.endpoints) : null });
    } catch (error) {
      if ((error as { code?: string }).code?.startsWith('SQLITE_CONSTRAINT')) {
        throw new StoreConflictError(`a key with id '${key.id}' or the same secret exists`);
      }
      throw error;
    }
  }

  list(): ConsumerKey[] {
    return this.#list.all().map(fromRow);
  }

  findByHash(hash: string): ConsumerKey | null {
    const row = this.#byHash.get(hash);
    return row ? fromRow(row) : null;
  }

  revoke(id: string, at: string): boolean {
    if (!this.#exists.get(id)) return false;
    this.#revoke.run(at, id);
    return true;
  }
}

function fromRow(row: KeyRow): ConsumerKey {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    hash: row.hash,
    endpoints: row.endpoints === null ? null : (JSON.parse(row.endpoints) as string[]),
    requestsPerMinute: row.requests_per_minute,
    expiresAt: row.expires_at,
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
  };
}
