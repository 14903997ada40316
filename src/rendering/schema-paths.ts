/**
 * @module rendering/schema-paths
 * Follows template paths through an input JSON Schema for the save-time template check.
 *
 * What "declared" means: a name resolves when the schema lists it in `properties`, matches one of
 * its `patternProperties`, or the schema sets `additionalProperties` to `true` or to a schema (the
 * name then takes that schema). Only the boolean schema `true` is open, letting any path beneath
 * it resolve; `{}` or `{ "type": "object" }` declare no children, so a typo is still caught.
 * Paths follow local `$ref`s and every branch of `allOf`, `anyOf`, `oneOf` and `then`/`else`;
 * array items come from `prefixItems` and `items` (draft-07 array `items` and `additionalItems`
 * too), and array elements can be named by index or `length`. `#each` over an object iterates
 * its property schemas.
 */

/** A JSON Schema (object or boolean); anything else declares nothing. */
export type Schema = unknown;

/**
 * The schemas plus the targets of their local `$ref`s and the branches of `allOf`, `anyOf`,
 * `oneOf`, `then` and `else`, each once (so a recursive `$ref` ends).
 */
export function expandSchemas(schemas: Schema[], root: Schema): Schema[] {
  const out: Schema[] = [];
  const seen = new Set<unknown>();
  const pending = [...schemas];

  while (pending.length > 0) {
    const schema = pending.pop();
    if (seen.has(schema)) continue;
    seen.add(schema);
    out.push(schema);
    if (!isRecord(schema)) continue;

    if (typeof schema.$ref === 'string') pending.push(resolveLocalRef(root, schema.$ref));
    for (const key of ['allOf', 'anyOf', 'oneOf']) {
      if (Array.isArray(schema[key])) pending.push(...(schema[key] as Schema[]));
    }
    if (schema.then !== undefined) pending.push(schema.then);
    if (schema.else !== undefined) pending.push(schema.else);
  }
  return out;
}

/** The schemas an `#each` item over a value of `schemas` may have; `[{}]` when none says. */
export function itemSchemas(schemas: Schema[], root: Schema): Schema[] {
  const items: Schema[] = [];
  for (const schema of expandSchemas(schemas, root)) {
    if (schema === true) return [true];
    if (isRecord(schema)) items.push(...itemsOf(schema));
  }
  return items.length > 0 ? items : [{}];
}

/** Schemas a child `name` of any of `schemas` may have, or undefined when none declares it. */
export function childSchemas(schemas: Schema[], name: string): Schema[] | undefined {
  const out: Schema[] = [];

  for (const schema of schemas) {
    if (schema === true) return [true];
    if (!isRecord(schema)) continue;

    const properties = isRecord(schema.properties) ? schema.properties : {};
    const patterns = isRecord(schema.patternProperties) ? schema.patternProperties : {};
    const before = out.length;
    if (Object.hasOwn(properties, name)) out.push(properties[name]);
    for (const [pattern, sub] of Object.entries(patterns)) {
      if (safeTest(pattern, name)) out.push(sub);
    }
    if (out.length === before && isSubschema(schema.additionalProperties)) {
      out.push(schema.additionalProperties);
    }
    out.push(...arrayChild(schema, name));
  }
  return out.length > 0 ? out : undefined;
}

function arrayChild(schema: Record<string, unknown>, name: string): Schema[] {
  const isArray = schema.type === 'array' || 'items' in schema || 'prefixItems' in schema;
  if (!isArray) return [];
  if (name === 'length') return [{ type: 'integer' }];
  if (!/^(0|[1-9]\d*)$/.test(name)) return [];

  const index = Number(name);
  const tuple = Array.isArray(schema.prefixItems)
    ? schema.prefixItems
    : Array.isArray(schema.items)
      ? schema.items
      : [];
  if (index < tuple.length) return [tuple[index]];
  const rest = Array.isArray(schema.items) ? schema.additionalItems : schema.items;
  return rest === undefined ? [{}] : isSubschema(rest) ? [rest] : [];
}

/** The schemas an `#each` item may have: array items, or the values of an object. */
function itemsOf(schema: Record<string, unknown>): Schema[] {
  const items: Schema[] = [];
  const tuple = Array.isArray(schema.prefixItems)
    ? schema.prefixItems
    : Array.isArray(schema.items)
      ? schema.items
      : [];
  items.push(...tuple);

  const rest = Array.isArray(schema.items) ? schema.additionalItems : schema.items;
  if (isSubschema(rest)) items.push(rest);
  if (isRecord(schema.properties)) items.push(...Object.values(schema.properties));
  if (isRecord(schema.patternProperties)) items.push(...Object.values(schema.patternProperties));
  if (isSubschema(schema.additionalProperties)) items.push(schema.additionalProperties);
  return items;
}

function resolveLocalRef(root: Schema, ref: string): Schema {
  if (ref === '#') return root;
  if (!ref.startsWith('#/')) return undefined;

  let current: unknown = root;
  for (const raw of ref.slice(2).split('/')) {
    const token = decodeToken(raw);
    if (!isRecord(current) || !Object.hasOwn(current, token)) return undefined;
    current = current[token];
  }
  return current;
}

function isSubschema(schema: unknown): boolean {
  return schema === true || isRecord(schema);
}

function safeTest(pattern: string, name: string): boolean {
  try {
    return new RegExp(pattern, 'u').test(name);
  } catch {
    return false;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** One `$ref` pointer token, URI-decoded and RFC 6901-unescaped; malformed escapes kept as is. */
function decodeToken(raw: string): string {
  let token = raw;
  try {
    token = decodeURIComponent(raw);
  } catch {
    // A lone `%` is not a URI escape; use the token as written.
  }
  return token.replace(/~1/g, '/').replace(/~0/g, '~');
}
