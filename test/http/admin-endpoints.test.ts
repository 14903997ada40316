import {
  definition,
  jsonCompletion,
  startTestServer,
  type TestServer,
} from '../support/test-server';

describe('admin API: endpoint lifecycle', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.stop());
  beforeEach(() => server.provider.reset());

  it('refuses admin calls without the admin token', async () => {
    const none = await server.request('GET', '/admin/endpoints', { token: null });
    expect(none.status).toBe(401);
    expect(none.body.code).toBe('unauthorized');
    expect(none.headers.get('content-type')).toMatch(/^application\/problem\+json/);

    const wrong = await server.request('GET', '/admin/endpoints', { token: 'nope' });
    expect(wrong.status).toBe(401);
  });

  it('creates a draft that is not served until published', async () => {
    const created = await server.request('POST', '/admin/endpoints', {
      body: definition({ name: 'draft-one' }),
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      name: 'draft-one',
      status: 'draft',
      version: 1,
      publishedVersion: null,
      latestVersion: 1,
      retry: { maxAttempts: 3 },
      repair: { maxAttempts: 1, coerce: true },
      auth: 'key',
    });

    const call = await server.request('POST', '/v1/draft-one', { body: { text: 'hi' } });
    expect(call.status).toBe(404);
    expect(call.body.code).toBe('endpoint_not_found');

    const published = await server.request('POST', '/admin/endpoints/draft-one/publish');
    expect(published.status).toBe(200);
    expect(published.body).toMatchObject({ status: 'published', publishedVersion: 1 });

    server.provider.push(jsonCompletion({ label: 'positive', score: 0.9 }));
    const served = await server.request('POST', '/v1/draft-one', { body: { text: 'hi' } });
    expect(served.status).toBe(200);
  });

  it('answers 409 conflict when the name exists', async () => {
    const body = definition({ name: 'twice' });
    expect((await server.request('POST', '/admin/endpoints', { body })).status).toBe(201);
    const again = await server.request('POST', '/admin/endpoints', { body });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('conflict');
  });

  it('keeps serving the published version while a new draft version exists, and rolls back', async () => {
    const v1 = definition({ name: 'versioned', prompt: { user: 'v1 {{text}}' }, publish: true });
    await server.request('POST', '/admin/endpoints', { body: v1 });
    const put = await server.request('PUT', '/admin/endpoints/versioned', {
      body: definition({ name: 'versioned', prompt: { user: 'v2 {{text}}' } }),
    });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ version: 2, publishedVersion: 1, latestVersion: 2 });

    server.provider.respond = () => jsonCompletion({ label: 'neutral', score: 0.5 });
    const before = await server.request('POST', '/v1/versioned', { body: { text: 'x' } });
    expect(before.headers.get('promptgate-version')).toBe('1');
    expect(server.provider.requests[0].body.messages.at(-1).content).toBe('v1 x');

    await server.request('POST', '/admin/endpoints/versioned/publish');
    const after = await server.request('POST', '/v1/versioned', { body: { text: 'x' } });
    expect(after.headers.get('promptgate-version')).toBe('2');
    expect(server.provider.requests[1].body.messages.at(-1).content).toBe('v2 x');

    const rollback = await server.request('POST', '/admin/endpoints/versioned/publish', {
      body: { version: 1 },
    });
    expect(rollback.body.publishedVersion).toBe(1);
    const rolled = await server.request('POST', '/v1/versioned', { body: { text: 'x' } });
    expect(rolled.headers.get('promptgate-version')).toBe('1');

    const versions = await server.request('GET', '/admin/endpoints/versioned/versions');
    expect(versions.body.items.map((v: { version: number }) => v.version)).toEqual([1, 2]);
    const one = await server.request('GET', '/admin/endpoints/versioned/versions/2');
    expect(one.body.definition.prompt.user).toBe('v2 {{text}}');
    const missing = await server.request('GET', '/admin/endpoints/versioned/versions/9');
    expect(missing.status).toBe(404);
  });

  it('refuses a PUT that would rename the endpoint', async () => {
    await server.request('POST', '/admin/endpoints', { body: definition({ name: 'fixed-name' }) });
    const put = await server.request('PUT', '/admin/endpoints/fixed-name', {
      body: definition({ name: 'other-name' }),
    });
    expect(put.status).toBe(422);
    expect(put.body.errors).toEqual([expect.objectContaining({ path: '/name' })]);
  });

  it('answers 409 to a PUT whose If-Match version is no longer the latest', async () => {
    await server.request('POST', '/admin/endpoints', { body: definition({ name: 'guarded' }) });
    const body = definition({ name: 'guarded' });
    const first = await server.request('PUT', '/admin/endpoints/guarded', {
      body,
      headers: { 'if-match': '"1"' },
    });
    expect(first.status).toBe(200);
    expect(first.headers.get('etag')).toBe('"2"');
    const stale = await server.request('PUT', '/admin/endpoints/guarded', {
      body,
      headers: { 'if-match': '"1"' },
    });
    expect(stale.status).toBe(409);
  });

  it('deprecates with a sunset and then retires: 410 with data kept', async () => {
    await server.request('POST', '/admin/endpoints', {
      body: definition({ name: 'old-one', publish: true }),
    });
    const bad = await server.request('POST', '/admin/endpoints/old-one/deprecate', {
      body: { sunset: 'next tuesday' },
    });
    expect(bad.status).toBe(422);
    expect(bad.body.errors[0].path).toBe('/sunset');

    const deprecated = await server.request('POST', '/admin/endpoints/old-one/deprecate', {
      body: { sunset: '2030-01-31' },
    });
    expect(deprecated.status).toBe(200);
    expect(deprecated.body.status).toBe('deprecated');

    server.provider.push(jsonCompletion({ label: 'negative', score: 0.1 }));
    const call = await server.request('POST', '/v1/old-one', { body: { text: 'meh' } });
    expect(call.status).toBe(200);
    expect(call.headers.get('deprecation')).toMatch(/^@\d+$/);
    expect(call.headers.get('sunset')).toBe('Thu, 31 Jan 2030 00:00:00 GMT');

    const retired = await server.request('DELETE', '/admin/endpoints/old-one');
    expect(retired.status).toBe(204);
    const gone = await server.request('POST', '/v1/old-one', { body: { text: 'meh' } });
    expect(gone.status).toBe(410);
    expect(gone.body.code).toBe('endpoint_retired');

    const kept = await server.request('GET', '/admin/endpoints/old-one');
    expect(kept.body).toMatchObject({ status: 'retired', latestVersion: 1 });
  });

  it('refuses to deprecate a draft', async () => {
    await server.request('POST', '/admin/endpoints', { body: definition({ name: 'never-out' }) });
    const res = await server.request('POST', '/admin/endpoints/never-out/deprecate', {
      body: { sunset: '2030-01-01' },
    });
    expect(res.status).toBe(409);
  });

  it('lists endpoints with title, status and version numbers', async () => {
    await server.request('POST', '/admin/endpoints', {
      body: definition({ name: 'listed', title: 'Listed one' }),
    });
    const list = await server.request('GET', '/admin/endpoints');
    expect(list.status).toBe(200);
    const item = list.body.items.find((i: { name: string }) => i.name === 'listed');
    expect(item).toMatchObject({
      name: 'listed',
      title: 'Listed one',
      status: 'draft',
      publishedVersion: null,
      latestVersion: 1,
      updatedAt: expect.any(String),
    });
  });

  it('answers 404 endpoint_not_found for admin routes of an unknown endpoint', async () => {
    const res = await server.request('GET', '/admin/endpoints/nobody-here');
    expect(res.status).toBe(404);
    expect(res.body.code).toBe('endpoint_not_found');
  });

  it('runs a draft version through the test route and shows messages, attempts and usage', async () => {
    await server.request('POST', '/admin/endpoints', { body: definition({ name: 'tested' }) });
    server.provider.script([
      { status: 502, text: '<html>bad</html>' },
      jsonCompletion({ label: 'positive', score: 1 }),
    ]);
    const res = await server.request('POST', '/admin/endpoints/tested/test', {
      body: { input: { text: 'great' } },
    });
    expect(res.status).toBe(200);
    expect(res.body.output).toEqual({ label: 'positive', score: 1 });
    expect(res.body.version).toBe(1);
    expect(res.body.model).toBe('default/gpt-4o-mini');
    expect(res.body.attempts).toHaveLength(2);
    expect(res.body.attempts[0]).toMatchObject({ status: 502, outcome: 'http_error' });
    expect(res.body.messages[0].role).toBe('system');
    expect(res.body.messages[0].content).toContain('JSON Schema');
    expect(res.body.messages[1]).toEqual({ role: 'user', content: 'Message:\ngreat' });
    expect(res.body.usage.inputTokens).toBeGreaterThan(0);
  });

  it('lists providers without secrets', async () => {
    const res = await server.request('GET', '/admin/providers');
    expect(res.status).toBe(200);
    expect(res.body.items[0].name).toBe('default');
    expect(res.text).not.toContain('sk-test-key');
    const reset = await server.request('POST', '/admin/providers/default/reset');
    expect(reset.status).toBe(204);
  });
});
