import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import Database from 'better-sqlite3';

import { DEFINITION_FORMAT, migrateDefinition } from '../../src/storage/definition-migrations';
import { SQLITE_MIGRATIONS, SQLITE_SCHEMA_VERSION } from '../../src/storage/sqlite-schema';
import { SqliteStore } from '../../src/storage/sqlite-store';
import { isStoreCorruption } from '../../src/storage/store';
import { sampleDefinition } from './conformance';

/** A definition as early builds stored it: sparse, with the provider's `max_tokens`. */
const LEGACY = {
  name: 'legacy',
  input: { type: 'object', properties: { text: { type: 'string' } } },
  prompt: { user: 'Summarize {{text}}' },
  model: { provider: 'local', name: 'llama3.1:8b', max_tokens: 120, temperature: 0.2 },
  retry: { maxAttempts: 5 },
};

const MIGRATED = {
  name: 'legacy',
  input: LEGACY.input,
  prompt: LEGACY.prompt,
  tags: [],
  model: {
    provider: 'local',
    name: 'llama3.1:8b',
    temperature: 0.2,
    maxTokens: 120,
    fallbacks: [],
  },
  retry: {
    maxAttempts: 5,
    initialDelayMs: 250,
    maxDelayMs: 8000,
    attemptTimeoutMs: 30_000,
    deadlineMs: 60_000,
  },
  repair: { maxAttempts: 1, coerce: true },
  cache: { ttlSeconds: 0 },
  auth: 'key',
  examples: [],
};

describe('migrateDefinition', () => {
  it('fills every format 1 default into a format 0 definition and renames max_tokens', () => {
    expect(migrateDefinition(structuredClone(LEGACY), 0)).toEqual(MIGRATED);
  });

  it('gives a format 0 definition without model the default model', () => {
    const { model: _model, ...bare } = LEGACY;
    const migrated = migrateDefinition(bare, 0);

    expect(migrated.model).toEqual({ provider: 'default', name: 'gpt-4o-mini', fallbacks: [] });
    expect(migrated.auth).toBe('key');
  });

  it('returns a current definition as it is', () => {
    const current = sampleDefinition('now');

    expect(migrateDefinition(structuredClone(current), DEFINITION_FORMAT)).toEqual(current);
  });

  it('refuses a format newer than this build, or not a format', () => {
    for (const format of [DEFINITION_FORMAT + 1, -1, 1.5, Number.NaN]) {
      let error: unknown;
      try {
        migrateDefinition(sampleDefinition('x'), format);
      } catch (caught) {
        error = caught;
      }
      expect(isStoreCorruption(error)).toBe(true);
    }
  });
});

describe('stored definition formats in SQLite', () => {
  const root = mkdtempSync(join(tmpdir(), 'promptgate-formats-'));
  let file: string;
  let counter = 0;

  beforeEach(() => {
    counter += 1;
    file = join(root, `case-${counter}`, 'promptgate.db');
  });

  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('reads a hand-written format 0 row back migrated', async () => {
    const store = SqliteStore.open(file);
    const raw = new Database(file);
    const now = '2023-06-01T00:00:00.000Z';
    raw
      .prepare("INSERT INTO endpoints VALUES ('legacy', 'published', 1, 1, NULL, NULL, ?, ?, 1)")
      .run(now, now);
    raw
      .prepare("INSERT INTO endpoint_versions VALUES ('legacy', 1, ?, ?, 0)")
      .run(JSON.stringify(LEGACY), now);
    raw.close();

    expect((await store.getVersion('legacy', 1))?.definition).toEqual(MIGRATED);
    expect((await store.listVersions('legacy'))[0].definition).toEqual(MIGRATED);
    await store.close();
  });

  it('tags new writes with the current format', async () => {
    const store = SqliteStore.open(file);
    await store.createEndpoint(sampleDefinition('fresh'));
    await store.close();
    const raw = new Database(file, { readonly: true });

    expect(raw.prepare('SELECT definition_format FROM endpoint_versions').get()).toEqual({
      definition_format: DEFINITION_FORMAT,
    });
    raw.close();
  });

  it('upgrades a schema 1 file, whose rows hold format 1 definitions', async () => {
    mkdirSync(join(file, '..'), { recursive: true });
    const raw = new Database(file);
    raw.exec('CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT');
    SQLITE_MIGRATIONS[0].up(raw);
    raw.prepare("INSERT INTO meta VALUES ('schema_version', '1')").run();
    const definition = sampleDefinition('old');
    const now = '2024-01-01T00:00:00.000Z';
    raw
      .prepare("INSERT INTO endpoints VALUES ('old', 'draft', NULL, 1, NULL, NULL, ?, ?, 1)")
      .run(now, now);
    raw
      .prepare("INSERT INTO endpoint_versions VALUES ('old', 1, ?, ?)")
      .run(JSON.stringify(definition), now);
    raw.close();

    const store = SqliteStore.open(file);
    expect((await store.getVersion('old', 1))?.definition).toEqual(definition);
    expect((await store.addVersion('old', definition))?.version.version).toBe(2);
    await store.close();
    const after = new Database(file, { readonly: true });
    expect(after.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get()).toEqual({
      value: String(SQLITE_SCHEMA_VERSION),
    });
    after.close();
  });

  it('reports a row in a newer definition format as StoreCorruptionError', async () => {
    const store = SqliteStore.open(file);
    await store.createEndpoint(sampleDefinition('future'));
    const raw = new Database(file);
    raw.prepare('UPDATE endpoint_versions SET definition_format = 99').run();
    raw.close();

    const error = await store.getVersion('future', 1).catch((e: unknown) => e);
    expect(isStoreCorruption(error)).toBe(true);
    expect((error as Error).message).toContain('newer');
    await store.close();
  });
});
