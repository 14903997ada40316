import { validateOpenApi } from '../openapi/helpers';
import { definition, startTestServer, type TestServer } from '../support/test-server';
import { parse as parseYaml } from 'yaml';

describe('operational routes', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ seedTemplates: true });
    await server.request('POST', '/admin/endpoints', { body: definition({ name: 'draft-only' }) });
    await server.request('POST', '/admin/endpoints', {
      body: definition({ name: 'going-away', publish: true }),
    });
    await server.request('POST', '/admin/endpoints/going-away/deprecate', {
      body: { sunset: '2031-01-01T00:00:00Z' },
    });
  });
  afterAll(() => server.stop());

  it('answers /healthz and /readyz without credentials', async () => {
    expect((await server.request('GET', '/healthz', { token: null })).status).toBe(200);
    const ready = await server.request('GET', '/readyz', { token: null });
    expect(ready.status).toBe(200);
    expect(ready.body.status).toBe('ready');
  });

  it('serves an OpenAPI 3.1 document of published and deprecated endpoints that validates', async () => {
    const res = await server.request('GET', '/openapi.json', { token: null });
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe('3.1.0');
    expect(Object.keys(res.body.paths)).toEqual(
      expect.arrayContaining(['/v1/sentiment', '/v1/translate', '/v1/going-away']),
    );
    expect(res.body.paths['/v1/draft-only']).toBeUndefined();
    expect(res.body.paths['/v1/going-away'].post.deprecated).toBe(true);
    const result = validateOpenApi(res.body);
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
  });

  it('serves the same document as YAML', async () => {
    const json = await server.request('GET', '/openapi.json', { token: null });
    const yaml = await server.request('GET', '/openapi.yaml', { token: null });
    expect(yaml.status).toBe(200);
    expect(yaml.headers.get('content-type')).toMatch(/yaml/);
    expect(parseYaml(yaml.text)).toEqual(json.body);
  });

  it('serves one endpoint document through the admin API', async () => {
    const res = await server.request('GET', '/admin/endpoints/sentiment/openapi');
    expect(res.status).toBe(200);
    expect(Object.keys(res.body.paths).filter((p) => !p.includes('/v1/sentiment'))).toEqual([]);
    expect(validateOpenApi(res.body).valid).toBe(true);
  });

  it('serves /docs with every asset from promptgate itself', async () => {
    const page = await server.request('GET', '/docs', { token: null });
    expect(page.status).toBe(200);
    expect(page.text).not.toMatch(/src="https?:/);
    const assets = [...page.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    expect(assets.length).toBeGreaterThan(0);
    for (const asset of assets) {
      const res = await fetch(new URL(asset, `${server.url}/docs`));
      expect(res.status).toBe(200);
    }
  });
});
