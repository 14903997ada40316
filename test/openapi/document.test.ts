import Ajv2020 from 'ajv/dist/2020';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';
import { ERROR_CODES } from '../../src/errors/codes';
import {
  buildEndpointDocument,
  buildOpenApiDocument,
  toYaml,
  type DocumentEntry,
  type OpenApiDocument,
} from '../../src/openapi/document';
import {
  entry,
  loadTemplates,
  validateOpenApi,
  withDefaults,
  type PartialDefinition,
} from './helpers';

type Json = Record<string, any>;

const prompt = { user: 'Say hello.' };
const textInput = {
  type: 'object',
  required: ['text'],
  properties: { text: { type: 'string', maxLength: 100 } },
  additionalProperties: false,
};

/** A draft-07 schema document as users paste it: `$schema`, `$id`, `definitions`, `$ref`s. */
const draft07Tree = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://example.com/schemas/tree.json',
  type: 'object',
  required: ['root'],
  properties: {
    root: { $ref: '#/definitions/node' },
    owner: { $ref: 'tree.json#/definitions/person' },
    pair: {
      type: 'array',
      items: [{ type: 'string' }, { type: 'integer' }],
      additionalItems: false,
    },
    billing: { type: 'object', dependencies: { card: ['cvc'], iban: { required: ['bic'] } } },
  },
  additionalProperties: false,
  definitions: {
    node: {
      type: 'object',
      required: ['label'],
      properties: {
        label: { type: 'string' },
        children: { type: 'array', items: { $ref: '#/definitions/node' }, maxItems: 3 },
        parent: { $ref: '#' },
      },
      additionalProperties: false,
    },
    person: {
      $id: 'person.json',
      type: 'object',
      properties: { email: { type: 'string', format: 'email' }, self: { $ref: '#' } },
    },
  },
};

const anchored = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  properties: {
    a: { $ref: '#money' },
    b: { $ref: '#/$defs/money' },
    c: { $ref: '#/properties/a' },
  },
  $defs: { money: { $anchor: 'money', type: 'number', minimum: 0 } },
};

function allEntries(): DocumentEntry[] {
  const templates = [...loadTemplates().values()].map((raw) => entry(raw));
  return [
    ...templates,
    entry(
      { name: 'old-sentiment', title: 'Old sentiment', input: textInput, prompt, tags: ['nlp'] },
      'deprecated',
      { sunset: '2030-01-01', deprecatedAt: '2025-01-02T00:00:00.000Z' },
    ),
    entry({ name: 'legacy', input: textInput, prompt }, 'deprecated'),
    entry({
      name: 'echo',
      input: textInput,
      prompt,
      auth: 'public',
      examples: [{ input: { text: 'hi' }, output: 'Hello!' }],
    }),
    entry({ name: 'tree', input: draft07Tree, output: anchored, prompt }),
    entry({ name: 'bool-output', input: { type: 'object' }, output: true, prompt }),
    entry({ name: 'secret-draft', input: textInput, prompt }, 'draft'),
    entry({ name: 'gone', input: textInput, prompt }, 'retired'),
  ];
}

function operations(doc: OpenApiDocument): Json[] {
  return Object.values(doc.paths).flatMap((item) => Object.values(item as Json));
}

/** Resolves a `#/...` reference inside the document; undefined when it points nowhere. */
function resolve(doc: object, ref: string): unknown {
  const segments = decodeURIComponent(ref.slice(2))
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  return segments.reduce<any>((node, s) => (node == null ? undefined : node[s]), doc);
}

function collectRefs(node: unknown, found: string[] = []): string[] {
  if (Array.isArray(node)) node.forEach((n) => collectRefs(n, found));
  else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string') found.push(value);
      else collectRefs(value, found);
    }
  }
  return found;
}

function hasKeyDeep(node: unknown, key: string): boolean {
  if (Array.isArray(node)) return node.some((n) => hasKeyDeep(n, key));
  if (!node || typeof node !== 'object') return false;
  return Object.entries(node).some(([k, v]) => k === key || hasKeyDeep(v, key));
}

