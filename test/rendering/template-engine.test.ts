import { HELPER_NAMES, compileTemplate, renderValue } from '../../src/rendering/template-engine';

function render(source: string, input: unknown): string {
  return compileTemplate(source)(input);
}

describe('compileTemplate', () => {
  it('renders apostrophes, ampersands, quotes and angle brackets verbatim', () => {
    const input = {
      customer: "O'Hara & Sons",
      message: 'We\'re "happy" <b>overall</b> `ok` = fine',
    };

    const out = render('Customer {{customer}} wrote:\n{{message}}', input);

    expect(out).toBe(`Customer O'Hara & Sons wrote:\n${input.message}`);
    expect(out).not.toMatch(/&#x27;|&#39;|&amp;|&quot;|&lt;/);
  });

  it('renders numbers and booleans as JSON text and null or missing as empty', () => {
    const out = render('{{n}}|{{f}}|{{t}}|{{z}}|{{nil}}|{{missing}}|{{e}}', {
      n: 0.5,
      f: false,
      t: true,
      z: 0,
      nil: null,
      e: 1e21,
    });

    expect(out).toBe('0.5|false|true|0|||1e+21');
  });

  it('renders objects and arrays as compact JSON, never [object Object]', () => {
    const input = { obj: { a: 1, b: ['x', { c: null }] }, list: [1, 'two', { three: 3 }] };

    expect(render('{{obj}} / {{list}}', input)).toBe(
      '{"a":1,"b":["x",{"c":null}]} / [1,"two",{"three":3}]',
    );
    expect(render('{{obj}}', input)).toBe('{"a":1,"b":["x",{"c":null}]}');
    expect(render('{{obj.b}}', input)).toBe('["x",{"c":null}]');
    expect(render('{{this}}', { a: 1 })).toBe('{"a":1}');
  });

  it('renders #each items that are objects as JSON', () => {
    const input = { items: [{ id: 1 }, { id: 2 }] };

    expect(render('{{#each items}}[{{this}}]{{/each}}', input)).toBe('[{"id":1}][{"id":2}]');
    expect(render('{{#each items}}{{@index}}:{{id}} {{/each}}', input)).toBe('0:1 1:2 ');
  });

  it('iterates objects with @key and keeps nested paths working', () => {
    const input = { user: { name: 'Ann', address: { city: 'Oslo' } }, scores: { a: 1, b: 2 } };

    expect(render('{{user.name}} in {{user.address.city}}', input)).toBe('Ann in Oslo');
    expect(render('{{#each scores}}{{@key}}={{this}};{{/each}}', input)).toBe('a=1;b=2;');
    expect(render('{{#with user}}{{name}}/{{../scores.a}}{{/with}}', input)).toBe('Ann/1');
  });

  it('keeps #if and #unless working with booleans, empty lists and objects', () => {
    const source = '{{#if flag}}yes{{else}}no{{/if}} {{#if list}}L{{else}}E{{/if}}';

    expect(render(source, { flag: true, list: [] })).toBe('yes E');
    expect(render(source, { flag: false, list: [1] })).toBe('no L');
    expect(render('{{#unless flag}}off{{/unless}}', { flag: false })).toBe('off');
    expect(render('{{#if obj}}has{{/if}}', { obj: {} })).toBe('has');
  });

  it('treats Handlebars syntax inside input values as text', () => {
    const input = { text: '{{constructor}} {{#each x}}{{this}}{{/each}} {{> partial}}' };

    expect(render('Say: {{text}}', input)).toBe(`Say: ${input.text}`);
  });

  it('keeps prototype members out of reach', () => {
    expect(render('[{{constructor}}][{{__proto__}}][{{text.constructor}}]', { text: 'a' })).toBe(
      '[][][]',
    );
  });

  it('renders an input key named toString like any other', () => {
    expect(render('{{toString}} {{this}}', { toString: 'x' })).toBe('x {"toString":"x"}');
  });

  it('provides the json helper with an optional indent', () => {
    const input = { obj: { a: [1, 2] }, s: 'hi' };

    expect(render('{{json obj}}', input)).toBe('{"a":[1,2]}');
    expect(render('{{json obj 2}}', input)).toBe('{\n  "a": [\n    1,\n    2\n  ]\n}');
    expect(render('{{json s}}|{{json missing}}', input)).toBe('"hi"|');
  });

  it('provides join with a default separator of ", "', () => {
    const input = { tags: ['a', 'b', { c: 1 }], one: 'solo' };

    expect(render('{{join tags}}', input)).toBe('a, b, {"c":1}');
    expect(render('{{join tags " | "}}', input)).toBe('a | b | {"c":1}');
    expect(render('{{join one}}', input)).toBe('solo');
  });

  it('provides default, upper, lower and trim', () => {
    const input = { name: '  Ann  ', empty: '', obj: { a: 1 } };

    expect(
      render('{{default missing "n/a"}}|{{default empty "none"}}|{{default name "x"}}', input),
    ).toBe('n/a|none|  Ann  ');
    expect(render('{{default obj "x"}}', input)).toBe('{"a":1}');
    expect(render('{{upper (trim name)}}|{{lower "ABC"}}', input)).toBe('ANN|abc');
  });

  it('throws at compile time on a syntax error', () => {
    expect(() => compileTemplate('Hello {{#if x}}')).toThrow(/Parse error|doesn't match/);
    expect(() => compileTemplate('{{#each items}}{{/if}}')).toThrow();
  });

  it('throws at compile time on an unknown helper call', () => {
    expect(() => compileTemplate('{{shout text}}')).toThrow(/unknown helper shout/);
    expect(() => compileTemplate('{{log text}}')).toThrow(/unknown helper log/);
  });

  it('renders a template without mustaches as is', () => {
    expect(render('plain & <simple>', {})).toBe('plain & <simple>');
    expect(render('', {})).toBe('');
  });

  it('does not mutate the input', () => {
    const input = { obj: { a: 1 }, list: [1] };
    const before = JSON.stringify(input);

    render('{{obj}}{{list}}{{#each list}}{{this}}{{/each}}', input);

    expect(JSON.stringify(input)).toBe(before);
    expect(Object.getPrototypeOf(input.obj)).toBe(Object.prototype);
  });

  it('exports its helper names', () => {
    expect([...HELPER_NAMES].sort()).toEqual(['default', 'join', 'json', 'lower', 'trim', 'upper']);
  });
});

describe('renderValue', () => {
  it('renders each JSON type per API.md 6a', () => {
    expect(renderValue("it's")).toBe("it's");
    expect(renderValue(3)).toBe('3');
    expect(renderValue(true)).toBe('true');
    expect(renderValue(null)).toBe('');
    expect(renderValue(undefined)).toBe('');
    expect(renderValue({ a: [1] })).toBe('{"a":[1]}');
  });
});
