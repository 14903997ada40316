import { coerceToSchema } from '../../src/validation/coerce';

const sentiment = {
  type: 'object',
  required: ['label', 'score'],
  properties: {
    label: { enum: ['positive', 'negative', 'neutral'] },
    score: { type: 'number', minimum: 0, maximum: 1 },
    count: { type: 'integer' },
    note: { type: 'string' },
    either: { type: ['number', 'string'] },
  },
  additionalProperties: false,
};

describe('coerceToSchema', () => {
  it('converts a numeric string where a number is wanted', () => {
    expect(coerceToSchema({ label: 'positive', score: '0.97' }, sentiment)).toEqual({
      label: 'positive',
      score: 0.97,
    });
    expect(coerceToSchema({ score: ' -1e-3 ' }, sentiment)).toEqual({ score: -0.001 });
  });

  it('converts to an integer only when the number is integral', () => {
    expect(coerceToSchema({ count: '12' }, sentiment)).toEqual({ count: 12 });
    expect(coerceToSchema({ count: '1.5' }, sentiment)).toEqual({ count: '1.5' });
  });

  it('leaves non-numeric strings and strings a string type allows', () => {
    expect(coerceToSchema({ score: 'high', note: '5', either: '7' }, sentiment)).toEqual({
      score: 'high',
      note: '5',
      either: '7',
    });
    expect(coerceToSchema({ score: '0x10' }, sentiment)).toEqual({ score: '0x10' });
    expect(coerceToSchema({ score: '' }, sentiment)).toEqual({ score: '' });
  });

  it('converts an enum or const value that differs only in letter case', () => {
    expect(coerceToSchema({ label: 'Positive' }, sentiment)).toEqual({ label: 'positive' });
    expect(coerceToSchema({ label: 'NEUTRAL' }, sentiment)).toEqual({ label: 'neutral' });
    expect(coerceToSchema('YES', { const: 'yes' })).toBe('yes');
    expect(coerceToSchema({ label: 'good' }, sentiment)).toEqual({ label: 'good' });
  });

  it('leaves a case-insensitive match alone when it is ambiguous', () => {
    expect(coerceToSchema('ok', { enum: ['OK', 'Ok'] })).toBe('ok');
  });

  it('drops properties the schema forbids', () => {
    expect(
      coerceToSchema({ label: 'positive', score: 1, reasoning: 'because' }, sentiment),
    ).toEqual({ label: 'positive', score: 1 });
  });

  it('keeps properties matched by patternProperties or allowed by default', () => {
    const schema = {
      type: 'object',
      properties: { a: { type: 'number' } },
      patternProperties: { '^x-': { type: 'number' } },
      additionalProperties: false,
    };

    expect(coerceToSchema({ a: '1', 'x-b': '2', c: 3 }, schema)).toEqual({ a: 1, 'x-b': 2 });
    expect(coerceToSchema({ extra: '1' }, { type: 'object' })).toEqual({ extra: '1' });
  });

  it('follows nested objects, 2020-12 items and prefixItems', () => {
    const schema = {
      type: 'object',
      properties: {
        results: {
          type: 'array',
          items: {
            type: 'object',
            properties: { label: { enum: ['bug', 'other'] }, n: { type: 'integer' } },
            additionalProperties: false,
          },
        },
        pair: { type: 'array', prefixItems: [{ type: 'number' }], items: { enum: ['a'] } },
      },
    };

    expect(
      coerceToSchema({ results: [{ label: 'BUG', n: '2', x: 1 }], pair: ['3', 'A', 'A'] }, schema),
    ).toEqual({ results: [{ label: 'bug', n: 2 }], pair: [3, 'a', 'a'] });
  });

  it('follows draft-07 array items with additionalItems', () => {
    const schema = {
      type: 'array',
      items: [{ type: 'number' }],
      additionalItems: { type: 'integer' },
    };

    expect(coerceToSchema(['1.5', '2', '2.5'], schema)).toEqual([1.5, 2, '2.5']);
  });

  it('follows local $refs into $defs and definitions', () => {
    const schema = {
      type: 'object',
      properties: { a: { $ref: '#/$defs/level' }, b: { $ref: '#/definitions/num' } },
      $defs: { level: { enum: ['low', 'high'] } },
      definitions: { num: { type: 'number' } },
    };

    expect(coerceToSchema({ a: 'HIGH', b: '4' }, schema)).toEqual({ a: 'high', b: 4 });
    expect(
      coerceToSchema('1', { $ref: '#/$defs/loop', $defs: { loop: { $ref: '#/$defs/loop' } } }),
    ).toBe('1');
  });

  it('changes nothing else', () => {
    const value = { label: 'positive', score: 1, count: 2.5, note: 7, flag: 'true', nested: null };
    const open = { ...sentiment, additionalProperties: true };

    expect(coerceToSchema(value, open)).toEqual(value);
    expect(coerceToSchema(value, true)).toBe(value);
    expect(coerceToSchema('1', { anyOf: [{ type: 'number' }] })).toBe('1');
  });

  it('never mutates the input', () => {
    const value = { label: 'Positive', score: '0.5', extra: { deep: [1] } };
    const before = JSON.stringify(value);

    const result = coerceToSchema(value, sentiment);

    expect(JSON.stringify(value)).toBe(before);
    expect(result).not.toBe(value);
  });

  it('keeps a __proto__ key as a plain property', () => {
    const value = JSON.parse('{"__proto__": {"polluted": true}, "score": "1"}');

    const result = coerceToSchema(value, { type: 'object' }) as Record<string, unknown>;

    expect(Object.getPrototypeOf(result)).toBe(Object.prototype);
    expect(Object.keys(result)).toEqual(['__proto__', 'score']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
