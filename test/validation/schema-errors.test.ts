import { compileSchema } from '../../src/validation/ajv';
import { exceedsDepth, maxDepth, toFieldErrors } from '../../src/validation/schema-errors';

function errorsFor(schema: object, value: unknown, base?: string) {
  const result = compileSchema(schema);
  if (!result.ok) throw new Error(result.message);
  result.validate(value);
  return toFieldErrors(result.validate.errors, base);
}

const translate = {
  type: 'object',
  required: ['text', 'target'],
  properties: {
    text: { type: 'string', minLength: 1 },
    target: { enum: ['de', 'fr', 'es', 'it'] },
  },
  additionalProperties: false,
};

describe('toFieldErrors', () => {
  it('lists every failure, an unexpected property at its own path', () => {
    const errors = errorsFor(translate, { text: 'Save', target: 'german', tone: 'formal' });

    expect(errors).toEqual(
      expect.arrayContaining([
        { path: '/tone', message: 'is not allowed' },
        { path: '/target', message: 'must be one of "de", "fr", "es", "it"' },
      ]),
    );
    expect(errors).toHaveLength(2);
  });

  it('reports a missing property at its own path', () => {
    expect(errorsFor(translate, { target: 'de' })).toEqual([
      { path: '/text', message: 'is required' },
    ]);
  });

  it('nests paths and escapes ~ and / per RFC 6901', () => {
    const schema = {
      type: 'object',
      properties: {
        'a/b': {
          type: 'object',
          properties: { 'c~d': { type: 'number' } },
          additionalProperties: false,
        },
      },
    };

    const errors = errorsFor(schema, { 'a/b': { 'c~d': 'x', 'e/f': 1 } });

    expect(errors).toEqual(
      expect.arrayContaining([
        { path: '/a~1b/c~0d', message: 'must be number' },
        { path: '/a~1b/e~1f', message: 'is not allowed' },
      ]),
    );
  });

  it('prefixes a base pointer and reports array items by index', () => {
    const schema = { type: 'array', items: { type: 'string' } };

    expect(errorsFor(schema, ['a', 2], '/input')).toEqual([
      { path: '/input/1', message: 'must be string' },
    ]);
  });

  it('keeps ajv messages for other rules and reports const', () => {
    expect(errorsFor({ type: 'string', maxLength: 2 }, 'abc')).toEqual([
      { path: '', message: 'must NOT have more than 2 characters' },
    ]);
    expect(errorsFor({ const: 'x' }, 'y')).toEqual([{ path: '', message: 'must be equal to "x"' }]);
  });

  it('dedupes identical entries', () => {
    const errors = toFieldErrors([
      {
        keyword: 'required',
        instancePath: '',
        schemaPath: '#/required',
        params: { missingProperty: 'a' },
      },
      {
        keyword: 'required',
        instancePath: '',
        schemaPath: '#/anyOf/0/required',
        params: { missingProperty: 'a' },
      },
    ]);

    expect(errors).toEqual([{ path: '/a', message: 'is required' }]);
  });

  it('accepts null and undefined', () => {
    expect(toFieldErrors(null)).toEqual([]);
    expect(toFieldErrors(undefined)).toEqual([]);
  });
});

function nest(levels: number, kind: 'array' | 'object'): unknown {
  let value: unknown = 'leaf';
  for (let i = 0; i < levels; i++) value = kind === 'array' ? [value] : { a: value };
  return value;
}

describe('exceedsDepth', () => {
  it('allows 64 levels and refuses 65', () => {
    expect(exceedsDepth(nest(64, 'object'))).toBe(false);
    expect(exceedsDepth(nest(65, 'object'))).toBe(true);
    expect(exceedsDepth(nest(65, 'array'))).toBe(true);
    expect(exceedsDepth('scalar', 0)).toBe(false);
    expect(exceedsDepth({}, 0)).toBe(true);
  });

  it('handles 100000 levels without overflowing the stack', () => {
    const deep = nest(100_000, 'array');

    expect(exceedsDepth(deep)).toBe(true);
    expect(maxDepth(deep)).toBe(100_000);
  });

  it('finds a deep branch beside shallow ones', () => {
    expect(exceedsDepth({ a: 1, b: [1, 2], c: { d: nest(64, 'array') } })).toBe(true);
  });
});

describe('maxDepth', () => {
  it('counts objects and arrays', () => {
    expect(maxDepth(1)).toBe(0);
    expect(maxDepth([])).toBe(1);
    expect(maxDepth({ a: [{ b: 1 }], c: 2 })).toBe(3);
  });
});
