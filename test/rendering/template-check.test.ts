import { checkTemplate } from '../../src/rendering/template-check';

const schema = {
  type: 'object',
  required: ['text'],
  properties: {
    text: { type: 'string' },
    flag: { type: 'boolean' },
    tags: { type: 'array', items: { type: 'string' } },
    user: {
      type: 'object',
      properties: {
        name: { type: 'string' },
        address: { type: 'object', properties: { city: { type: 'string' } } },
      },
    },
    items: {
      type: 'array',
      items: {
        type: 'object',
        properties: { name: { type: 'string' }, qty: { type: 'integer' } },
      },
    },
    pair: { type: 'array', prefixItems: [{ type: 'string' }, { $ref: '#/$defs/point' }] },
    meta: { type: 'object', additionalProperties: true },
    labels: { type: 'object', additionalProperties: { type: 'object', properties: { en: {} } } },
    point: { $ref: '#/$defs/point' },
    legacy: { $ref: '#/definitions/legacy' },
  },
  additionalProperties: false,
  $defs: { point: { type: 'object', properties: { x: { type: 'number' } } } },
  definitions: { legacy: { type: 'object', properties: { old: { type: 'string' } } } },
};

function check(source: string): string[] {
  return checkTemplate(source, schema, '/prompt/user').map((error) => {
    expect(error.path).toBe('/prompt/user');
    return error.message;
  });
}