/** An ajv that compiles the document's component schemas as the document's dialect does. */
function documentValidator(doc: OpenApiDocument) {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema({ $id: 'https://doc.test/openapi.json', components: doc.components });
  return (name: string) =>
    ajv.compile({ $ref: `https://doc.test/openapi.json#/components/schemas/${name}` });
}

describe('buildOpenApiDocument', () => {
  const doc = buildOpenApiDocument(allEntries(), {
    title: 'Test API',
    serverUrl: 'https://api.test',
  });

  it('passes the standard OpenAPI 3.1 validator', () => {
    const result = validateOpenApi(doc);
    expect(result.errors).toBeUndefined();
    expect(result).toMatchObject({ valid: true, version: '3.1' });
  });

  it('writes the 3.1 header, info, servers and the 2020-12 dialect', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.jsonSchemaDialect).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(doc.info).toMatchObject({ title: 'Test API', version: '1.0.0' });
    expect(doc.servers).toEqual([{ url: 'https://api.test' }]);
  });

  it('documents published and deprecated endpoints with call, batch and stream', () => {
    for (const name of ['sentiment', 'generate-sql', 'old-sentiment', 'legacy', 'echo', 'tree']) {
      expect(Object.keys(doc.paths)).toEqual(
        expect.arrayContaining([`/v1/${name}`, `/v1/${name}/batch`, `/v1/${name}/stream`]),
      );
    }
  });

  it('leaves draft and retired endpoints out', () => {
    const paths = Object.keys(doc.paths).join(' ');
    expect(paths).not.toMatch(/secret-draft|gone/);
    expect(JSON.stringify(doc.components.schemas)).not.toMatch(/SecretDraft|Gone/);
  });

  it('marks every operation of a deprecated endpoint and gives the sunset', () => {
    for (const suffix of ['', '/batch', '/stream']) {
      expect(doc.paths[`/v1/old-sentiment${suffix}`].post).toMatchObject({ deprecated: true });
    }
    const call = doc.paths['/v1/old-sentiment'].post as Json;
    expect(call.description).toContain('2030-01-01');
    expect(Object.keys(call.responses['200'].headers)).toEqual(
      expect.arrayContaining(['Deprecation', 'Sunset']),
    );
    expect(
      Object.keys((doc.paths['/v1/legacy'].post as Json).responses['200'].headers),
    ).not.toContain('Sunset');
    expect(doc.paths['/v1/sentiment'].post).not.toHaveProperty('deprecated');
  });

  it('lets public endpoints through without security and without 401 or 403', () => {
    const call = doc.paths['/v1/echo'].post as Json;
    expect(call.security).toEqual([]);
    expect(Object.keys(call.responses)).not.toEqual(expect.arrayContaining(['401']));
    expect(call.responses).not.toHaveProperty('403');
    expect(doc.paths['/v1/sentiment'].post).not.toHaveProperty('security');
    expect(doc.security).toEqual([{ bearerAuth: [] }, { apiKeyHeader: [] }]);
    expect(doc.components.securitySchemes).toEqual({
      bearerAuth: expect.objectContaining({ type: 'http', scheme: 'bearer' }),
      apiKeyHeader: expect.objectContaining({ type: 'apiKey', in: 'header', name: 'X-API-Key' }),
    });
  });

  it('derives unique camelCase operation ids from the names', () => {
    const ids = operations(doc).map((op) => op.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(doc.paths['/v1/extract-contact'].post).toMatchObject({ operationId: 'extractContact' });
    expect(doc.paths['/v1/extract-contact/batch'].post).toMatchObject({
      operationId: 'extractContactBatch',
    });
    for (const id of ids) expect(id).toMatch(/^[a-z][A-Za-z0-9]*$/);
  });

  it('documents every error status through the one Problem schema', () => {
    const call = doc.paths['/v1/sentiment'].post as Json;
    const statuses = [
      '400',
      '401',
      '403',
      '404',
      '410',
      '413',
      '415',
      '422',
      '429',
      '502',
      '503',
      '504',
    ];
    expect(Object.keys(call.responses).sort()).toEqual(['200', ...statuses].sort());
    for (const status of statuses) {
      const response = resolve(doc, call.responses[status].$ref) as Json;
      const content = response.content['application/problem+json'];
      expect(content.schema).toEqual({ $ref: '#/components/schemas/Problem' });
      expect(response.headers).toHaveProperty('X-Request-Id');
      const hasRetryAfter = status === '429' || status === '503';
      expect('Retry-After' in response.headers).toBe(hasRetryAfter);
    }
    const problem = doc.components.schemas.Problem as Json;
    expect(problem.required).toEqual(
      expect.arrayContaining(['type', 'title', 'status', 'detail', 'code', 'requestId']),
    );
    expect(problem.properties.code.enum).toEqual(Object.keys(ERROR_CODES));
    expect(problem.properties.errors.items.required).toEqual(['path', 'message']);
  });

  it('gives the success response the headers of API.md section 4', () => {
    const headers = (doc.paths['/v1/sentiment'].post as Json).responses['200'].headers;
    expect(Object.keys(headers)).toEqual(
      expect.arrayContaining([
        'X-Request-Id',
        'Promptgate-Version',
        'Promptgate-Model',
        'Promptgate-Attempts',
        'Promptgate-Cache',
      ]),
    );
    for (const header of Object.values<Json>(headers))
      expect(resolve(doc, header.$ref)).toBeDefined();
  });

  it('takes the request from input, the 200 from output, with their examples', () => {
    const call = doc.paths['/v1/sentiment'].post as Json;
    expect(call.summary).toBe('Sentiment analysis');
    expect(call.tags).toEqual(['nlp', 'classification']);
    expect(call.requestBody.required).toBe(true);
    const request = call.requestBody.content['application/json'];
    const response = call.responses['200'].content['application/json'];
    expect(resolve(doc, request.schema.$ref)).toMatchObject({ required: ['text'] });
    expect(resolve(doc, response.schema.$ref)).toMatchObject({
      required: ['label', 'score', 'evidence'],
    });
    expect(request.examples.example1.value).toEqual(
      loadTemplates().get('sentiment')!.examples![0].input,
    );
    expect(response.examples.example1.value).toMatchObject({ label: 'positive' });
  });

  it('answers { text } for an endpoint without an output schema', () => {
    const call = doc.paths['/v1/echo'].post as Json;
    const response = call.responses['200'].content['application/json'];
    expect(response.schema).toEqual({ $ref: '#/components/schemas/TextOutput' });
    expect(doc.components.schemas.TextOutput).toMatchObject({
      type: 'object',
      required: ['text'],
      properties: { text: { type: 'string' } },
    });
    expect(response.examples.example1.value).toEqual({ text: 'Hello!' });
  });

  it('documents the event stream and the batch envelope', () => {
    const stream = doc.paths['/v1/sentiment/stream'].post as Json;
    expect(stream.responses['200'].content).toHaveProperty('text/event-stream');
    const batch = doc.paths['/v1/sentiment/batch'].post as Json;
    const body = batch.requestBody.content['application/json'];
    expect(body.schema.properties.inputs).toMatchObject({ type: 'array', maxItems: 100 });
    expect(body.examples.example1.value.inputs).toHaveLength(3);
  });

  it('resolves every $ref inside the document', () => {
    for (const ref of collectRefs(doc)) {
      expect(ref.startsWith('#/')).toBe(true);
      expect([ref, resolve(doc, ref)]).not.toEqual([ref, undefined]);
    }
  });

  it('drops $schema and $id from embedded schemas and hoists definitions', () => {
    const schemas = doc.components.schemas;
    expect(hasKeyDeep(schemas, '$schema')).toBe(false);
    expect(hasKeyDeep(schemas, '$id')).toBe(false);
    expect(hasKeyDeep(schemas, 'definitions')).toBe(false);
    expect(schemas).toHaveProperty(['TreeInput_node']);
    expect(schemas).toHaveProperty(['TreeInput_person']);
    expect(schemas).toHaveProperty(['TreeOutput_money']);
    expect((schemas.TreeInput as Json).properties.root).toEqual({
      $ref: '#/components/schemas/TreeInput_node',
    });
  });

  it('keeps the meaning of a sanitised draft-07 schema', () => {
    const original = new Ajv({ strict: false, allErrors: true });
    addFormats(original);
    const before = original.compile(draft07Tree);
    const after = documentValidator(doc)('TreeInput');
    const node = { label: 'a', children: [{ label: 'b', parent: { root: { label: 'c' } } }] };
    const cases = [
      { root: node },
      { root: node, owner: { email: 'a@b.co', self: { email: 'c@d.co' } } },
      { root: node, pair: ['x', 1] },
      { root: node, billing: { iban: 'DE00', bic: 'X' } },
      { root: { label: 'a', children: [{}] } },
      {
        root: {
          label: 'a',
          children: [{ label: 'b' }, { label: 'c' }, { label: 'd' }, { label: 'e' }],
        },
      },
      { root: node, owner: { email: 'not an email' } },
      { root: node, owner: { self: { email: 'nope' } } },
      { root: node, pair: ['x', 1, 2] },
      { root: node, pair: ['x', 'y'] },
      { root: node, billing: { card: '4111' } },
      { root: node, billing: { iban: 'DE00' } },
      { root: { label: 'a', parent: { root: { label: 1 } } } },
      { root: node, extra: true },
    ];
    for (const instance of cases) {
      expect([instance, after(instance)]).toEqual([instance, before(instance)]);
    }
    expect(cases.filter((c) => before(c)).length).toBe(4);
  });

  it('rewrites anchor and pointer references of a 2020-12 schema', () => {
    const validate = documentValidator(doc)('TreeOutput');
    expect(validate({ a: 1, b: 2, c: 3 })).toBe(true);
    expect(validate({ a: -1 })).toBe(false);
    expect(validate({ b: -1 })).toBe(false);
    expect(validate({ c: -1 })).toBe(false);
    expect(hasKeyDeep(doc.components.schemas, '$anchor')).toBe(false);
  });

  it('turns a boolean output schema into an object schema', () => {
    expect(doc.components.schemas.BoolOutputOutput).toEqual({});
  });

  it('is deterministic whatever the order of the entries', () => {
    const reversed = buildOpenApiDocument(allEntries().reverse(), {
      title: 'Test API',
      serverUrl: 'https://api.test',
    });
    expect(JSON.stringify(reversed)).toBe(JSON.stringify(doc));
  });
});

