import { compileSchema, createAjv, normalizeDraft07 } from '../../src/validation/ajv';

describe('compileSchema', () => {
  it('compiles a 2020-12 schema and reports every error', () => {
    const result = compileSchema({
      type: 'object',
      required: ['a', 'b'],
      properties: { a: { type: 'string' } },
    });

    if (!result.ok) throw new Error(result.message);
    expect(result.validate({ a: 1 })).toBe(false);
    expect(result.validate.errors).toHaveLength(2);
  });

  it('applies ajv-formats', () => {
    const result = compileSchema({ type: 'string', format: 'email' });

    if (!result.ok) throw new Error(result.message);
    expect(result.validate('a@example.com')).toBe(true);
    expect(result.validate('nope')).toBe(false);
  });

  it('accepts draft-07 definitions, dependencies, tuple items and $schema', () => {
    const result = compileSchema({
      $schema: 'http://json-schema.org/draft-07/schema#',
      definitions: { name: { type: 'string' } },
      type: 'object',
      properties: {
        who: { $ref: '#/definitions/name' },
        pair: {
          type: 'array',
          items: [{ type: 'string' }, { type: 'number' }],
          additionalItems: false,
        },
      },
      dependencies: { who: ['pair'] },
    });

    if (!result.ok) throw new Error(result.message);
    expect(result.validate({ who: 'x', pair: ['a', 1] })).toBe(true);
    expect(result.validate({ who: 1, pair: ['a', 1] })).toBe(false);
    expect(result.validate({ who: 'x' })).toBe(false);
    expect(result.validate({ pair: ['a', 1, 2] })).toBe(false);
    expect(result.validate({ pair: [1, 1] })).toBe(false);
  });

  it('reports a schema that breaks the meta-schema instead of throwing', () => {
    const result = compileSchema({ type: 'strin' });

    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.message).toMatch(/^invalid schema: /);
    expect(result.errors.length).toBeGreaterThan(0);
  });

  it('reports a schema that fails to compile instead of throwing', () => {
    const badRef = compileSchema({ $ref: '#/$defs/missing' });
    const badPattern = compileSchema({ type: 'string', pattern: '(' });

    expect(badRef).toMatchObject({ ok: false, message: expect.stringMatching(/does not compile/) });
    expect(badPattern.ok).toBe(false);
    expect(compileSchema('nope' as unknown as object).ok).toBe(false);
  });

  it('ignores unknown keywords and formats', () => {
    expect(compileSchema({ type: 'string', format: 'my-format', 'x-note': 1 }).ok).toBe(true);
  });

  it('checks required on own properties only', () => {
    const result = compileSchema({ type: 'object', required: ['constructor', 'toString'] });

    if (!result.ok) throw new Error(result.message);
    expect(result.validate({})).toBe(false);
  });

  it('compiles in a caller-provided instance', () => {
    const ajv = createAjv();
    const result = compileSchema({ type: 'integer' }, ajv);

    if (!result.ok) throw new Error(result.message);
    expect(result.validate(2)).toBe(true);
    expect(result.validate(2.5)).toBe(false);
  });

  it('compiles two schemas with the same $id independently', () => {
    const first = compileSchema({ $id: 'https://example.com/s', type: 'string' });
    const second = compileSchema({ $id: 'https://example.com/s', type: 'number' });

    expect(first.ok && second.ok).toBe(true);
  });
});

describe('normalizeDraft07', () => {
  it('rewrites array items without touching the original', () => {
    const schema = { items: [{ type: 'string' }], additionalItems: { type: 'number' } };

    expect(normalizeDraft07(schema)).toEqual({
      prefixItems: [{ type: 'string' }],
      items: { type: 'number' },
    });
    expect(schema).toEqual({ items: [{ type: 'string' }], additionalItems: { type: 'number' } });
  });

  it('keeps a 2020-12 $schema', () => {
    const schema = { $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'string' };

    expect(normalizeDraft07(schema)).toEqual(schema);
  });
});
