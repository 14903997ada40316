/**
 * @module test/storage/conformance
 * The one behaviour suite every EndpointStore passes. A store's test file calls
 * runStoreConformance with a factory that opens a store on fresh, empty storage.
 */
import type {
  EndpointDefinition,
  EndpointState,
  EndpointVersion,
} from '../../src/definitions/types';
import {
  isStoreConflict,
  StoreConflictError,
  type ConsumerKey,
  type EndpointStore,
} from '../../src/storage/store';

export interface ConformanceOptions {
  /**
   * Opens a new handle on the storage behind `closed`, which has been closed. When given, the
   * suite checks that data survives a restart.
   */
  reopen?: (closed: EndpointStore) => Promise<EndpointStore>;
}

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

/** A complete definition, as the definitions module would produce after applying defaults. */
export function sampleDefinition(
  name: string,
  overrides: Partial<EndpointDefinition> = {},
): EndpointDefinition {
  return {
    name,
    title: 'Sentiment analysis',
    tags: ['nlp'],
    input: {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      required: ['text'],
      properties: { text: { $ref: '#/$defs/text' } },
      $defs: { text: { type: 'string', minLength: 1 } },
      additionalProperties: false,
    },
    output: { type: 'object', properties: { 'label.with.dots': { type: 'string' } } },
    prompt: { system: 'You classify sentiment.', user: 'Message:\n{{text}}' },
    model: { provider: 'default', name: 'gpt-4o-mini', temperature: 0, fallbacks: [] },
    retry: {
      maxAttempts: 3,
      initialDelayMs: 250,
      maxDelayMs: 8000,
      attemptTimeoutMs: 30000,
      deadlineMs: 60000,
    },
    repair: { maxAttempts: 1, coerce: true },
    cache: { ttlSeconds: 0 },
    auth: 'key',
    examples: [{ input: { text: 'Love it' }, output: { 'label.with.dots': 'positive' } }],
    ...overrides,
  };
}

function withUser(definition: EndpointDefinition, user: string): EndpointDefinition {
  return { ...definition, prompt: { system: 'You classify sentiment.', user } };
}

