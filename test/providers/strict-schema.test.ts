import Ajv2020 from 'ajv/dist/2020';
import { removeStrictNulls, toStrictSchema } from '../../src/providers/strict-schema';

const contact = {
  type: 'object',
  required: ['name'],
  properties: {
    name: { type: 'string' },
    email: { type: 'string' },
    phones: {
      type: 'array',
      items: {
        type: 'object',
        required: ['number'],
        properties: { number: { type: 'string' }, label: { type: 'string' } },
      },
    },
  },
};

describe('toStrictSchema', () => {
  it('closes every object and requires every property, optional ones nullable', () => {
    const strict = toStrictSchema(contact)!;
    expect(strict).toMatchObject({
      additionalProperties: false,
      required: ['name', 'email', 'phones'],
      properties: {
        name: { type: 'string' },
        email: { anyOf: [{ type: 'string' }, { type: 'null' }] },
      },
    });
    const item = (strict.properties as any).phones.anyOf[0].items;
    expect(item).toMatchObject({ additionalProperties: false, required: ['number', 'label'] });
  });

  it('gives up on keywords strict mode refuses and on open objects', () => {
    expect(
      toStrictSchema({ type: 'object', properties: { a: { not: { type: 'string' } } } }),
    ).toBeNull();
    expect(toStrictSchema({ type: 'object', additionalProperties: true })).toBeNull();
    expect(toStrictSchema({ type: 'array', items: {} })).toBeNull();
  });

  it('adapts local definitions that properties refer to', () => {
    const strict = toStrictSchema({
      type: 'object',
      required: ['a'],
      properties: { a: { $ref: '#/$defs/thing' } },
      $defs: { thing: { type: 'object', properties: { x: { type: 'number' } } } },
    })!;
    expect((strict.$defs as any).thing).toMatchObject({
      required: ['x'],
      additionalProperties: false,
    });
  });
});

describe('removeStrictNulls', () => {
  it('removes the nulls that stand for absent optional properties, so the original schema passes', () => {
    const answer = { name: 'Ada', email: null, phones: [{ number: '1', label: null }] };
    const cleaned = removeStrictNulls(answer, contact);
    expect(cleaned).toEqual({ name: 'Ada', phones: [{ number: '1' }] });
    expect(new Ajv2020().validate(contact, cleaned)).toBe(true);
  });

  it('keeps nulls where the original schema accepts them, and required ones for validation to catch', () => {
    const schema = {
      type: 'object',
      required: ['must'],
      properties: { must: { type: 'string' }, maybe: { type: ['string', 'null'] } },
    };
    expect(removeStrictNulls({ must: null, maybe: null }, schema)).toEqual({
      must: null,
      maybe: null,
    });
  });
});
