/**
 * @module openapi/operations
 * The three operations of one generated endpoint (API.md section 4): the call itself, its
 * batch form and its Server-Sent Events stream.
 */
import type { EndpointDefinition, EndpointState } from '../definitions/types';
import { ERROR_RESPONSES, PROBLEM_SCHEMA, type ErrorStatus } from './components';

/** One endpoint as the document builders take it. */
export interface DocumentEntry {
  state: EndpointState;
  definition: EndpointDefinition;
  /** The served version number (the latest one for a document of a draft). */
  version: number;
}

/** Names already made unique within the document. */
export interface OperationNames {
  operationId: string;
  batchOperationId: string;
  streamOperationId: string;
  /** Component name of the request schema. */
  input: string;
  /** Component name of the 200 schema. */
  output: string;
}

/** Most items a batch request takes (API.md section 4). */
export const MAX_BATCH_ITEMS = 100;

const ALL_ERRORS: ErrorStatus[] = [400, 401, 403, 404, 410, 413, 415, 422, 429, 502, 503, 504];
/** A batch reports provider failures per item, inside a 200. */
const BATCH_ERRORS: ErrorStatus[] = [400, 401, 403, 404, 410, 413, 415, 422, 429];
const AUTH_ERRORS = new Set<ErrorStatus>([401, 403]);

/** The path items of one endpoint, keyed by path. */
export function buildPathItems(entry: DocumentEntry, names: OperationNames) {
  const base = `/v1/${entry.definition.name}`;
  return {
    [base]: { post: callOperation(entry, names) },
    [`${base}/batch`]: { post: batchOperation(entry, names) },
    [`${base}/stream`]: { post: streamOperation(entry, names) },
  };
}

function callOperation(entry: DocumentEntry, names: OperationNames) {
  const { definition } = entry;
  const inputExamples = definition.examples.map((e) => e.input);
  const outputExamples = definition.examples
    .filter((e) => e.output !== undefined)
    .map((e) =>
      definition.output === undefined && typeof e.output === 'string'
        ? { text: e.output }
        : e.output,
    );
  const successHeaders: Record<string, object> = {
    ...headerRefs({
      'X-Request-Id': 'RequestId',
      'Promptgate-Version': 'Version',
      'Promptgate-Model': 'Model',
      'Promptgate-Attempts': 'Attempts',
      'Promptgate-Cache': 'Cache',
    }),
    ...(definition.output === undefined
      ? headerRefs({ 'Promptgate-Finish-Reason': 'FinishReason' })
      : {}),
    ...deprecationHeaders(entry.state),
  };

  return {
    ...common(entry, names.operationId, '', definition.description),
    parameters: parameters(definition),
    requestBody: {
      required: true,
      description: 'The input, validated against the endpoint input schema.',
      content: { 'application/json': withExamples(schemaRef(names.input), inputExamples) },
    },
    responses: {
      '200': {
        description:
          definition.output === undefined
            ? "The model's reply as `{ text }`."
            : 'The validated output itself, without an envelope.',
        headers: successHeaders,
        content: { 'application/json': withExamples(schemaRef(names.output), outputExamples) },
      },
      ...errorRefs(entry, ALL_ERRORS),
    },
  };
}

function batchOperation(entry: DocumentEntry, names: OperationNames) {
  const { definition } = entry;
  const inputs = definition.examples.map((e) => e.input);
  const item = {
    oneOf: [
      {
        type: 'object',
        required: ['output'],
        properties: { output: schemaRef(names.output) },
      },
      {
        type: 'object',
        required: ['error'],
        properties: { error: schemaRef(PROBLEM_SCHEMA) },
      },
    ],
  };

  return {
    ...common(
      entry,
      names.batchOperationId,
      ' (batch)',
      `Runs up to ${MAX_BATCH_ITEMS} inputs. Results come back in order; one failed item ` +
        'answers its problem document in place and does not fail the rest.',
    ),
    parameters: parameters(definition),
    requestBody: {
      required: true,
      content: {
        'application/json': withExamples(
          {
            type: 'object',
            required: ['inputs'],
            properties: {
              inputs: { type: 'array', maxItems: MAX_BATCH_ITEMS, items: schemaRef(names.input) },
            },
          },
          inputs.length > 0 ? [{ inputs }] : [],
        ),
      },
    },
    responses: {
      '200': {
        description: 'One result per input, in order.',
        headers: {
          ...headerRefs({ 'X-Request-Id': 'RequestId' }),
          ...deprecationHeaders(entry.state),
        },
        content: {
          'application/json': {
            schema: {
              type: 'object',
              required: ['results'],
              properties: { results: { type: 'array', items: item } },
            },
          },
        },
      },
      ...errorRefs(entry, BATCH_ERRORS),
    },
  };
}

