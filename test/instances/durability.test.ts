/**
 * Kills a server process with SIGKILL in the middle of a stream of admin writes, then checks the
 * SQLite file directly: every write the server acknowledged (2xx) is there, and the database
 * passes `PRAGMA integrity_check`. A restarted server serves what was written.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import Database from 'better-sqlite3';

import { SQLITE_FILE_NAME } from '../../src/storage';
import { SqliteStore } from '../../src/storage/sqlite-store';
import { startScriptedProvider, type ScriptedProvider } from '../support/scripted-provider';
import {
  plainDefinition,
  send,
  sleep,
  startServerProcess,
  type ServerProcess,
} from './server-process';

/** How long writes run before the kill, in ms. */
const WRITE_FOR_MS = 1500;
/** Versions per endpoint: one create (published), then PUTs. */
const VERSIONS_PER_ENDPOINT = 4;

interface Ack {
  name: string;
  version: number;
  user: string;
}

/**
 * Writes one after another until a request fails (the process is gone). Returns what was
 * acknowledged; a write cut off by the kill is not, whatever became of it.
 */
async function writeUntilKilled(server: ServerProcess): Promise<{ acked: Ack[]; sent: number }> {
  const acked: Ack[] = [];
  let sent = 0;
  for (let i = 0; ; i += 1) {
    const name = `durable-${Math.floor(i / VERSIONS_PER_ENDPOINT)}`;
    const user = `write ${i}: {{text}}`;
    const first = i % VERSIONS_PER_ENDPOINT === 0;
    sent += 1;
    try {
      const reply = first
        ? await send(server.url, 'POST', '/admin/endpoints', {
            ...plainDefinition(name, user),
            publish: true,
          })
        : await send(server.url, 'PUT', `/admin/endpoints/${name}`, plainDefinition(name, user));
      if (reply.status >= 200 && reply.status < 300) {
        acked.push({ name, version: reply.body.version, user });
      }
    } catch {
      return { acked, sent };
    }
  }
}

describe('durability', () => {
  let provider: ScriptedProvider;
  let dataDir: string;
  let server: ServerProcess | undefined;

  beforeAll(async () => {
    provider = await startScriptedProvider();
    provider.respond = () => ({ completion: { content: 'still here' } });
    dataDir = mkdtempSync(join(tmpdir(), 'promptgate-durability-'));
  });

  afterAll(async () => {
    await server?.stop('SIGKILL');
    await provider?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps every acknowledged write after SIGKILL mid-stream, intact', async () => {
    server = await startServerProcess({ dataDir, providerUrl: provider.url });
    const writing = writeUntilKilled(server);
    await sleep(WRITE_FOR_MS);
    await server.stop('SIGKILL');
    const { acked, sent } = await writing;
    expect(server.child.signalCode).toBe('SIGKILL');
    expect(acked.length).toBeGreaterThanOrEqual(VERSIONS_PER_ENDPOINT * 2);

    const file = join(dataDir, SQLITE_FILE_NAME);
    const raw = new Database(file);
    expect(raw.pragma('integrity_check', { simple: true })).toBe('ok');
    raw.close();

    const store = SqliteStore.open(file);
    const found: Ack[] = [];
    for (const ack of acked) {
      const stored = await store.getVersion(ack.name, ack.version);
      if (stored?.definition.prompt.user === ack.user) found.push(ack);
      const state = await store.getState(ack.name);
      expect(state?.latestVersion).toBeGreaterThanOrEqual(ack.version);
      expect(state?.publishedVersion).toBe(1);
    }
    await store.close();
    expect(found).toEqual(acked);

    if (process.env.PROMPTGATE_REPORT_TIMINGS) {
      process.stderr.write(`durability: sent ${sent}, acknowledged ${acked.length}, `);
      process.stderr.write(`found after SIGKILL ${found.length}\n`);
    }
  }, 30_000);

  it('restarts on the killed file and serves what was written', async () => {
    server = await startServerProcess({ dataDir, providerUrl: provider.url });

    const list = await send(server.url, 'GET', '/admin/endpoints');
    expect(list.status).toBe(200);
    expect(list.body.items.length).toBeGreaterThan(2);
    const served = await send(server.url, 'POST', '/v1/durable-0', { text: 'x' });
    expect(served.status).toBe(200);
    expect(served.body).toEqual({ text: 'still here' });
    expect(served.headers.get('promptgate-version')).toBe('1');

    const added = await send(
      server.url,
      'PUT',
      '/admin/endpoints/durable-0',
      plainDefinition('durable-0', 'after restart {{text}}'),
    );
    expect(added.status).toBe(200);
    expect(added.body.version).toBe(VERSIONS_PER_ENDPOINT + 1);
  }, 30_000);
});