/** An endpoint as a backup holds it: deprecated, version 2 of 3 served, fixed timestamps. */
export function sampleImport(name: string): { state: EndpointState; versions: EndpointVersion[] } {
  const state: EndpointState = {
    name,
    status: 'deprecated',
    publishedVersion: 2,
    latestVersion: 3,
    sunset: '2030-01-01',
    deprecatedAt: '2024-05-01T08:00:00.000Z',
    createdAt: '2024-01-01T08:00:00.000Z',
    updatedAt: '2024-05-01T08:00:00.000Z',
  };
  const versions = [1, 2, 3].map((version) => ({
    name,
    version,
    definition: withUser(sampleDefinition(name), `version ${version} ✓ {{text}}`),
    createdAt: `2024-0${version}-01T08:00:00.000Z`,
  }));
  return { state, versions };
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

/** Registers the shared suite under `describe(label)`. */
export function runStoreConformance(
  label: string,
  open: () => Promise<EndpointStore>,
  cleanup?: () => Promise<void>,
  options: ConformanceOptions = {},
): void {
  describe(label, () => {
    let store: EndpointStore;

    beforeEach(async () => {
      store = await open();
    });

    afterEach(async () => {
      await store.close();
    });

    if (cleanup) afterAll(cleanup);

    describe('consumer keys', () => {
      const key = (id: string, hash: string): ConsumerKey => ({
        id,
        name: `key ${id}`,
        prefix: 'pg_abcd',
        hash,
        endpoints: ['sentiment', 'ünïcode-ok'],
        requestsPerMinute: 60,
        expiresAt: '2031-01-01T00:00:00.000Z',
        createdAt: `2026-01-01T00:00:0${id.length % 10}.000Z`,
        revokedAt: null,
      });

      it('stores a key and finds it by hash, every field intact', async () => {
        await store.createKey(key('k1', 'a'.repeat(64)));
        expect(await store.findKeyByHash('a'.repeat(64))).toEqual(key('k1', 'a'.repeat(64)));
        expect(await store.findKeyByHash('b'.repeat(64))).toBeNull();
      });

      it('keeps an unrestricted key unrestricted', async () => {
        const open = { ...key('k2', 'c'.repeat(64)), endpoints: null, requestsPerMinute: null };
        await store.createKey({ ...open, expiresAt: null });
        expect(await store.findKeyByHash('c'.repeat(64))).toMatchObject({
          endpoints: null,
          requestsPerMinute: null,
          expiresAt: null,
        });
      });

      it('refuses a second key with the same id or hash', async () => {
        await store.createKey(key('k3', 'd'.repeat(64)));
        await expect(store.createKey(key('k3', 'e'.repeat(64)))).rejects.toBeInstanceOf(
          StoreConflictError,
        );
        await expect(store.createKey(key('k4', 'd'.repeat(64)))).rejects.toBeInstanceOf(
          StoreConflictError,
        );
      });

      it('lists keys and revokes one once', async () => {
        await store.createKey(key('k5', 'f'.repeat(64)));
        expect((await store.listKeys()).map((k) => k.id)).toContain('k5');
        expect(await store.revokeKey('k5')).toBe(true);
        const revoked = await store.findKeyByHash('f'.repeat(64));
        expect(revoked?.revokedAt).toEqual(expect.any(String));
        await store.revokeKey('k5');
        expect((await store.findKeyByHash('f'.repeat(64)))?.revokedAt).toBe(revoked?.revokedAt);
        expect(await store.revokeKey('nope')).toBe(false);
      });
    });

    describe('createEndpoint', () => {
      it('creates a draft with version 1', async () => {
        const definition = sampleDefinition('sentiment');
        const { state, version } = await store.createEndpoint(definition);

        expect(state).toMatchObject({
          name: 'sentiment',
          status: 'draft',
          publishedVersion: null,
          latestVersion: 1,
          sunset: null,
          deprecatedAt: null,
        });
        expect(state.createdAt).toMatch(ISO_UTC);
        expect(state.updatedAt).toMatch(ISO_UTC);
        expect(version).toEqual({
          name: 'sentiment',
          version: 1,
          definition,
          createdAt: expect.stringMatching(ISO_UTC),
        });
        expect(await store.getState('sentiment')).toEqual(state);
      });

      it('publishes version 1 when asked', async () => {
        const { state } = await store.createEndpoint(sampleDefinition('pub'), { publish: true });

        expect(state.status).toBe('published');
        expect(state.publishedVersion).toBe(1);
      });

      it('refuses an existing name with StoreConflictError', async () => {
        await store.createEndpoint(sampleDefinition('dup'));
        const error = await rejection(store.createEndpoint(sampleDefinition('dup')));

        expect(error).toBeInstanceOf(StoreConflictError);
        expect(isStoreConflict(error)).toBe(true);
        expect((await store.listVersions('dup')).length).toBe(1);
      });

      it('refuses the name of a retired endpoint', async () => {
        await store.createEndpoint(sampleDefinition('old'));
        await store.updateState('old', { status: 'retired' });

        expect(
          isStoreConflict(await rejection(store.createEndpoint(sampleDefinition('old')))),
        ).toBe(true);
      });

      it('lets exactly one of two concurrent creates win', async () => {
        const results = await Promise.allSettled([
          store.createEndpoint(withUser(sampleDefinition('race'), 'first {{text}}')),
          store.createEndpoint(withUser(sampleDefinition('race'), 'second {{text}}')),
        ]);
        const won = results.filter((r) => r.status === 'fulfilled');
        const lost = results.filter((r) => r.status === 'rejected');

        expect(won).toHaveLength(1);
        expect(lost).toHaveLength(1);
        expect(isStoreConflict((lost[0] as PromiseRejectedResult).reason)).toBe(true);
        expect(await store.listVersions('race')).toHaveLength(1);
      });
    });

    describe('addVersion', () => {
      it('numbers versions 1, 2, 3 and leaves the published one serving', async () => {
        await store.createEndpoint(sampleDefinition('v'), { publish: true });
        const second = await store.addVersion('v', withUser(sampleDefinition('v'), 'two'));
        const third = await store.addVersion('v', withUser(sampleDefinition('v'), 'three'));

        expect(second?.version.version).toBe(2);
        expect(third?.version.version).toBe(3);
        expect(third?.state).toMatchObject({
          status: 'published',
          publishedVersion: 1,
          latestVersion: 3,
        });
        expect(third?.version.definition.prompt.user).toBe('three');
      });

      it('resolves null for an unknown endpoint', async () => {
        expect(await store.addVersion('ghost', sampleDefinition('ghost'))).toBeNull();
        expect(await store.getState('ghost')).toBeNull();
      });

      it('refuses a definition named after another endpoint', async () => {
        await store.createEndpoint(sampleDefinition('a'));

        expect(await rejection(store.addVersion('a', sampleDefinition('b')))).toBeInstanceOf(
          RangeError,
        );
        expect((await store.getState('a'))?.latestVersion).toBe(1);
      });

      it('checks expectedLatest', async () => {
        await store.createEndpoint(sampleDefinition('opt'));
        await store.addVersion('opt', sampleDefinition('opt'), 1);
        const error = await rejection(store.addVersion('opt', sampleDefinition('opt'), 1));

        expect(error).toBeInstanceOf(StoreConflictError);
        expect((await store.getState('opt'))?.latestVersion).toBe(2);
        expect((await store.addVersion('opt', sampleDefinition('opt'), 2))?.version.version).toBe(
          3,
        );
      });

      it('gives concurrent writers distinct consecutive numbers', async () => {
        await store.createEndpoint(sampleDefinition('busy'));
        const writes = Array.from({ length: 20 }, (_, i) =>
          store.addVersion('busy', withUser(sampleDefinition('busy'), `v${i}`)),
        );
        const numbers = (await Promise.all(writes)).map((w) => w?.version.version);

        expect([...numbers].sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual(
          Array.from({ length: 20 }, (_, i) => i + 2),
        );
        expect((await store.getState('busy'))?.latestVersion).toBe(21);
        expect((await store.listVersions('busy')).map((v) => v.version)).toEqual(
          Array.from({ length: 21 }, (_, i) => i + 1),
        );
      });

      it('lets one of several writers with the same expectedLatest win', async () => {
        await store.createEndpoint(sampleDefinition('cas'));
        const results = await Promise.allSettled(
          [1, 2, 3, 4].map(() => store.addVersion('cas', sampleDefinition('cas'), 1)),
        );

        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        const reasons = results.flatMap((r) => (r.status === 'rejected' ? [r.reason] : []));
        expect(reasons.every(isStoreConflict)).toBe(true);
        expect((await store.getState('cas'))?.latestVersion).toBe(2);
      });
    });

    describe('versions', () => {
      it('returns one version or all in order, null or empty when absent', async () => {
        await store.createEndpoint(withUser(sampleDefinition('h'), 'one'));
        await store.addVersion('h', withUser(sampleDefinition('h'), 'two'));

        expect((await store.getVersion('h', 2))?.definition.prompt.user).toBe('two');
        expect(await store.getVersion('h', 3)).toBeNull();
        expect(await store.getVersion('nope', 1)).toBeNull();
        expect((await store.listVersions('h')).map((v) => v.definition.prompt.user)).toEqual([
          'one',
          'two',
        ]);
        expect(await store.listVersions('nope')).toEqual([]);
      });

      it('round-trips a definition with a 1 MB prompt', async () => {
        const big = 'lorem ipsum '.repeat(90_000) + '{{text}}';
        await store.createEndpoint(withUser(sampleDefinition('big'), big));

        expect((await store.getVersion('big', 1))?.definition.prompt.user).toBe(big);
      });

      it('round-trips unicode: emoji, RTL, combining marks, astral planes', async () => {
        const text =
          'Résumé 😀👩\u200d👩\u200d👧 مرحبا بالعالم שלום \u200f\u202e 𝔘𝔫𝔦 e\u0301 {{text}} \u2028';
        const definition = { ...withUser(sampleDefinition('uni'), text), title: '日本語 ✓' };
        await store.createEndpoint(definition);

        expect((await store.getVersion('uni', 1))?.definition).toEqual(definition);
      });
    });

    describe('updateState', () => {
      it('publishes an older version to roll back', async () => {
        await store.createEndpoint(sampleDefinition('roll'), { publish: true });
        await store.addVersion('roll', sampleDefinition('roll'));
        await store.updateState('roll', { status: 'published', publishedVersion: 2 });
        const state = await store.updateState('roll', { status: 'published', publishedVersion: 1 });

        expect(state).toMatchObject({ status: 'published', publishedVersion: 1, latestVersion: 2 });
        expect(await store.getState('roll')).toEqual(state);
      });

      it('deprecates with a sunset, keeping the published version', async () => {
        await store.createEndpoint(sampleDefinition('dep'), { publish: true });
        const deprecatedAt = new Date().toISOString();
        const state = await store.updateState('dep', {
          status: 'deprecated',
          sunset: '2030-01-01',
          deprecatedAt,
        });

        expect(state).toMatchObject({
          status: 'deprecated',
          publishedVersion: 1,
          sunset: '2030-01-01',
          deprecatedAt,
        });
      });

      it('retires, keeping versions, and clears fields set to null', async () => {
        await store.createEndpoint(sampleDefinition('ret'), { publish: true });
        await store.updateState('ret', { status: 'deprecated', sunset: '2030-01-01' });
        const state = await store.updateState('ret', { status: 'retired', sunset: null });

        expect(state).toMatchObject({ status: 'retired', publishedVersion: 1, sunset: null });
        expect(await store.listVersions('ret')).toHaveLength(1);
      });

      it('resolves null for an unknown endpoint', async () => {
        expect(await store.updateState('ghost', { status: 'retired' })).toBeNull();
      });

      it('refuses a missing version and publishing without one', async () => {
        await store.createEndpoint(sampleDefinition('bad'));

        expect(
          await rejection(store.updateState('bad', { status: 'published', publishedVersion: 9 })),
        ).toBeInstanceOf(RangeError);
        expect(await rejection(store.updateState('bad', { status: 'published' }))).toBeInstanceOf(
          RangeError,
        );
        expect((await store.getState('bad'))?.status).toBe('draft');
      });

      it('moves updatedAt but not createdAt', async () => {
        const { state: before } = await store.createEndpoint(sampleDefinition('t'));
        await new Promise((done) => setTimeout(done, 5));
        const after = await store.updateState('t', { status: 'published', publishedVersion: 1 });

        expect(after?.createdAt).toBe(before.createdAt);
        expect(after?.updatedAt).toMatch(ISO_UTC);
        expect((after?.updatedAt ?? '') > before.updatedAt).toBe(true);
      });
    });

    describe('listStates', () => {
      it('lists every endpoint by name', async () => {
        await store.createEndpoint(sampleDefinition('zeta'));
        await store.createEndpoint(sampleDefinition('alpha'), { publish: true });
        await store.createEndpoint(sampleDefinition('mid'));
        await store.updateState('mid', { status: 'retired' });
        const states = await store.listStates();

        expect(states.map((s) => [s.name, s.status])).toEqual([
          ['alpha', 'published'],
          ['mid', 'retired'],
          ['zeta', 'draft'],
        ]);
      });

      it('is empty on a new store', async () => {
        expect(await store.listStates()).toEqual([]);
      });
    });

    describe('importEndpoint', () => {
      it('recreates an endpoint whole: numbers, definitions, state and timestamps', async () => {
        const { state, versions } = sampleImport('moved');
        const before = await store.changeMarker();

        expect(await store.importEndpoint(state, versions)).toEqual(state);
        expect(await store.getState('moved')).toEqual(state);
        expect(await store.listVersions('moved')).toEqual(versions);
        expect(await store.changeMarker()).toBeGreaterThan(before);
        expect((await store.addVersion('moved', sampleDefinition('moved')))?.version.version).toBe(
          4,
        );
      });

      it('keeps a retired endpoint retired and its name taken', async () => {
        const { state, versions } = sampleImport('gone');
        await store.importEndpoint({ ...state, status: 'retired' }, versions);

        expect((await store.getState('gone'))?.status).toBe('retired');
        expect(
          isStoreConflict(await rejection(store.createEndpoint(sampleDefinition('gone')))),
        ).toBe(true);
      });

      it('refuses an existing name with StoreConflictError and writes nothing', async () => {
        const { state: existing } = await store.createEndpoint(sampleDefinition('taken'));
        const { state, versions } = sampleImport('taken');
        const before = await store.changeMarker();

        expect(isStoreConflict(await rejection(store.importEndpoint(state, versions)))).toBe(true);
        expect(await store.getState('taken')).toEqual(existing);
        expect(await store.listVersions('taken')).toHaveLength(1);
        expect(await store.changeMarker()).toBe(before);
      });

      it('refuses an inconsistent endpoint with RangeError and writes nothing', async () => {
        const { state, versions } = sampleImport('odd');
        const cases: Array<[EndpointState, EndpointVersion[]]> = [
          [state, versions.slice(0, 2)],
          [state, [versions[0], versions[2], versions[1]]],
          [{ ...state, publishedVersion: 7 }, versions],
          [{ ...state, status: 'published', publishedVersion: null }, versions],
          [state, versions.map((v) => ({ ...v, definition: sampleDefinition('other') }))],
          [{ ...state, createdAt: 5 as unknown as string }, versions],
        ];

        for (const [badState, badVersions] of cases) {
          expect(await rejection(store.importEndpoint(badState, badVersions))).toBeInstanceOf(
            RangeError,
          );
        }
        expect(await store.getState('odd')).toBeNull();
        expect(await store.listVersions('odd')).toEqual([]);
      });
    });

    describe('changeMarker', () => {
      it('increases on every write and not on reads', async () => {
        const seen = [await store.changeMarker()];
        await store.createEndpoint(sampleDefinition('m'));
        seen.push(await store.changeMarker());
        await store.addVersion('m', sampleDefinition('m'));
        seen.push(await store.changeMarker());
        await store.updateState('m', { status: 'published', publishedVersion: 2 });
        seen.push(await store.changeMarker());
        await store.getState('m');
        await store.listStates();
        await store.listVersions('m');
        seen.push(await store.changeMarker());

        for (let i = 1; i < 4; i += 1) expect(seen[i]).toBeGreaterThan(seen[i - 1]);
        expect(seen[4]).toBe(seen[3]);
      });

      it('does not move on a refused write', async () => {
        await store.createEndpoint(sampleDefinition('r'));
        const before = await store.changeMarker();
        await rejection(store.createEndpoint(sampleDefinition('r')));
        await rejection(store.addVersion('r', sampleDefinition('r'), 5));

        expect(await store.changeMarker()).toBe(before);
      });
    });

    it('answers ping', async () => {
      expect(await store.ping()).toBe(true);
    });

    const { reopen } = options;
    if (reopen) {
      it('keeps data across close and reopen', async () => {
        await store.createEndpoint(sampleDefinition('keep'), { publish: true });
        await store.addVersion('keep', withUser(sampleDefinition('keep'), 'second'));
        const marker = await store.changeMarker();
        await store.close();
        store = await reopen(store);

        expect(await store.getState('keep')).toMatchObject({
          publishedVersion: 1,
          latestVersion: 2,
        });
        expect((await store.getVersion('keep', 2))?.definition.prompt.user).toBe('second');
        expect(await store.changeMarker()).toBe(marker);
      });
    }
  });
}