describe('checkTemplate', () => {
  it('accepts declared top-level and nested paths', () => {
    expect(check('{{text}} {{user.name}} {{user.address.city}} {{this.text}}')).toEqual([]);
  });

  it('refuses an undeclared property with its line and column', () => {
    const errors = check('Hi\n  {{txt}}');

    expect(errors).toEqual([
      'references "txt", which the input schema does not declare (line 2, column 5)',
    ]);
  });

  it('refuses an undeclared nested property', () => {
    expect(check('{{user.nmae}}')[0]).toMatch(/^references "user.nmae", which the input schema/);
    expect(check('{{text.length.foo}}')).toHaveLength(1);
  });

  it('follows #each into array items, with this, @index, @first and ../', () => {
    const source =
      '{{#each items}}{{@index}}{{#if @first}}!{{/if}} ' +
      '{{name}} x{{qty}} {{this}} {{../text}}{{/each}}';

    expect(check(source)).toEqual([]);
    expect(check('{{#each items}}{{price}}{{/each}}')).toEqual([
      expect.stringMatching(/^references "price", which/),
    ]);
    expect(check('{{#each tags}}{{this}}{{/each}}')).toEqual([]);
  });

  it('checks block params of #each and #with', () => {
    expect(check('{{#each items as |item i|}}{{i}}:{{item.name}}{{/each}}')).toEqual([]);
    expect(check('{{#each items as |item|}}{{item.nope}}{{/each}}')).toHaveLength(1);
    expect(check('{{#with user as |u|}}{{u.address.city}}{{/with}}')).toEqual([]);
  });

  it('changes context in #with and keeps it in #if', () => {
    expect(check('{{#with user}}{{name}} {{address.city}}{{else}}{{text}}{{/with}}')).toEqual([]);
    expect(check('{{#with user}}{{text}}{{/with}}')).toHaveLength(1);
    expect(check('{{#if flag}}{{text}}{{else}}{{user.name}}{{/if}}')).toEqual([]);
    expect(check('{{#unless flag}}{{nope}}{{/unless}}')).toHaveLength(1);
  });

  it('checks the arguments of helpers and subexpressions', () => {
    expect(
      check('{{join tags ", "}} {{default text "none"}} {{upper (default text "x")}}'),
    ).toEqual([]);
    expect(check('{{json user 2}} {{lower user.name}} {{trim text}}')).toEqual([]);
    expect(check('{{join tagz}}')).toEqual([expect.stringMatching(/references "tagz"/)]);
  });

  it('refuses unknown helpers and unknown block helpers', () => {
    expect(check('{{shout text}}')).toEqual([
      expect.stringMatching(/^calls unknown helper "shout"/),
    ]);
    expect(check('{{upper (shout text)}}')).toEqual([
      expect.stringMatching(/^calls unknown helper "shout"/),
    ]);
    expect(check('{{#repeat text}}x{{/repeat}}')).toEqual([
      expect.stringMatching(/^uses unknown block helper "repeat"/),
    ]);
    expect(check('{{#json text}}x{{/json}}')).toEqual([
      expect.stringMatching(/not a block helper/),
    ]);
    expect(check('{{log text}}')).toHaveLength(1);
    expect(check('{{lookup user "name"}}')).toHaveLength(1);
  });

  it('reports a syntax error with the parser message', () => {
    const errors = checkTemplate('Hello\n{{#if text}}', schema, '/prompt/messages/1/content');

    expect(errors).toHaveLength(1);
    expect(errors[0].path).toBe('/prompt/messages/1/content');
    expect(errors[0].message).toMatch(/^template syntax error: Parse error on line 2/);
    expect(check('{{#if text}}{{/each}}')[0]).toMatch(/doesn't match/);
    expect(check('{{text')[0]).toMatch(/syntax error/);
  });

  it('follows prefixItems, indexes and local $refs', () => {
    expect(
      check('{{pair.[0]}} {{pair.[1].x}} {{point.x}} {{legacy.old}} {{tags.[0]}} {{tags.length}}'),
    ).toEqual([]);
    expect(check('{{pair.[1].y}}')).toHaveLength(1);
    expect(check('{{point.y}}')).toHaveLength(1);
  });

  it('lets additionalProperties true or a schema declare unknown children', () => {
    expect(check('{{meta.anything.deeper}}')).toEqual([]);
    expect(check('{{labels.greeting.en}} {{#each labels}}{{@key}}={{en}}{{/each}}')).toEqual([]);
    expect(check('{{labels.greeting.fr}}')).toHaveLength(1);
  });

  it('accepts @root and refuses data variables outside #each', () => {
    expect(check('{{#each items}}{{@root.text}}{{/each}}')).toEqual([]);
    expect(check('{{@index}}')).toEqual([expect.stringMatching(/outside of #each/)]);
    expect(check('{{@foo}}')).toEqual([expect.stringMatching(/unknown data variable/)]);
    expect(check('{{../text}}')).toEqual([expect.stringMatching(/above the top/)]);
  });

  it('follows allOf and anyOf branches', () => {
    const combined = {
      type: 'object',
      allOf: [{ properties: { a: { type: 'string' } } }],
      anyOf: [{ properties: { b: { type: 'string' } } }, { properties: { c: {} } }],
    };

    expect(checkTemplate('{{a}} {{b}} {{c}}', combined, '/p')).toEqual([]);
    expect(checkTemplate('{{d}}', combined, '/p')).toHaveLength(1);
  });

  it('treats only the true schema as open', () => {
    expect(checkTemplate('{{x.y.z}}', { type: 'object', properties: { x: true } }, '/p')).toEqual(
      [],
    );
    expect(checkTemplate('{{x.y}}', { type: 'object', properties: { x: {} } }, '/p')).toHaveLength(
      1,
    );
  });

  it('refuses partials and lists each distinct problem once', () => {
    expect(check('{{> header}}')).toEqual([expect.stringMatching(/partial/)]);
    expect(check('{{nope}} {{nope}} {{other}}')).toHaveLength(3);
  });

  it('reports an undeclared #each list once, without errors for its body', () => {
    expect(check('{{#each nope}}{{name}}{{/each}}')).toEqual([
      expect.stringMatching(/^references "nope"/),
    ]);
  });

  it('survives malformed and recursive $refs', () => {
    const recursive = {
      type: 'object',
      properties: { bad: { $ref: '#/$defs/%zz' }, node: { $ref: '#/$defs/node' } },
      $defs: { node: { type: 'object', properties: { next: { $ref: '#/$defs/node' } } } },
    };

    expect(checkTemplate('{{node.next.next.next}}', recursive, '/p')).toEqual([]);
    expect(checkTemplate('{{bad.x}}', recursive, '/p')).toHaveLength(1);
  });

  it('accepts plain text and comments', () => {
    expect(check("It's <fine> & {{!-- {{nope}} --}} done")).toEqual([]);
  });
});
