import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig } from '../../src/config';

const dir = mkdtempSync(path.join(tmpdir(), 'promptgate-providers-'));
function file(name: string, text: string): string {
  const full = path.join(dir, name);
  writeFileSync(full, text);
  return full;
}

describe('providers file', () => {
  it('reads providers and pools from YAML, keys from the named variables', () => {
    const yaml = file(
      'providers.yaml',
      [
        'providers:',
        '  - name: ollama',
        '    baseURL: http://localhost:11434/v1',
        '  - name: openrouter',
        '    baseURL: https://openrouter.ai/api/v1',
        '    apiKeyEnv: OPENROUTER_KEY',
        '    headers: { X-Title: promptgate }',
        '    supportsJsonSchema: true',
        '    circuit: { failureThreshold: 3, openMs: 10000 }',
        '    prices: { "gpt-4o-mini": { input: 0.15, output: 0.6 } }',
        'pools:',
        '  - name: spread',
        '    members: [{ provider: ollama, weight: 3 }, { provider: openrouter }]',
      ].join('\n'),
    );
    const config = loadConfig({
      PROVIDERS_FILE: yaml,
      OPENROUTER_KEY: 'sk-or',
      OPENAI_BASE_URL: 'http://127.0.0.1:9/v1',
    });
    expect(config.providers.map((p) => p.name)).toEqual(['default', 'ollama', 'openrouter']);
    const openrouter = config.providers[2];
    expect(openrouter).toMatchObject({
      apiKey: 'sk-or',
      headers: { 'X-Title': 'promptgate' },
      supportsJsonSchema: true,
      circuit: { failureThreshold: 3, openMs: 10000 },
      prices: { 'gpt-4o-mini': { input: 0.15, output: 0.6 } },
    });
    expect(config.pools).toEqual([
      {
        name: 'spread',
        members: [
          { provider: 'ollama', weight: 3 },
          { provider: 'openrouter', weight: 1 },
        ],
      },
    ]);
  });

  it('lets the environment win for the default provider URL and key', () => {
    const json = file(
      'default.json',
      JSON.stringify({
        providers: [{ name: 'default', baseURL: 'http://file/v1', headers: { 'X-A': 'b' } }],
      }),
    );
    const config = loadConfig({
      PROVIDERS_FILE: json,
      OPENAI_BASE_URL: 'http://env/v1',
      OPENAI_API_KEY: 'k',
    });
    expect(config.providers).toEqual([
      expect.objectContaining({
        name: 'default',
        baseURL: 'http://env/v1',
        apiKey: 'k',
        headers: { 'X-A': 'b' },
      }),
    ]);
  });

  it('names the file and the pointer of a bad entry', () => {
    const bad = file(
      'bad.json',
      JSON.stringify({ providers: [{ name: 'x', baseURL: 'ftp://x' }] }),
    );
    expect(() => loadConfig({ PROVIDERS_FILE: bad })).toThrow(ConfigError);
    expect(() => loadConfig({ PROVIDERS_FILE: bad })).toThrow(
      /PROVIDERS_FILE: .*bad\.json: \/providers\/0\/baseURL/,
    );
  });

  it('refuses a pool member that is not a provider, and duplicate names', () => {
    const pool = file(
      'pool.json',
      JSON.stringify({ pools: [{ name: 'p', members: [{ provider: 'ghost' }] }] }),
    );
    expect(() => loadConfig({ PROVIDERS_FILE: pool })).toThrow(/ghost/);
    const twice = file(
      'twice.json',
      JSON.stringify({
        providers: [
          { name: 'a', baseURL: 'http://a' },
          { name: 'a', baseURL: 'http://b' },
        ],
      }),
    );
    expect(() => loadConfig({ PROVIDERS_FILE: twice })).toThrow(/named twice/);
  });

  it('says when the file cannot be parsed or read', () => {
    const broken = file('broken.json', '{ nope');
    expect(() => loadConfig({ PROVIDERS_FILE: broken })).toThrow(/cannot be parsed/);
    expect(() => loadConfig({ PROVIDERS_FILE: path.join(dir, 'missing.json') })).toThrow(
      ConfigError,
    );
  });
});

describe('providers file: values that would start a half-configured gateway', () => {
  const write = (name: string, body: unknown) => file(name, JSON.stringify(body));

  it('refuses base URLs without a host, and header names or values that cannot be sent', () => {
    const noHost = write('nohost.json', { providers: [{ name: 'x', baseURL: 'http://' }] });
    expect(() => loadConfig({ PROVIDERS_FILE: noHost })).toThrow(/baseURL is not an http\(s\) URL/);
    const badName = write('hname.json', {
      providers: [{ name: 'x', baseURL: 'http://a/v1', headers: { 'bad header': 'v' } }],
    });
    expect(() => loadConfig({ PROVIDERS_FILE: badName })).toThrow(ConfigError);
    const badValue = write('hvalue.json', {
      providers: [{ name: 'x', baseURL: 'http://a/v1', headers: { 'X-A': 'a\nb' } }],
    });
    expect(() => loadConfig({ PROVIDERS_FILE: badValue })).toThrow(ConfigError);
  });

  it('refuses an apiKeyEnv that names an unset variable', () => {
    const unset = write('unset.json', {
      providers: [{ name: 'x', baseURL: 'http://a/v1', apiKeyEnv: 'NOT_SET_ANYWHERE' }],
    });
    expect(() => loadConfig({ PROVIDERS_FILE: unset })).toThrow(
      /NOT_SET_ANYWHERE, which is not set/,
    );
  });

  it("keeps the file's default URL when only OPENAI_API_KEY is set", () => {
    const local = write('local-default.json', {
      providers: [{ name: 'default', baseURL: 'http://127.0.0.1:9/v1' }],
    });
    const config = loadConfig({ PROVIDERS_FILE: local, OPENAI_API_KEY: 'k' });
    expect(config.providers[0]).toMatchObject({ baseURL: 'http://127.0.0.1:9/v1', apiKey: 'k' });
  });

  it('refuses weights that would overflow', () => {
    const huge = write('weights.json', {
      providers: [{ name: 'a', baseURL: 'http://a/v1' }],
      pools: [{ name: 'p', members: [{ provider: 'a', weight: 1e308 }] }],
    });
    expect(() => loadConfig({ PROVIDERS_FILE: huge })).toThrow(ConfigError);
  });
});
