import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import {
  DUMP_FORMAT,
  DumpFormatError,
  exportStore,
  importStore,
  type StoreDump,
} from '../../src/storage/backup';
import { SqliteStore } from '../../src/storage/sqlite-store';
import { isStoreConflict, type EndpointStore } from '../../src/storage/store';
import { sampleDefinition, sampleImport } from './conformance';

const root = mkdtempSync(join(tmpdir(), 'promptgate-backup-'));
let counter = 0;

function freshDir(): string {
  counter += 1;
  return join(root, `case-${counter}`);
}

function openIn(dir: string): SqliteStore {
  return SqliteStore.open(join(dir, 'promptgate.db'));
}

/** A store with one endpoint in every status, a rollback, and unicode. */
async function populate(store: EndpointStore): Promise<void> {
  await store.createEndpoint(sampleDefinition('draft-only'));

  await store.createEndpoint(sampleDefinition('rolled-back'), { publish: true });
  for (const user of ['two {{text}}', 'three {{text}}']) {
    await store.addVersion('rolled-back', {
      ...sampleDefinition('rolled-back'),
      prompt: { user },
    });
  }
  await store.updateState('rolled-back', { status: 'published', publishedVersion: 3 });
  await store.updateState('rolled-back', { status: 'published', publishedVersion: 1 });

  await store.createEndpoint(sampleDefinition('sunsetting'), { publish: true });
  await store.updateState('sunsetting', {
    status: 'deprecated',
    sunset: '2031-12-31',
    deprecatedAt: new Date().toISOString(),
  });

  await store.createEndpoint(
    { ...sampleDefinition('retired-one'), title: 'Grüße 👋 مرحبا' },
    { publish: true },
  );
  await store.updateState('retired-one', { status: 'retired' });
}

/** A dump without its export time, for comparing two exports. */
function content(dump: StoreDump): Omit<StoreDump, 'exportedAt'> {
  const { exportedAt: _exportedAt, ...rest } = dump;
  return rest;
}

