import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

import Database from 'better-sqlite3';

import { openStore } from '../../src/storage';
import { SQLITE_SCHEMA_VERSION } from '../../src/storage/sqlite-schema';
import { SqliteStore } from '../../src/storage/sqlite-store';
import { isStoreCorruption, type EndpointStore } from '../../src/storage/store';
import { runStoreConformance, sampleDefinition } from './conformance';

const root = mkdtempSync(join(tmpdir(), 'promptgate-sqlite-'));
const files = new Map<EndpointStore, string>();
let counter = 0;

function freshFile(): string {
  counter += 1;
  return join(root, `case-${counter}`, 'promptgate.db');
}

function openFresh(): Promise<EndpointStore> {
  const file = freshFile();
  const store = SqliteStore.open(file);
  files.set(store, file);
  return Promise.resolve(store);
}

runStoreConformance(
  'SqliteStore conformance',
  openFresh,
  async () => rmSync(root, { recursive: true, force: true }),
  {
    reopen: async (closed) => {
      const file = files.get(closed) as string;
      const store = SqliteStore.open(file);
      files.set(store, file);
      return store;
    },
  },
);

/**
 * Runs `writes` addVersion calls in a separate Node process on `file`. The child loads the
 * TypeScript sources through a transpile-only require hook, so it runs this checkout's code.
 */
function writeFromChild(file: string, name: string, writes: number): Promise<number[]> {
  const script = `
    const fs = require('node:fs');
    const ts = require('typescript');
    require.extensions['.ts'] = (module, filename) => {
      const source = fs.readFileSync(filename, 'utf8');
      const options = { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true };
      module._compile(ts.transpileModule(source, { compilerOptions: options }).outputText, filename);
    };
    const { SqliteStore } = require(process.argv[1]);
    const [file, name, writes] = process.argv.slice(2);
    (async () => {
      const store = SqliteStore.open(file);
      const numbers = [];
      for (let i = 0; i < Number(writes); i += 1) {
        const definition = JSON.parse(process.env.DEFINITION);
        const result = await store.addVersion(name, definition);
        numbers.push(result.version.version);
      }
      await store.close();
      process.stdout.write(JSON.stringify(numbers));
    })().catch((error) => { process.stderr.write(String(error.stack)); process.exit(1); });
  `;
  const modulePath = resolve(__dirname, '../../src/storage/sqlite-store.ts');
  const args = ['-e', script, modulePath, file, name, String(writes)];
  const env = { ...process.env, DEFINITION: JSON.stringify(sampleDefinition(name)) };

  return new Promise((done, fail) => {
    const child = spawn(process.execPath, args, { env, cwd: resolve(__dirname, '../..') });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('error', fail);
    child.on('close', (code) => {
      if (code === 0) done(JSON.parse(out) as number[]);
      else fail(new Error(`child exited ${code}: ${err}`));
    });
  });
}

describe('SqliteStore', () => {
  let file: string;

  beforeEach(() => {
    file = freshFile();
  });

  it('creates the parent folder and a WAL file with the current format', async () => {
    const store = SqliteStore.open(file);
    await store.close();

    expect(existsSync(file)).toBe(true);
    const raw = new Database(file, { readonly: true });
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(raw.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get()).toEqual({
      value: String(SQLITE_SCHEMA_VERSION),
    });
    raw.close();
  });

  it('shares writes and the change marker between two instances on one file', async () => {
    const first = SqliteStore.open(file);
    const second = SqliteStore.open(file);
    const before = await second.changeMarker();

    await first.createEndpoint(sampleDefinition('shared'));
    expect(await second.changeMarker()).toBeGreaterThan(before);
    expect((await second.getState('shared'))?.latestVersion).toBe(1);

    const added = await second.addVersion('shared', sampleDefinition('shared'));
    expect(added?.version.version).toBe(2);
    expect((await first.getVersion('shared', 2))?.version).toBe(2);
    expect(await first.changeMarker()).toBe(await second.changeMarker());

    await first.close();
    await second.close();
  });

  it('gives distinct numbers to writers in separate processes', async () => {
    const store = SqliteStore.open(file);
    await store.createEndpoint(sampleDefinition('multi'));
    const before = await store.changeMarker();

    const results = await Promise.all([1, 2, 3, 4].map(() => writeFromChild(file, 'multi', 15)));
    const numbers = results.flat().sort((a, b) => a - b);

    expect(numbers).toEqual(Array.from({ length: 60 }, (_, i) => i + 2));
    expect((await store.getState('multi'))?.latestVersion).toBe(61);
    expect(await store.changeMarker()).toBe(before + 60);
    await store.close();
  }, 60_000);

  it('reports a corrupt definition as StoreCorruptionError and keeps serving', async () => {
    const store = SqliteStore.open(file);
    await store.createEndpoint(sampleDefinition('ok'));
    await store.createEndpoint(sampleDefinition('broken'));
    const raw = new Database(file);
    raw
      .prepare("UPDATE endpoint_versions SET definition = '{not json' WHERE name = 'broken'")
      .run();
    raw.close();

    const error = await store.getVersion('broken', 1).catch((e: unknown) => e);
    expect(isStoreCorruption(error)).toBe(true);
    expect((error as Error).message).toContain("'broken' version 1");
    expect((await store.getVersion('ok', 1))?.version).toBe(1);
    expect(await store.ping()).toBe(true);
    await store.close();
  });

  it('refuses a file written in a newer format', async () => {
    await SqliteStore.open(file).close();
    const raw = new Database(file);
    raw.prepare("UPDATE meta SET value = '999' WHERE key = 'schema_version'").run();
    raw.close();

    let error: unknown;
    try {
      SqliteStore.open(file);
    } catch (caught) {
      error = caught;
    }
    expect(isStoreCorruption(error)).toBe(true);
    expect((error as Error).message).toContain('newer');
  });

  it('migrates an empty file and leaves a migrated one alone', async () => {
    mkdirSync(dirname(file), { recursive: true });
    new Database(file).close();
    const first = SqliteStore.open(file);
    await first.createEndpoint(sampleDefinition('kept'));
    await first.close();
    const again = SqliteStore.open(file);

    expect((await again.getState('kept'))?.latestVersion).toBe(1);
    await again.close();
  });

  it('rejects calls after close, answers ping false, and closes twice safely', async () => {
    const store = SqliteStore.open(file);
    await store.close();
    await store.close();

    expect(await store.ping()).toBe(false);
    await expect(store.getState('x')).rejects.toThrow();
  });
});

describe('openStore', () => {
  it('opens promptgate.db in the data folder', async () => {
    const dataDir = join(root, 'data-dir', 'nested');
    const store = await openStore({ dataDir });

    expect(store).toBeInstanceOf(SqliteStore);
    expect(existsSync(join(dataDir, 'promptgate.db'))).toBe(true);
    await store.close();
  });
});
