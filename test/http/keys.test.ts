import {
  definition,
  jsonCompletion,
  startTestServer,
  type TestServer,
} from '../support/test-server';

describe('consumer keys', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
    for (const name of ['allowed', 'other']) {
      await server.request('POST', '/admin/endpoints', {
        body: definition({ name, publish: true }),
      });
    }
  });
  afterAll(() => server.stop());
  beforeEach(() => {
    server.provider.reset();
    server.provider.respond = () => jsonCompletion({ label: 'neutral', score: 0.5 });
  });

  const newKey = async (body: Record<string, unknown>) => {
    const res = await server.request('POST', '/admin/keys', { body });
    expect(res.status).toBe(201);
    return res.body as { id: string; key: string };
  };
  const callWith = (key: string, name = 'allowed', header = 'authorization') =>
    server.request('POST', `/v1/${name}`, {
      body: { text: 'x' },
      token: null,
      headers: { [header]: header === 'authorization' ? `Bearer ${key}` : key },
    });

  it('shows the secret once, stores only its hash, and lets it call', async () => {
    const created = await newKey({ name: 'web app' });
    expect(created.key).toMatch(/^pgk_/);
    const list = await server.request('GET', '/admin/keys');
    expect(list.text).not.toContain(created.key);
    const item = list.body.items.find((k: { id: string }) => k.id === created.id);
    expect(item).toMatchObject({
      name: 'web app',
      status: 'active',
      prefix: created.key.slice(0, 10),
    });
    expect(item.hash).toBeUndefined();

    expect((await callWith(created.key)).status).toBe(200);
    expect((await callWith(created.key, 'allowed', 'x-api-key')).status).toBe(200);
  });

  it('answers 403 for an endpoint the key is not allowed', async () => {
    const { key } = await newKey({ name: 'narrow', endpoints: ['allowed'] });
    expect((await callWith(key, 'allowed')).status).toBe(200);
    const denied = await callWith(key, 'other');
    expect(denied.status).toBe(403);
    expect(denied.body.code).toBe('forbidden');
  });

  it('answers 401 for unknown, revoked and expired keys', async () => {
    const unknown = await callWith('pgk_not-a-real-key');
    expect(unknown.status).toBe(401);
    expect(unknown.headers.get('www-authenticate')).toMatch(/^Bearer/);

    const { id, key } = await newKey({ name: 'short-lived' });
    expect((await server.request('DELETE', `/admin/keys/${id}`)).status).toBe(204);
    const revoked = await callWith(key);
    expect(revoked.status).toBe(401);
    expect(revoked.body.code).toBe('unauthorized');

    const past = await newKey({ name: 'expired', expiresAt: '2020-01-01T00:00:00Z' });
    expect((await callWith(past.key)).status).toBe(401);
  });

  it('limits calls per minute with 429 and Retry-After', async () => {
    const { key } = await newKey({ name: 'limited', rateLimit: { requestsPerMinute: 2 } });
    expect((await callWith(key)).status).toBe(200);
    expect((await callWith(key)).status).toBe(200);
    const limited = await callWith(key);
    expect(limited.status).toBe(429);
    expect(limited.body.code).toBe('rate_limited');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(server.provider.requests).toHaveLength(2);
  });

  it('counts each input of a batch against the limit', async () => {
    const { key } = await newKey({ name: 'batcher', rateLimit: { requestsPerMinute: 3 } });
    const batch = (n: number) =>
      server.request('POST', '/v1/allowed/batch', {
        body: { inputs: Array.from({ length: n }, () => ({ text: 'x' })) },
        token: key,
      });
    expect((await batch(2)).status).toBe(200);
    expect((await batch(2)).status).toBe(429);
    expect((await batch(1)).status).toBe(200);
  });

  it('refuses bad key requests naming the field, and unknown ids', async () => {
    const bad = await server.request('POST', '/admin/keys', {
      body: { name: '', endpoints: ['Not A Name'], rateLimit: { requestsPerMinute: 0 } },
    });
    expect(bad.status).toBe(422);
    const paths = bad.body.errors.map((e: { path: string }) => e.path);
    expect(paths).toEqual(
      expect.arrayContaining(['/name', '/endpoints/0', '/rateLimit/requestsPerMinute']),
    );
    expect((await server.request('DELETE', '/admin/keys/nope')).status).toBe(404);
    for (const expiresAt of ['2030-02-30T00:00:00Z', '2030-01-01T00:00:00', 'soon']) {
      const res = await server.request('POST', '/admin/keys', { body: { name: 'x', expiresAt } });
      expect(res.status).toBe(422);
      expect(res.body.errors[0].path).toBe('/expiresAt');
    }
  });

  it('does not let a consumer key reach the admin API', async () => {
    const { key } = await newKey({ name: 'sneaky' });
    const res = await server.request('GET', '/admin/keys', { token: key });
    expect(res.status).toBe(401);
  });
});
