import {
  definition,
  jsonCompletion,
  startTestServer,
  type TestServer,
} from '../support/test-server';

const output = {
  type: 'object',
  required: ['label'],
  properties: { label: { enum: ['positive', 'negative'] }, note: { type: 'string' } },
};

describe('structured outputs', () => {
  describe('with a provider that supports JSON-schema response formats', () => {
    let server: TestServer;

    beforeAll(async () => {
      server = await startTestServer({ env: { OPENAI_SUPPORTS_JSON_SCHEMA: 'true' } });
      await server.request('POST', '/admin/endpoints', {
        body: definition({ name: 'strict-one', publish: true, output }),
      });
      await server.request('POST', '/admin/endpoints', {
        body: definition({
          name: 'loose-one',
          publish: true,
          output: { type: 'object', properties: { a: { type: 'string' } }, minProperties: 1 },
        }),
      });
    });
    afterAll(() => server.stop());
    beforeEach(() => server.provider.reset());

    it('sends the schema in strict form and removes the nulls standing for absent properties', async () => {
      server.provider.push(jsonCompletion({ label: 'positive', note: null }));
      const res = await server.request('POST', '/v1/strict-one', { body: { text: 'x' } });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ label: 'positive' });
      const format = server.provider.requests[0].body.response_format;
      expect(format.type).toBe('json_schema');
      expect(format.json_schema.strict).toBe(true);
      expect(format.json_schema.schema).toMatchObject({
        required: ['label', 'note'],
        additionalProperties: false,
      });
    });

    it('sends a schema strict mode cannot express with strict false, unchanged', async () => {
      server.provider.push(jsonCompletion({ a: 'b' }));
      const res = await server.request('POST', '/v1/loose-one', { body: { text: 'x' } });
      expect(res.status).toBe(200);
      const format = server.provider.requests[0].body.response_format;
      expect(format.json_schema.strict).toBe(false);
      expect(format.json_schema.schema.minProperties).toBe(1);
    });
  });

  describe('with a provider that does not', () => {
    let server: TestServer;

    beforeAll(async () => {
      server = await startTestServer();
      await server.request('POST', '/admin/endpoints', {
        body: definition({ name: 'instructed', publish: true, output }),
      });
    });
    afterAll(() => server.stop());

    it('puts the schema in the instructions and sends no response format', async () => {
      server.provider.push(jsonCompletion({ label: 'negative' }));
      const res = await server.request('POST', '/v1/instructed', { body: { text: 'x' } });
      expect(res.status).toBe(200);
      const sent = server.provider.requests[0].body;
      expect(sent.response_format).toBeUndefined();
      expect(sent.messages[0].content).toContain(JSON.stringify(output));
    });

    it('keeps a null for an optional property, so validation catches it', async () => {
      const withNull = jsonCompletion({ label: 'negative', note: null });
      server.provider.push(withNull, withNull);
      const res = await server.request('POST', '/v1/instructed', { body: { text: 'x' } });
      expect(res.status).toBe(502);
      expect(res.body.code).toBe('output_invalid');
    });
  });
});
