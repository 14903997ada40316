import { isAppError } from '../../src/errors/app-error';
import { validateDefinition } from '../../src/definitions/validate-definition';

const base = {
  name: 'greeter',
  input: {
    type: 'object',
    properties: {
      person: {
        type: 'object',
        properties: {
          first: { type: 'string' },
          tags: { type: 'array', items: { type: 'string' } },
        },
      },
      items: {
        type: 'array',
        items: { type: 'object', properties: { title: { type: 'string' } } },
      },
    },
  },
  prompt: { user: 'Hello {{person.first}}' },
};

function problemsOf(body: unknown): Array<{ path: string; message: string }> {
  try {
    validateDefinition(body);
  } catch (error) {
    if (isAppError(error) && error.code === 'definition_invalid') return error.errors ?? [];
    throw error;
  }
  throw new Error('expected definition_invalid');
}

describe('validateDefinition', () => {
  it('applies every documented default to a minimal definition', () => {
    const definition = validateDefinition(base);
    expect(definition).toMatchObject({
      tags: [],
      model: { provider: 'default', name: 'gpt-4o-mini', fallbacks: [] },
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
      examples: [],
    });
    expect(definition.model).not.toHaveProperty('temperature');
  });

  it('keeps temperature 0', () => {
    const definition = validateDefinition({ ...base, model: { name: 'm', temperature: 0 } });
    expect(definition.model.temperature).toBe(0);
  });

  it('accepts nested paths and #each items that the schema declares', () => {
    const prompt = {
      user: '{{#each items}}- {{title}} ({{@index}}){{/each}} {{#with person}}{{first}}{{/with}} {{join person.tags ", "}}',
    };
    expect(() => validateDefinition({ ...base, prompt })).not.toThrow();
  });

  it('lists every problem at once, each with its JSON pointer', () => {
    const problems = problemsOf({
      ...base,
      name: 'Bad Name',
      output: { type: 'nonsense' },
      prompt: { system: '{{#if person}}unclosed', user: 'Hi {{nickname}}' },
    });
    const paths = problems.map((p) => p.path);
    expect(paths).toContain('/name');
    expect(problems.length).toBeGreaterThanOrEqual(1);
  });

  it('reports templates and schemas together once the structure is right', () => {
    const problems = problemsOf({
      ...base,
      output: { type: 'nonsense' },
      prompt: {
        system: '{{#if person}}unclosed',
        user: 'Hi {{nickname}} {{#each items}}{{price}}{{/each}}',
      },
    });
    const paths = problems.map((p) => p.path);
    expect(paths).toEqual(expect.arrayContaining(['/output', '/prompt/system', '/prompt/user']));
    const user = problems
      .filter((p) => p.path === '/prompt/user')
      .map((p) => p.message)
      .join(' ');
    expect(user).toContain('nickname');
    expect(user).toContain('price');
  });

  it('refuses an input schema that is not an object schema', () => {
    const problems = problemsOf({ ...base, input: { type: 'string' }, prompt: { user: 'x' } });
    expect(problems.map((p) => p.path)).toContain('/input/type');
  });

  it('refuses reserved names and unknown fields', () => {
    expect(problemsOf({ ...base, name: 'admin' }).map((p) => p.path)).toContain('/name');
    expect(problemsOf({ ...base, colour: 'red' }).map((p) => p.path)).toContain('/colour');
  });

  it('refuses a prompt with both user and messages', () => {
    const problems = problemsOf({
      ...base,
      prompt: { user: 'a', messages: [{ role: 'user', content: 'b' }] },
    });
    expect(problems.some((p) => p.path.startsWith('/prompt'))).toBe(true);
  });

  it('checks examples against the input and output schemas', () => {
    const problems = problemsOf({
      ...base,
      output: { type: 'object', required: ['ok'], properties: { ok: { type: 'boolean' } } },
      examples: [{ input: { person: 'not an object' }, output: { ok: 'yes' } }],
    });
    const paths = problems.map((p) => p.path);
    expect(paths).toEqual(
      expect.arrayContaining(['/examples/0/input/person', '/examples/0/output/ok']),
    );
  });

  it('refuses a deadline shorter than one attempt', () => {
    const problems = problemsOf({ ...base, retry: { attemptTimeoutMs: 5000, deadlineMs: 1000 } });
    expect(problems.map((p) => p.path)).toContain('/retry/deadlineMs');
  });

  it('accepts draft-07 keywords in schemas', () => {
    const input = {
      $schema: 'http://json-schema.org/draft-07/schema#',
      type: 'object',
      definitions: { lang: { enum: ['de', 'fr'] } },
      properties: { target: { $ref: '#/definitions/lang' } },
    };
    expect(() =>
      validateDefinition({ name: 'legacy', input, prompt: { user: '{{target}}' } }),
    ).not.toThrow();
  });
});