function streamOperation(entry: DocumentEntry, names: OperationNames) {
  const { definition } = entry;
  return {
    ...common(
      entry,
      names.streamOperationId,
      ' (stream)',
      'Server-Sent Events: `delta` events carry text as it arrives, then one `output` event ' +
        'carries the validated output as JSON, or one `error` event a problem document. ' +
        'Errors found before the stream starts answer `application/problem+json`.',
    ),
    parameters: parameters(definition),
    requestBody: {
      required: true,
      content: { 'application/json': { schema: schemaRef(names.input) } },
    },
    responses: {
      '200': {
        description: 'An event stream.',
        headers: {
          ...headerRefs({ 'X-Request-Id': 'RequestId' }),
          ...deprecationHeaders(entry.state),
        },
        content: {
          'text/event-stream': {
            schema: { type: 'string', description: '`delta`, then `output` or `error` events.' },
          },
        },
      },
      ...errorRefs(entry, ALL_ERRORS),
    },
  };
}

/** The leading fields of an operation; `suffix` follows the title in the summary. */
function common(entry: DocumentEntry, operationId: string, suffix: string, text?: string) {
  const { definition, state } = entry;
  return {
    operationId,
    summary: `${definition.title ?? definition.name}${suffix}`,
    ...descriptionOf(entry, text),
    ...(definition.tags.length > 0 ? { tags: [...definition.tags] } : {}),
    ...(isDeprecated(state) ? { deprecated: true } : {}),
    ...(definition.auth === 'public' ? { security: [] } : {}),
    'x-promptgate-version': entry.version,
  };
}

/** The operation's `description`, with a line on deprecation; absent when there is nothing. */
function descriptionOf(entry: DocumentEntry, text: string | undefined): { description?: string } {
  const { state } = entry;
  const lines = text === undefined ? [] : [text];
  if (state.status === 'deprecated') {
    lines.push(
      state.sunset === null
        ? '**Deprecated.**'
        : `**Deprecated**: answers 410 after the sunset, ${state.sunset}.`,
    );
  }
  if (state.status === 'retired') lines.push('**Retired**: answers 410 `endpoint_retired`.');
  return lines.length > 0 ? { description: lines.join('\n\n') } : {};
}

function parameters(definition: EndpointDefinition) {
  const refs = [{ $ref: '#/components/parameters/RequestId' }];
  if (definition.cache.ttlSeconds > 0) refs.push({ $ref: '#/components/parameters/CacheControl' });
  return refs;
}

function errorRefs(entry: DocumentEntry, statuses: ErrorStatus[]) {
  const isPublic = entry.definition.auth === 'public';
  return Object.fromEntries(
    statuses
      .filter((status) => !(isPublic && AUTH_ERRORS.has(status)))
      .map((status) => [
        String(status),
        { $ref: `#/components/responses/${ERROR_RESPONSES[status].name}` },
      ]),
  );
}

function deprecationHeaders(state: EndpointState): Record<string, object> {
  if (state.status !== 'deprecated') return {};
  return headerRefs(
    state.sunset === null
      ? { Deprecation: 'Deprecation' }
      : { Deprecation: 'Deprecation', Sunset: 'Sunset' },
  );
}

function headerRefs(byHeader: Record<string, string>): Record<string, object> {
  return Object.fromEntries(
    Object.entries(byHeader).map(([header, component]) => [
      header,
      { $ref: `#/components/headers/${component}` },
    ]),
  );
}

function withExamples(schema: object, values: unknown[]) {
  if (values.length === 0) return { schema };
  const examples = Object.fromEntries(
    values.map((value, i) => [
      `example${i + 1}`,
      { summary: `Example ${i + 1}`, value: structuredClone(value) },
    ]),
  );
  return { schema, examples };
}

function schemaRef(name: string) {
  return { $ref: `#/components/schemas/${name}` };
}

function isDeprecated(state: EndpointState): boolean {
  return state.status === 'deprecated' || state.status === 'retired';
}
