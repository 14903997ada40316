import path from 'node:path';
import { ConfigError, loadConfig } from '../../src/config';

describe('loadConfig', () => {
  it('applies defaults for an empty environment', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 3000,
      dataDir: path.resolve('./data'),
      bodyLimitBytes: 1024 * 1024,
      logLevel: 'info',
      seedTemplates: true,
      providers: [],
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('makes the default provider from OPENAI_BASE_URL and OPENAI_API_KEY', () => {
    const config = loadConfig({ OPENAI_BASE_URL: 'http://localhost:11434/v1' });
    expect(config.providers).toEqual([
      {
        name: 'default',
        baseURL: 'http://localhost:11434/v1',
        apiKey: undefined,
        supportsJsonSchema: false,
      },
    ]);
    const openai = loadConfig({ OPENAI_API_KEY: 'sk-x' });
    expect(openai.providers[0].baseURL).toBe('https://api.openai.com/v1');
  });

  it('names the variable that is wrong', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(ConfigError);
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/^PORT/);
    expect(() => loadConfig({ ADMIN_TOKEN: 'short' })).toThrow(/^ADMIN_TOKEN/);
    expect(() => loadConfig({ OPENAI_BASE_URL: 'localhost' })).toThrow(/^OPENAI_BASE_URL/);
    expect(() => loadConfig({ PORT: '70000' })).toThrow(/^PORT/);
  });
});