/** Runs `scripts/<name>.ts` through the test transpile hook; resolves its stderr. */
function runScript(name: string, args: string[], env: Record<string, string>): Promise<string> {
  const hook = resolve(__dirname, '../instances/run-ts.cjs');
  const entry = resolve(__dirname, `../../scripts/${name}.ts`);
  const child = spawn(process.execPath, [hook, entry, ...args], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', ...env },
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((done, fail) => {
    child.on('error', fail);
    child.on('close', (code) =>
      code === 0 ? done(stderr) : fail(new Error(`${name} exited ${code}: ${stderr}`)),
    );
  });
}

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('exportStore and importStore', () => {
  it('round-trips a SQLite store through a JSON file into another, identical', async () => {
    const source = openIn(freshDir());
    await populate(source);
    const dump = await exportStore(source);
    const file = join(root, 'dump.json');
    writeFileSync(file, JSON.stringify(dump));

    const target = openIn(freshDir());
    const result = await importStore(target, JSON.parse(readFileSync(file, 'utf8')));

    expect(result).toEqual({
      imported: ['draft-only', 'retired-one', 'rolled-back', 'sunsetting'],
      skipped: [],
    });
    expect(content(await exportStore(target))).toEqual(content(dump));
    expect(await target.listStates()).toEqual(await source.listStates());
    expect(await target.listVersions('rolled-back')).toEqual(
      await source.listVersions('rolled-back'),
    );
    await source.close();
    await target.close();
  });

  it('writes a versioned dump with every version and state', async () => {
    const store = openIn(freshDir());
    await populate(store);
    const dump = await exportStore(store);
    await store.close();

    expect(dump).toMatchObject({ format: DUMP_FORMAT, formatVersion: 1, definitionFormat: 1 });
    expect(Date.parse(dump.exportedAt)).not.toBeNaN();
    const rolled = dump.endpoints.find((e) => e.state.name === 'rolled-back');
    expect(rolled?.state).toMatchObject({ publishedVersion: 1, latestVersion: 3 });
    expect(rolled?.versions.map((v) => v.definition.prompt.user)).toEqual([
      'Message:\n{{text}}',
      'two {{text}}',
      'three {{text}}',
    ]);
  });

  it('fails on an existing name before writing anything, unless told to skip', async () => {
    const source = openIn(freshDir());
    await populate(source);
    const dump = await exportStore(source);
    await source.close();
    const target = openIn(freshDir());
    await target.createEndpoint(sampleDefinition('sunsetting'));

    const error = await importStore(target, dump).catch((e: unknown) => e);
    expect(isStoreConflict(error)).toBe(true);
    expect((error as Error).message).toContain('sunsetting');
    expect((await target.listStates()).map((s) => s.name)).toEqual(['sunsetting']);

    const result = await importStore(target, dump, { onExisting: 'skip' });
    expect(result.skipped).toEqual(['sunsetting']);
    expect(result.imported).toHaveLength(3);
    expect((await target.getState('sunsetting'))?.status).toBe('draft');
    await target.close();
  });

  it('refuses a file that is not a readable dump, writing nothing', async () => {
    const store = openIn(freshDir());
    const { state, versions } = sampleImport('x');
    const good = { format: DUMP_FORMAT, formatVersion: 1, endpoints: [{ state, versions }] };
    const bad: unknown[] = [
      null,
      { endpoints: [] },
      { ...good, format: 'other' },
      { ...good, formatVersion: 2 },
      { ...good, endpoints: {} },
      { ...good, endpoints: [{ state, versions: versions.slice(1) }] },
      { ...good, endpoints: [{ state: { ...state, status: 'gone' }, versions }] },
    ];

    for (const dump of bad) {
      await expect(importStore(store, dump)).rejects.toBeInstanceOf(DumpFormatError);
    }
    expect(await store.listStates()).toEqual([]);
    await store.close();
  });

  it('upgrades definitions of an older definition format on import', async () => {
    const store = openIn(freshDir());
    const { state, versions } = sampleImport('old');
    const legacy = versions.map((v) => ({
      ...v,
      definition: { name: 'old', input: { type: 'object' }, prompt: { user: 'hi' } },
    }));
    await importStore(store, {
      format: DUMP_FORMAT,
      formatVersion: 1,
      definitionFormat: 0,
      endpoints: [{ state, versions: legacy }],
    });

    const stored = await store.getVersion('old', 2);
    expect(stored?.definition).toMatchObject({ tags: [], auth: 'key', cache: { ttlSeconds: 0 } });
    expect(stored?.definition.model).toMatchObject({ provider: 'default', fallbacks: [] });
    await store.close();
  });
});

describe('store-export and store-import scripts', () => {
  it('move a SQLite data folder into another through a dump file', async () => {
    const from = freshDir();
    const to = freshDir();
    const source = openIn(from);
    await populate(source);
    const expected = content(await exportStore(source));
    await source.close();
    const file = join(root, 'scripted.json');

    const exported = await runScript('store-export', ['--out', file], { DATA_DIR: from });
    expect(exported).toContain('4 endpoints, 6 versions');
    const imported = await runScript('store-import', ['--in', file, '--target-data-dir', to], {});
    expect(imported).toContain('imported 4 endpoints');
    await expect(
      runScript('store-import', ['--in', file, '--target-data-dir', to], {}),
    ).rejects.toThrow(/already has/);

    const target = openIn(to);
    expect(content(await exportStore(target))).toEqual(expected);
    await target.close();
  }, 60_000);
});

describe('importStore refuses bad dumps before writing', () => {
  it('refuses a dump that names one endpoint twice, writing nothing', async () => {
    const { SqliteStore } = await import('../../src/storage/sqlite-store');
    const { importStore, exportStore } = await import('../../src/storage/backup');
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const path = await import('node:path');
    const dir = mkdtempSync(path.join(tmpdir(), 'promptgate-dup-'));
    const source = SqliteStore.open(path.join(dir, 'a.db'));
    const target = SqliteStore.open(path.join(dir, 'b.db'));
    try {
      await source.createEndpoint(sampleDefinition('first'));
      await source.createEndpoint(sampleDefinition('twice'));
      const dump = await exportStore(source);
      dump.endpoints.push(dump.endpoints[1]);
      await expect(importStore(target, dump)).rejects.toThrow(/twice/);
      expect(await target.listStates()).toEqual([]);

      const bad = { ...dump, formatVersion: 0 };
      await expect(importStore(target, bad)).rejects.toThrow(/format version/);

      const refusing = () => {
        throw new Error('not acceptable');
      };
      const clean = await exportStore(source);
      await expect(importStore(target, clean, { checkEndpoint: refusing })).rejects.toThrow(
        /not acceptable/,
      );
      expect(await target.listStates()).toEqual([]);
    } finally {
      await source.close();
      await target.close();
    }
  });
});
