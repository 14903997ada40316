import { ProviderRegistry } from '../../src/providers/registry';

const CONFIGS = [
  {
    name: 'default',
    baseURL: 'https://user:pw@api.example.com/v1?token=abc',
    apiKey: 'sk-very-secret',
    headers: { 'x-secret': 'also-secret' },
    supportsJsonSchema: true,
  },
  { name: 'local', baseURL: 'http://127.0.0.1:11434/v1', supportsJsonSchema: false },
];

describe('ProviderRegistry', () => {
  const registry = new ProviderRegistry(CONFIGS);
  afterAll(() => registry.close());

  it('finds providers by name', () => {
    expect(registry.names()).toEqual(['default', 'local']);
    expect(registry.get('local')?.config.baseURL).toBe('http://127.0.0.1:11434/v1');
    expect(registry.get('missing')).toBeUndefined();
  });

  it('builds each client once, with SDK retries off', () => {
    const client = registry.get('default')?.client;

    expect(registry.get('default')?.client).toBe(client);
    expect(client?.maxRetries).toBe(0);
    expect(client?.baseURL).toBe(CONFIGS[0].baseURL);
  });

  it('uses a placeholder key for a provider without one', () => {
    expect(registry.get('local')?.client.apiKey).toBe('none');
  });

  it('describes providers without secrets', () => {
    const described = registry.describe();

    expect(described).toEqual([
      { name: 'default', host: 'api.example.com', supportsJsonSchema: true },
      { name: 'local', host: '127.0.0.1:11434', supportsJsonSchema: false },
    ]);
    expect(JSON.stringify(described)).not.toMatch(/secret|pw|token/);
  });

  it('refuses a provider name given twice', () => {
    expect(() => new ProviderRegistry([CONFIGS[1], CONFIGS[1]])).toThrow(/configured twice/);
  });
});
