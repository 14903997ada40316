/**
 * @module validation/coerce
 * The safe coercions applied to a model's output before validation when `repair.coerce` is on
 * (API.md section 6), and nothing else:
 * - a string holding a JSON number where the schema wants a number (or an integer, when the
 *   number is integral) becomes that number;
 * - a string that matches exactly one `enum` (or `const`) string except for letter case takes
 *   the schema's spelling;
 * - properties the schema forbids (`additionalProperties: false`, not listed in `properties` nor
 *   matched by `patternProperties`) are dropped.
 *
 * It follows `properties`, `patternProperties`, an `additionalProperties` schema, `prefixItems`
 * and `items` (2020-12 and the draft-07 array form with `additionalItems`) and local `$ref`s
 * (`#`, `#/$defs/...`, `#/definitions/...`). Combinators (`allOf`, `anyOf`, `oneOf`, `if`) are not
 * entered: which branch applies is the validator's call, and guessing could change valid data.
 */

type Schema = Record<string, unknown>;

const NUMBER_TEXT = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

/** Returns a coerced copy of `value`; the input is never mutated. */
export function coerceToSchema(value: unknown, schema: unknown): unknown {
  return coerce(value, schema, schema);
}

function coerce(value: unknown, schema: unknown, root: unknown): unknown {
  const resolved = resolveRefs(schema, root);
  if (!isRecord(resolved)) return value;

  if (typeof value === 'string') return coerceString(value, resolved);
  if (Array.isArray(value)) return coerceArray(value, resolved, root);
  if (isRecord(value)) return coerceObject(value, resolved, root);
  return value;
}

function coerceString(value: string, schema: Schema): unknown {
  const types = typesOf(schema);
  const wantsNumber = types.includes('number') || types.includes('integer');

  if (wantsNumber && !types.includes('string') && NUMBER_TEXT.test(value.trim())) {
    const number = Number(value.trim());
    const integral = Number.isInteger(number);
    if (Number.isFinite(number) && (types.includes('number') || integral)) return number;
  }

  const allowed = Array.isArray(schema.enum)
    ? schema.enum
    : 'const' in schema
      ? [schema.const]
      : [];
  if (allowed.includes(value)) return value;

  const lower = value.toLowerCase();
  const matches = allowed.filter((v) => typeof v === 'string' && v.toLowerCase() === lower);
  return matches.length === 1 ? matches[0] : value;
}

function coerceArray(value: unknown[], schema: Schema, root: unknown): unknown[] {
  const { items, prefixItems, additionalItems } = schema;
  const draft07Tuple = Array.isArray(items);
  const tuple = Array.isArray(prefixItems) ? prefixItems : draft07Tuple ? items : [];
  const rest = draft07Tuple ? additionalItems : items;

  return value.map((item, index) => coerce(item, index < tuple.length ? tuple[index] : rest, root));
}

function coerceObject(value: Record<string, unknown>, schema: Schema, root: unknown): object {
  const properties = isRecord(schema.properties) ? schema.properties : {};
  const patterns = isRecord(schema.patternProperties) ? schema.patternProperties : {};
  const result: Record<string, unknown> = {};

  for (const [key, child] of Object.entries(value)) {
    let childSchema: unknown = Object.hasOwn(properties, key) ? properties[key] : undefined;
    const pattern = childSchema === undefined ? matchingPattern(patterns, key) : undefined;
    childSchema ??= pattern === undefined ? undefined : patterns[pattern];

    const declared = Object.hasOwn(properties, key) || pattern !== undefined;
    if (!declared && schema.additionalProperties === false) continue;
    childSchema ??= declared ? undefined : schema.additionalProperties;

    const coerced = coerce(child, childSchema, root);
    Object.defineProperty(result, key, {
      value: coerced,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return result;
}

function matchingPattern(patterns: Schema, key: string): string | undefined {
  for (const pattern of Object.keys(patterns)) {
    try {
      if (new RegExp(pattern, 'u').test(key)) return pattern;
    } catch {
      // An invalid pattern never compiled into the validator either; it matches nothing here.
    }
  }
  return undefined;
}

/** Follows local `$ref`s at the top of `schema`; a cycle or a foreign ref gives `undefined`. */
function resolveRefs(schema: unknown, root: unknown): unknown {
  const seen = new Set<string>();
  let current = schema;

  while (isRecord(current) && typeof current.$ref === 'string') {
    const ref = current.$ref;
    if (seen.has(ref)) return undefined;
    seen.add(ref);
    current = resolvePointer(root, ref);
  }
  return current;
}

function resolvePointer(root: unknown, ref: string): unknown {
  if (ref === '#') return root;
  if (!/^#\/(\$defs|definitions)\//.test(ref)) return undefined;

  let current = root;
  for (const raw of ref.slice(2).split('/')) {
    const token = decodeToken(raw);
    if (!isRecord(current) || !Object.hasOwn(current, token)) return undefined;
    current = current[token];
  }
  return current;
}

function typesOf(schema: Schema): string[] {
  if (typeof schema.type === 'string') return [schema.type];
  return Array.isArray(schema.type) ? schema.type.filter((t) => typeof t === 'string') : [];
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
