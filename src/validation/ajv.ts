/**
 * @module validation/ajv
 * Builds ajv instances and compiles endpoint schemas with JSON Schema 2020-12 semantics, draft-07
 * keywords accepted (API.md section 2).
 *
 * Memory: ajv keeps every schema it compiles for the life of the instance, both in its cache and
 * in the instance-wide code scope (`removeSchema` clears the cache but not the scope). A shared
 * instance would therefore grow with every endpoint version ever compiled. `compileSchema` instead
 * compiles each schema in a fresh instance, which is garbage-collected together with the returned
 * validator. Fresh instances skip the slow meta-schema compilation (`validateSchema: false`); the
 * meta-schema check runs once per schema on one shared instance, which compiles nothing but the
 * meta-schema itself, so its memory stays bounded.
 */
import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import type { FieldError } from '../errors/app-error';
import { toFieldErrors } from './schema-errors';

/**
 * A compiled validator, or why the schema was refused: `message` for humans, and `errors` located
 * by JSON pointers into the schema itself (empty when ajv gives no location), which callers can
 * re-base, e.g. under `/input`.
 */
export type CompileResult =
  { ok: true; validate: ValidateFunction } | { ok: false; message: string; errors: FieldError[] };

export interface CreateAjvOptions {
  /** Check each schema against the 2020-12 meta-schema when compiling it. Default true. */
  validateSchema?: boolean;
}

const DRAFT_2020_URI = 'https://json-schema.org/draft/2020-12/schema';

let metaAjv: Ajv2020 | undefined;

/**
 * An ajv instance for endpoint schemas: every error reported (`allErrors`), unknown keywords and
 * formats ignored (`strict: false`), the ajv-formats formats, `required` and `properties` checked
 * on own properties only (so `{}` never satisfies `required: ["constructor"]`), no logging.
 */
export function createAjv(options: CreateAjvOptions = {}): Ajv2020 {
  const ajv = new Ajv2020({
    allErrors: true,
    strict: false,
    ownProperties: true,
    logger: false,
    validateSchema: options.validateSchema ?? true,
  });
  addFormats(ajv);
  return ajv;
}

/**
 * Compiles `schema` into a validator. A schema that breaks the meta-schema or fails to compile
 * (a bad regular expression, an unresolvable `$ref`) is reported, never thrown. Without `ajv`, a
 * fresh instance is used (see the module note on memory); with one, the caller owns its growth.
 *
 * @example
 * const result = compileSchema({ type: 'object', properties: { text: { type: 'string' } } });
 * if (result.ok) result.validate({ text: 'hi' });
 */
export function compileSchema(schema: unknown, ajv?: Ajv2020): CompileResult {
  if (typeof schema !== 'boolean' && (typeof schema !== 'object' || schema === null)) {
    return { ok: false, message: 'schema must be an object or a boolean', errors: [] };
  }

  try {
    const normalized = normalizeDraft07(schema) as object | boolean;

    const meta = getMetaAjv();
    if (!meta.validateSchema(normalized)) {
      const errors = toFieldErrors(meta.errors as ErrorObject[] | null);
      const message = meta.errorsText(meta.errors, { dataVar: 'schema' });
      return { ok: false, message: `invalid schema: ${message}`, errors };
    }

    const validate = (ajv ?? createAjv({ validateSchema: false })).compile(normalized);
    return { ok: true, validate };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, message: `schema does not compile: ${message}`, errors: [] };
  }
}

function getMetaAjv(): Ajv2020 {
  metaAjv ??= createAjv();
  return metaAjv;
}

/**
 * Returns a copy of `schema` in which the draft-07 forms that 2020-12 changed are rewritten: the
 * array form of `items` becomes `prefixItems` (with `additionalItems` as the new `items`), and a
 * root `$schema` naming another draft is dropped, since 2020-12 semantics apply anyway.
 * `definitions` and `dependencies` need no rewrite: ajv's 2020 vocabulary resolves `$ref`s into
 * `definitions` by JSON pointer and still implements `dependencies`.
 */
export function normalizeDraft07(schema: unknown): unknown {
  const copy = rewriteSubschemas(schema);
  if (isRecord(copy) && typeof copy.$schema === 'string' && copy.$schema !== DRAFT_2020_URI) {
    delete copy.$schema;
  }
  return copy;
}

const SCHEMA_KEYWORDS = [
  'additionalProperties',
  'additionalItems',
  'items',
  'contains',
  'not',
  'if',
  'then',
  'else',
  'propertyNames',
  'unevaluatedItems',
  'unevaluatedProperties',
  'contentSchema',
];
const SCHEMA_LIST_KEYWORDS = ['allOf', 'anyOf', 'oneOf', 'prefixItems', 'items'];
const SCHEMA_MAP_KEYWORDS = [
  'properties',
  'patternProperties',
  '$defs',
  'definitions',
  'dependentSchemas',
  'dependencies',
];

function rewriteSubschemas(schema: unknown): unknown {
  if (!isRecord(schema)) return schema;

  const copy: Record<string, unknown> = { ...schema };
  for (const key of SCHEMA_KEYWORDS) {
    if (isRecord(copy[key]) || typeof copy[key] === 'boolean')
      copy[key] = rewriteSubschemas(copy[key]);
  }
  for (const key of SCHEMA_LIST_KEYWORDS) {
    if (Array.isArray(copy[key])) copy[key] = (copy[key] as unknown[]).map(rewriteSubschemas);
  }
  for (const key of SCHEMA_MAP_KEYWORDS) {
    const map = copy[key];
    if (!isRecord(map)) continue;
    const rewritten: Record<string, unknown> = {};
    for (const [name, sub] of Object.entries(map)) {
      Object.defineProperty(rewritten, name, { value: rewriteSubschemas(sub), enumerable: true });
    }
    copy[key] = rewritten;
  }

  if (Array.isArray(copy.items)) {
    copy.prefixItems = copy.items;
    if ('additionalItems' in copy) copy.items = copy.additionalItems;
    else delete copy.items;
  }
  delete copy.additionalItems;
  return copy;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
