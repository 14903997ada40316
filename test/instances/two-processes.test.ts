/**
 * Two real server processes on one SQLite file: a change made through either is served by the
 * other within PROPAGATION_BOUND_MS. Each instance notices other writers by reading the store's
 * change counter every second (the catalog's default poll interval), then reloads its catalog,
 * so the bound is one poll interval plus one reload, with room for a loaded CI machine.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { startScriptedProvider, type ScriptedProvider } from '../support/scripted-provider';
import {
  plainDefinition,
  send,
  startServerProcess,
  timeUntil,
  type ServerProcess,
} from './server-process';

/** Documented bound (README): the 1000 ms poll interval, plus a reload, plus slack; in ms. */
const PROPAGATION_BOUND_MS = 2000;

describe('two server processes on one SQLite file', () => {
  let provider: ScriptedProvider;
  let dataDir: string;
  let a: ServerProcess;
  let b: ServerProcess;
  const timings: Record<string, number> = {};

  const call = (server: ServerProcess, name: string) =>
    send(server.url, 'POST', `/v1/${name}`, { text: 'world' });

  beforeAll(async () => {
    provider = await startScriptedProvider();
    provider.respond = () => ({ completion: { content: 'hi' } });
    dataDir = mkdtempSync(join(tmpdir(), 'promptgate-instances-'));
    // Started together: both open, migrate and switch the new file to WAL at once.
    [a, b] = await Promise.all([
      startServerProcess({ dataDir, providerUrl: provider.url }),
      startServerProcess({ dataDir, providerUrl: provider.url }),
    ]);
  }, 60_000);

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await provider?.close();
    rmSync(dataDir, { recursive: true, force: true });
    if (process.env.PROMPTGATE_REPORT_TIMINGS) {
      process.stderr.write(`propagation timings (ms): ${JSON.stringify(timings)}\n`);
    }
  });

  it('serves on B an endpoint created and published through A, within the bound', async () => {
    const created = await send(a.url, 'POST', '/admin/endpoints', {
      ...plainDefinition('greet'),
      publish: true,
    });
    expect(created.status).toBe(201);

    timings.create = await timeUntil(
      async () => (await call(b, 'greet')).status === 200,
      PROPAGATION_BOUND_MS,
    );
    const served = await call(b, 'greet');
    expect(served.body).toEqual({ text: 'hi' });
    expect(served.headers.get('promptgate-version')).toBe('1');
  });

  it('serves on A version 2 put and published through B, within the bound', async () => {
    const put = await send(
      b.url,
      'PUT',
      '/admin/endpoints/greet',
      plainDefinition('greet', 'Greet {{text}} warmly'),
    );
    expect(put.status).toBe(200);
    expect(put.body.version).toBe(2);
    expect((await send(b.url, 'POST', '/admin/endpoints/greet/publish', {})).status).toBe(200);

    timings.publishV2 = await timeUntil(
      async () => (await call(a, 'greet')).headers.get('promptgate-version') === '2',
      PROPAGATION_BOUND_MS,
    );
    const prompt = provider.requests[provider.requests.length - 1].body.messages;
    expect(JSON.stringify(prompt)).toContain('Greet world warmly');
  });

  it('answers 410 on B once A retires the endpoint, within the bound', async () => {
    expect((await send(a.url, 'DELETE', '/admin/endpoints/greet')).status).toBe(204);

    timings.retire = await timeUntil(
      async () => (await call(b, 'greet')).status === 410,
      PROPAGATION_BOUND_MS,
    );
    expect((await call(b, 'greet')).body.code).toBe('endpoint_retired');
  });

  it('shows both instances the same admin view', async () => {
    const [fromA, fromB] = await Promise.all([
      send(a.url, 'GET', '/admin/endpoints/greet'),
      send(b.url, 'GET', '/admin/endpoints/greet'),
    ]);

    expect(fromA.body).toEqual(fromB.body);
    expect(fromA.body).toMatchObject({ status: 'retired', publishedVersion: 2, latestVersion: 2 });
  });
});
