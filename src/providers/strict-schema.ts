/**
 * @module providers/strict-schema
 * Adapts an output schema to what OpenAI's strict structured outputs accept: every object
 * closed (`additionalProperties: false`) with every property required, optional properties
 * made nullable instead. Schemas using keywords strict mode refuses are not adapted; they are
 * sent with `strict: false`. The nulls that stand for absent properties are removed again from
 * the answer by `removeStrictNulls` before validation.
 */
import type { JsonSchema } from '../definitions/types';

type Schema = Record<string, unknown>;

/** Keywords strict mode refuses; a schema holding any of them is sent as it is, not strict. */
const UNSUPPORTED = [
  'patternProperties',
  'unevaluatedProperties',
  'propertyNames',
  'minProperties',
  'maxProperties',
  'dependentRequired',
  'dependentSchemas',
  'dependencies',
  'if',
  'then',
  'else',
  'not',
  'allOf',
  'oneOf',
  'prefixItems',
  'contains',
  '$dynamicRef',
];

/** The strict form of `schema`, or null when strict mode cannot express it. */
export function toStrictSchema(schema: JsonSchema): Schema | null {
  if (typeof schema !== 'object' || schema.type !== 'object') return null;
  try {
    return adapt(schema) as Schema;
  } catch {
    return null;
  }
}

function adapt(schema: unknown): unknown {
  if (typeof schema !== 'object' || schema === null) throw new Error('boolean schema');
  const source = schema as Schema;
  if (UNSUPPORTED.some((k) => k in source)) throw new Error('unsupported keyword');
  if (typeof source.$ref === 'string' && !source.$ref.startsWith('#/')) throw new Error('remote');

  const out: Schema = { ...source };
  delete out.$schema;
  delete out.$id;
  if (source.properties || source.type === 'object') Object.assign(out, closeObject(source));
  if (source.items !== undefined) out.items = adapt(source.items);
  if (Array.isArray(source.anyOf)) out.anyOf = source.anyOf.map(adapt);
  for (const key of ['$defs', 'definitions'] as const) {
    const defs = source[key] as Record<string, unknown> | undefined;
    if (defs) out[key] = Object.fromEntries(Object.entries(defs).map(([k, v]) => [k, adapt(v)]));
  }
  return out;
}

function closeObject(source: Schema): Schema {
  if (source.additionalProperties !== undefined && source.additionalProperties !== false) {
    throw new Error('open object');
  }
  const properties = (source.properties ?? {}) as Record<string, unknown>;
  const required = new Set((source.required as string[] | undefined) ?? []);
  const adapted = Object.fromEntries(
    Object.entries(properties).map(([key, value]) => {
      const strict = adapt(value) as Schema;
      return [key, required.has(key) ? strict : { anyOf: [strict, { type: 'null' }] }];
    }),
  );
  return { properties: adapted, required: Object.keys(properties), additionalProperties: false };
}

/**
 * Removes `null` values of properties that the original schema leaves optional and that the
 * strict form made nullable; a property whose own schema accepts null keeps it.
 */
export function removeStrictNulls(value: unknown, schema: JsonSchema): unknown {
  if (typeof schema !== 'object') return value;
  if (Array.isArray(value)) {
    return schema.items === undefined
      ? value
      : value.map((v) => removeStrictNulls(v, schema.items as JsonSchema));
  }
  if (typeof value !== 'object' || value === null) return value;

  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((schema.required as string[] | undefined) ?? []);
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    const childSchema = properties[key];
    if (
      child === null &&
      childSchema !== undefined &&
      !required.has(key) &&
      !acceptsNull(childSchema)
    ) {
      continue;
    }
    out[key] = childSchema === undefined ? child : removeStrictNulls(child, childSchema);
  }
  return out;
}

function acceptsNull(schema: JsonSchema): boolean {
  if (typeof schema !== 'object') return schema;
  const type = schema.type;
  if (type === 'null' || (Array.isArray(type) && type.includes('null'))) return true;
  if (Array.isArray(schema.enum) && schema.enum.includes(null)) return true;
  if (schema.const === null) return true;
  const branches = (schema.anyOf ?? schema.oneOf) as JsonSchema[] | undefined;
  return Array.isArray(branches) && branches.some(acceptsNull);
}