describe('buildOpenApiDocument edge cases', () => {
  it('is checked by a validator that does reject a broken document', () => {
    const broken = JSON.parse(JSON.stringify(buildOpenApiDocument(allEntries())));
    delete broken.paths['/v1/sentiment'].post.responses['200'].description;
    expect(validateOpenApi(broken).valid).toBe(false);
  });

  it('is valid with no endpoint at all', () => {
    const doc = buildOpenApiDocument([]);
    expect(doc.paths).toEqual({});
    expect(validateOpenApi(doc).valid).toBe(true);
  });

  it('keeps operation ids and component names unique when names collide', () => {
    const names = ['x', 'x-batch', 'a-b', 'a--b', '3d-render', 'problem', 'text', 'tree-input'];
    const doc = buildOpenApiDocument(
      names.map((name) =>
        entry({ name, input: { type: 'object', definitions: { input: {} } }, output: {}, prompt }),
      ),
    );
    const ids = operations(doc).map((op) => op.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(doc.paths['/v1/x-batch'].post).toMatchObject({ operationId: 'xBatch' });
    expect(doc.paths['/v1/x/batch'].post).toMatchObject({ operationId: 'xBatch2' });
    expect(doc.paths['/v1/3d-render'].post).toMatchObject({ operationId: 'call3dRender' });
    expect(doc.components.schemas.Problem).toHaveProperty('required');
    expect(doc.components.schemas.TextOutput).toHaveProperty('required');
    const text = (doc.paths['/v1/text'].post as Json).responses['200'].content['application/json'];
    expect(text.schema).toEqual({ $ref: '#/components/schemas/TextOutput2' });
    expect(validateOpenApi(doc).valid).toBe(true);
    for (const ref of collectRefs(doc)) expect(resolve(doc, ref)).toBeDefined();
  });

  it('leaves external references and data keywords untouched', () => {
    const input = {
      type: 'object',
      properties: {
        remote: { $ref: 'https://schemas.example.org/address.json' },
        literal: { const: { $ref: '#/definitions/x' }, default: { $id: 'kept' } },
      },
    };
    const doc = buildOpenApiDocument([entry({ name: 'refs', input, prompt })]);
    const props = (doc.components.schemas.RefsInput as Json).properties;
    expect(props.remote).toEqual({ $ref: 'https://schemas.example.org/address.json' });
    expect(props.literal).toEqual({ const: { $ref: '#/definitions/x' }, default: { $id: 'kept' } });
  });
});

describe('buildEndpointDocument', () => {
  it('documents one endpoint whatever its status', () => {
    const draft = entry(
      { name: 'secret-draft', title: 'Draft', input: textInput, prompt },
      'draft',
    );
    const doc = buildEndpointDocument(draft);
    expect(Object.keys(doc.paths)).toEqual([
      '/v1/secret-draft',
      '/v1/secret-draft/batch',
      '/v1/secret-draft/stream',
    ]);
    expect(doc.info.title).toBe('Draft');
    expect(validateOpenApi(doc).valid).toBe(true);
  });

  it('marks a retired endpoint deprecated', () => {
    const doc = buildEndpointDocument(entry({ name: 'gone', input: textInput, prompt }, 'retired'));
    expect(doc.paths['/v1/gone'].post).toMatchObject({ deprecated: true });
  });
});

describe('toYaml', () => {
  it('round-trips the document without YAML aliases', () => {
    const doc = buildOpenApiDocument(allEntries());
    const yaml = toYaml(doc);
    expect(parse(yaml)).toEqual(JSON.parse(JSON.stringify(doc)));
    expect(yaml).not.toMatch(/^\s*[\w'"-]+: [*&]\w/m);
    expect(validateOpenApi(parse(yaml)).valid).toBe(true);
  });

  it('writes a header comment on the first lines', () => {
    const yaml = toYaml(
      buildOpenApiDocument([]),
      'Generated by scripts/export-openapi.ts.\nDo not edit.',
    );
    expect(yaml.split('\n').slice(0, 3)).toEqual([
      '# Generated by scripts/export-openapi.ts.',
      '# Do not edit.',
      'openapi: 3.1.0',
    ]);
  });
});

describe('template examples', () => {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  const templates = [...loadTemplates().entries()];
  const doc = buildOpenApiDocument(templates.map(([, raw]) => entry(raw)));
  const fromDocument = documentValidator(doc);

  it.each(templates)('%s: examples validate against its input and output schemas', (_, raw) => {
    const definition = withDefaults(raw as PartialDefinition);
    const validateInput = ajv.compile(definition.input);
    const validateOutput = ajv.compile(definition.output as object);
    expect(definition.examples.length).toBeGreaterThanOrEqual(2);
    for (const example of definition.examples) {
      expect([example.input, validateInput(example.input), validateInput.errors]).toEqual([
        example.input,
        true,
        null,
      ]);
      expect([example.output, validateOutput(example.output), validateOutput.errors]).toEqual([
        example.output,
        true,
        null,
      ]);
    }
  });

  it.each(templates)(
    '%s: examples in the document validate against the embedded schemas',
    (name) => {
      const call = doc.paths[`/v1/${name}`].post as Json;
      const request = call.requestBody.content['application/json'];
      const response = call.responses['200'].content['application/json'];
      const validateInput = fromDocument(request.schema.$ref.split('/').pop());
      const validateOutput = fromDocument(response.schema.$ref.split('/').pop());
      for (const example of Object.values<Json>(request.examples)) {
        expect(validateInput(example.value)).toBe(true);
      }
      for (const example of Object.values<Json>(response.examples)) {
        expect(validateOutput(example.value)).toBe(true);
      }
    },
  );
});
