import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { startTestServer, type TestServer } from '../support/test-server';

const TEMPLATES = path.join(__dirname, '..', '..', 'templates');
const files = readdirSync(TEMPLATES)
  .filter((f) => f.endsWith('.json'))
  .sort();
const templates = files.map((f) => JSON.parse(readFileSync(path.join(TEMPLATES, f), 'utf8')));

describe('shipped templates', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ seedTemplates: true });
  });
  afterAll(() => server.stop());
  beforeEach(() => server.provider.reset());

  it('number at least six and are all seeded and published into an empty store', async () => {
    expect(templates.length).toBeGreaterThanOrEqual(6);
    const list = await server.request('GET', '/admin/endpoints');
    const names = list.body.items.map((i: { name: string }) => i.name).sort();
    expect(names).toEqual(templates.map((t) => t.name).sort());
    for (const item of list.body.items) expect(item.status).toBe('published');
  });

  it.each(templates.map((t) => [t.name, t]))(
    '%s answers its first example end to end',
    async (_name, template) => {
      const [example] = template.examples;
      server.provider.push({ completion: { content: JSON.stringify(example.output) } });
      const res = await server.request('POST', `/v1/${template.name}`, { body: example.input });
      expect(res.status).toBe(200);
      expect(res.body).toEqual(example.output);
      const sent = server.provider.requests[0].body;
      expect(sent.model).toBe(template.model.name);
      expect(JSON.stringify(sent.messages)).not.toContain('[object Object]');
    },
  );

  it('seeding again leaves existing endpoints alone', async () => {
    const { seedTemplates } = await import('../../src/definitions/seed');
    const { openStore } = await import('../../src/storage');
    const store = await openStore({ dataDir: server.dataDir });
    try {
      const result = await seedTemplates(store);
      expect(result.created).toEqual([]);
      expect(result.skipped.length).toBe(templates.length);
    } finally {
      await store.close();
    }
  });
});
