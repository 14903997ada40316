import { readdirSync } from 'node:fs';
import Handlebars from 'handlebars';
import { loadTemplates, TEMPLATES_DIR } from '../openapi/helpers';

const NAME_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;
const REQUIRED = ['sentiment', 'translate', 'summarize', 'extract-contact', 'classify-ticket'];
const ALLOWED_HELPERS = new Set(['json', 'join', 'default', 'if', 'unless', 'each', 'with']);
const FIELDS = new Set([
  'name',
  'title',
  'description',
  'tags',
  'input',
  'output',
  'prompt',
  'model',
  'retry',
  'repair',
  'cache',
  'auth',
  'examples',
]);

type Schema = Record<string, any>;

/**
 * Every `{{path}}` of a template with the schema it must resolve in; `#each` and `#with` move
 * into `items` and `properties`, as the save-time check does (API.md section 6a).
 */
function references(template: string, schema: Schema): Array<{ path: string; found: boolean }> {
  const found: Array<{ path: string; found: boolean }> = [];
  const resolve = (scope: Schema | undefined, parts: string[]): Schema | undefined =>
    parts.reduce<Schema | undefined>((s, part) => s?.properties?.[part], scope);

  const visitExpression = (node: any, scope: Schema | undefined) => {
    if (node?.type !== 'PathExpression' || node.data) return;
    found.push({ path: node.original, found: resolve(scope, node.parts) !== undefined });
  };
  const visit = (program: any, scope: Schema | undefined) => {
    for (const node of program?.body ?? []) {
      if (node.type === 'MustacheStatement' || node.type === 'BlockStatement') {
        const helper = node.path.original;
        const isHelper = node.params.length > 0 || node.type === 'BlockStatement';
        if (isHelper) expect(ALLOWED_HELPERS.has(helper)).toBe(true);
        else visitExpression(node.path, scope);
        for (const param of node.params) visitExpression(param, scope);
        if (node.type === 'BlockStatement') {
          const target = resolve(scope, node.params[0]?.parts ?? []);
          const inner = helper === 'each' ? target?.items : helper === 'with' ? target : scope;
          visit(node.program, inner);
          visit(node.inverse, scope);
        }
      }
    }
  };
  visit(Handlebars.parse(template), schema);
  return found;
}

describe('templates', () => {
  const templates = [...loadTemplates().entries()];

  it('holds the five required templates and at least one more', () => {
    const names = templates.map(([name]) => name);
    expect(names).toEqual(expect.arrayContaining(REQUIRED));
    expect(names.length).toBeGreaterThanOrEqual(6);
    expect(readdirSync(TEMPLATES_DIR).every((f) => f.endsWith('.json'))).toBe(true);
  });

  it.each(templates)('%s: has the fields of a full definition', (file, raw: any) => {
    expect(raw.name).toBe(file);
    expect(raw.name).toMatch(NAME_PATTERN);
    for (const key of Object.keys(raw)) expect([key, FIELDS.has(key)]).toEqual([key, true]);
    expect(typeof raw.title).toBe('string');
    expect(raw.description.length).toBeGreaterThan(20);
    expect(raw.tags.length).toBeGreaterThan(0);
    expect(raw.input).toMatchObject({ type: 'object', additionalProperties: false });
    expect(raw.output).toMatchObject({ type: 'object', additionalProperties: false });
    expect(typeof raw.prompt.system).toBe('string');
    expect(typeof raw.prompt.user).toBe('string');
    expect(raw.model).toMatchObject({ provider: 'default', name: 'gpt-4o-mini' });
    expect(typeof raw.model.temperature).toBe('number');
    expect(Number.isInteger(raw.model.maxTokens)).toBe(true);
    expect(raw.examples.length).toBeGreaterThanOrEqual(2);
    for (const example of raw.examples)
      expect(Object.keys(example).sort()).toEqual(['input', 'output']);
  });

  it.each(templates)('%s: bounds every string of its input', (_, raw: any) => {
    const strings: Schema[] = [];
    const walk = (schema: Schema) => {
      if (schema.type === 'string') strings.push(schema);
      Object.values(schema.properties ?? {}).forEach((s) => walk(s as Schema));
      if (schema.items) walk(schema.items);
      if (schema.type === 'object') expect(schema.additionalProperties).toBe(false);
    };
    walk(raw.input);
    for (const schema of strings) {
      expect(schema.maxLength !== undefined || schema.pattern !== undefined).toBe(true);
    }
  });

  it.each(templates)('%s: prompt references only declared input properties', (_, raw: any) => {
    for (const template of [raw.prompt.system, raw.prompt.user]) {
      for (const reference of references(template, raw.input)) {
        expect(reference).toEqual({ path: reference.path, found: true });
      }
    }
    expect(references(raw.prompt.user, raw.input).length).toBeGreaterThan(0);
  });

  it('has a reference check that spots undeclared properties', () => {
    const input = {
      type: 'object',
      properties: { rows: { type: 'array', items: { type: 'object', properties: { a: {} } } } },
    };
    const paths = (t: string) =>
      references(t, input)
        .filter((r) => !r.found)
        .map((r) => r.path);
    expect(paths('{{#each rows}}{{a}}{{/each}}{{rows}}')).toEqual([]);
    expect(paths('{{#each rows}}{{b}}{{/each}}{{missing}}{{#if other}}x{{/if}}')).toEqual([
      'b',
      'missing',
      'other',
    ]);
  });
});
