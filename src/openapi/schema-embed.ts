/**
 * @module openapi/schema-embed
 * Moves a user's JSON Schema into `components/schemas` of an OpenAPI 3.1 document.
 *
 * A definition's schema is written as a standalone document: it may carry `$schema`, `$id`,
 * draft-07 `definitions` and local references such as `#/definitions/address` or `#`. Inside an
 * OpenAPI document those references would resolve against the OpenAPI document itself, and an
 * `$id` would change the base URI of everything below it. So this module:
 * - drops `$schema`, `$id`, `$anchor` and `$vocabulary`;
 * - hoists the root's `definitions` and `$defs` into their own components (`<Name>_<key>`);
 * - renames nested `definitions` to `$defs` and rewrites the draft-07 forms of `items` (array),
 *   `additionalItems` and `dependencies` to their 2020-12 equivalents, the document's dialect;
 * - rewrites every `$ref` that resolves inside the schema (JSON pointer, `$id` or anchor) to an
 *   absolute pointer into `#/components/schemas/...`; other references are left as they are.
 * Keywords that hold data (`enum`, `const`, `default`, `examples`, ...) are copied untouched.
 */
import type { JsonSchema } from '../definitions/types';
import { NameRegistry, toComponentName } from './names';

type SchemaObject = Record<string, unknown>;

/** Keywords whose value is one subschema. */
const SINGLE = new Set([
  'additionalProperties',
  'propertyNames',
  'contains',
  'not',
  'if',
  'then',
  'else',
  'unevaluatedItems',
  'unevaluatedProperties',
  'contentSchema',
  'items',
  'additionalItems',
]);
/** Keywords whose value is an array of subschemas. */
const LIST = new Set(['allOf', 'anyOf', 'oneOf', 'prefixItems']);
/** Keywords whose value maps names to subschemas. */
const MAP = new Set([
  'properties',
  'patternProperties',
  'dependentSchemas',
  '$defs',
  'definitions',
]);
/** Keywords that only mean something in a standalone schema document. */
const DROPPED = new Set(['$schema', '$id', '$anchor', '$vocabulary']);
/** Base URI of a schema without its own absolute `$id`; never fetched. */
const DEFAULT_BASE = 'https://promptgate.invalid/schema.json';

export interface EmbedSchemaOptions {
  /** Component name of the schema itself, already claimed by the caller. */
  name: string;
  /** Names in use in the document; hoisted definitions claim theirs here. */
  registry: NameRegistry;
}

/**
 * Returns the components to add to `components/schemas`: the schema under `options.name`, then
 * one entry per hoisted root definition. A boolean schema becomes `{}` or `{ not: {} }`.
 */
export function embedSchema(
  schema: JsonSchema,
  options: EmbedSchemaOptions,
): Record<string, JsonSchema> {
  const root: SchemaObject =
    schema === true ? {} : schema === false ? { not: {} } : isObject(schema) ? schema : {};
  const hoisted = hoistNames(root, options);
  const locations = indexSchema(root);
  const context: Context = { root, name: options.name, hoisted, locations };
  const rootBase = baseOf(root, DEFAULT_BASE);

  const result: Record<string, JsonSchema> = {};
  result[options.name] = transform(root, rootBase, context, true);
  for (const [keyword, names] of Object.entries(hoisted)) {
    const defs = root[keyword] as SchemaObject;
    for (const [key, component] of names) {
      result[component] = transform(defs[key], rootBase, context, false);
    }
  }
  return result;
}

interface Context {
  root: SchemaObject;
  name: string;
  /** keyword (`definitions` or `$defs`) → definition key → component name. */
  hoisted: Record<string, Map<string, string>>;
  /** Absolute URI (resource or anchor) → JSON pointer segments from the root. */
  locations: Map<string, string[]>;
}

function hoistNames(root: SchemaObject, options: EmbedSchemaOptions): Context['hoisted'] {
  const hoisted: Context['hoisted'] = {};
  for (const keyword of ['$defs', 'definitions']) {
    const defs = root[keyword];
    if (!isObject(defs)) continue;
    hoisted[keyword] = new Map(
      Object.keys(defs).map((key) => [
        key,
        options.registry.claim(`${options.name}_${toComponentName(key)}`),
      ]),
    );
  }
  return hoisted;
}

/** Records where every `$id` and anchor of the schema lives, by absolute URI. */
function indexSchema(root: SchemaObject): Map<string, string[]> {
  const locations = new Map<string, string[]>();
  const visit = (node: unknown, segments: string[], parentBase: string): void => {
    if (!isObject(node)) return;
    const base = baseOf(node, parentBase);
    if (segments.length === 0 || base !== parentBase) locations.set(base, segments);
    if (typeof node.$id === 'string' && node.$id.startsWith('#') && node.$id.length > 1) {
      locations.set(`${base}${node.$id}`, segments);
    }
    for (const anchor of [node.$anchor, node.$dynamicAnchor]) {
      if (typeof anchor === 'string') locations.set(`${base}#${anchor}`, segments);
    }
    for (const [path, child] of children(node)) visit(child, [...segments, ...path], base);
  };
  visit(root, [], DEFAULT_BASE);
  return locations;
}

/** Every direct subschema of a schema object, with its relative pointer segments. */
function children(node: SchemaObject): Array<[string[], unknown]> {
  const found: Array<[string[], unknown]> = [];
  for (const [keyword, value] of Object.entries(node)) {
    if ((SINGLE.has(keyword) || keyword === 'items') && !Array.isArray(value)) {
      found.push([[keyword], value]);
    } else if ((LIST.has(keyword) || keyword === 'items') && Array.isArray(value)) {
      value.forEach((child, i) => found.push([[keyword, String(i)], child]));
    } else if ((MAP.has(keyword) || keyword === 'dependencies') && isObject(value)) {
      for (const [key, child] of Object.entries(value)) found.push([[keyword, key], child]);
    }
  }
  return found;
}

function transform(
  node: unknown,
  parentBase: string,
  context: Context,
  isRoot: boolean,
): JsonSchema {
  if (typeof node === 'boolean') return node;
  if (!isObject(node)) return {};
  const base = baseOf(node, parentBase);
  const sub = (child: unknown) => transform(child, base, context, false);
  // `definitions` and `$defs` side by side end up merged; `$defs` wins on a shared key.
  const merge = (keyword: string, value: unknown, first: boolean) => {
    if (!isObject(value)) return void (out[keyword] ??= structuredClone(value));
    const mapped = mapValues(value, sub);
    const known = isObject(out[keyword]) ? (out[keyword] as SchemaObject) : {};
    out[keyword] = first ? { ...mapped, ...known } : { ...known, ...mapped };
  };
  const tupleItems = Array.isArray(node.items);
  const out: SchemaObject = {};
  for (const [keyword, value] of Object.entries(node)) {
    if (DROPPED.has(keyword)) continue;
    if (isRoot && keyword in context.hoisted) continue;
    if (keyword === '$ref' && typeof value === 'string') {
      out.$ref = rewriteRef(value, base, context);
    } else if (keyword === 'items' && tupleItems) {
      out.prefixItems = (value as unknown[]).map(sub);
    } else if (keyword === 'additionalItems' && tupleItems) {
      out.items = sub(value);
    } else if (keyword === 'definitions') {
      merge('$defs', value, true);
    } else if (keyword === 'dependencies' && isObject(value)) {
      splitDependencies(value, out, sub);
    } else if (SINGLE.has(keyword)) {
      out[keyword] = sub(value);
    } else if (LIST.has(keyword)) {
      out[keyword] = Array.isArray(value) ? value.map(sub) : structuredClone(value);
    } else if (MAP.has(keyword)) {
      merge(keyword, value, false);
    } else {
      out[keyword] = structuredClone(value);
    }
  }
  return out;
}

/** Draft-07 `dependencies` holds both forms that 2020-12 splits in two keywords. */
function splitDependencies(
  value: SchemaObject,
  out: SchemaObject,
  sub: (v: unknown) => JsonSchema,
) {
  for (const [key, dependency] of Object.entries(value)) {
    const keyword = Array.isArray(dependency) ? 'dependentRequired' : 'dependentSchemas';
    const target = (out[keyword] ??= {}) as SchemaObject;
    target[key] = Array.isArray(dependency) ? [...dependency] : sub(dependency);
  }
}

/** A reference that resolves inside the schema, as a pointer into the OpenAPI document. */
function rewriteRef(ref: string, base: string, context: Context): string {
  let absolute: string;
  try {
    absolute = new URL(ref, base).href;
  } catch {
    return ref;
  }
  const hash = absolute.indexOf('#');
  const resource = hash === -1 ? absolute : absolute.slice(0, hash);
  const fragment = hash === -1 ? '' : absolute.slice(hash + 1);

  let segments: string[] | undefined;
  if (fragment === '' || fragment.startsWith('/')) {
    const start = context.locations.get(resource);
    segments = start && [...start, ...parsePointer(fragment)];
  } else {
    segments = context.locations.get(absolute);
  }
  const target = segments && locate(segments, context);
  return target ?? ref;
}

/**
 * Maps pointer segments of the original schema to a `#/components/schemas/...` reference in
 * the embedded one, following the keyword renames of `transform`. Undefined when the target
 * no longer exists (a pointer to a hoisted `definitions` map itself, for instance).
 */
function locate(segments: string[], context: Context): string | undefined {
  let component = context.name;
  let node: unknown = context.root;
  let i = 0;
  const hoistedName = context.hoisted[segments[0]]?.get(segments[1]);
  if (hoistedName !== undefined) {
    component = hoistedName;
    node = (context.root[segments[0]] as SchemaObject)[segments[1]];
    i = 2;
  } else if (segments[0] in context.hoisted) {
    return undefined;
  }

  const out: string[] = [];
  while (i < segments.length) {
    const keyword = segments[i];
    const key = segments[i + 1];
    if (!isObject(node)) {
      out.push(...segments.slice(i));
      break;
    }
    const value = node[keyword];
    if (keyword === 'items' && Array.isArray(value)) {
      out.push('prefixItems', key);
      node = value[Number(key)];
      i += 2;
    } else if (keyword === 'additionalItems' && Array.isArray(node.items)) {
      out.push('items');
      node = value;
      i += 1;
    } else if (keyword === 'dependencies' && isObject(value)) {
      const dependency = value[key];
      out.push(Array.isArray(dependency) ? 'dependentRequired' : 'dependentSchemas', key);
      node = dependency;
      i += 2;
    } else if ((MAP.has(keyword) || LIST.has(keyword)) && key !== undefined) {
      out.push(keyword === 'definitions' ? '$defs' : keyword, key);
      node = isObject(value) || Array.isArray(value) ? (value as SchemaObject)[key] : undefined;
      i += 2;
    } else if (SINGLE.has(keyword)) {
      out.push(keyword);
      node = value;
      i += 1;
    } else {
      // A pointer into a data keyword (`enum`, `default`, ...): the rest is copied verbatim.
      out.push(...segments.slice(i));
      break;
    }
  }
  return `#/components/schemas/${[component, ...out].map(encodeSegment).join('/')}`;
}

function baseOf(node: SchemaObject, parentBase: string): string {
  if (typeof node.$id !== 'string' || node.$id.startsWith('#')) return parentBase;
  try {
    const url = new URL(node.$id, parentBase);
    url.hash = '';
    return url.href;
  } catch {
    return parentBase;
  }
}

/** RFC 6901 section 6: a URI fragment is percent-decoded, then read as a JSON pointer. */
function parsePointer(fragment: string): string[] {
  if (fragment === '') return [];
  let decoded: string;
  try {
    decoded = decodeURIComponent(fragment);
  } catch {
    decoded = fragment;
  }
  return decoded
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** One pointer segment as it may appear in a URI fragment. */
function encodeSegment(segment: string): string {
  const escaped = segment.replace(/~/g, '~0').replace(/\//g, '~1');
  return escaped.replace(/[^A-Za-z0-9\-._~!$&'()*+,;=:@]/gu, (c) => encodeURIComponent(c));
}

function mapValues(
  value: SchemaObject,
  fn: (v: unknown) => JsonSchema,
): Record<string, JsonSchema> {
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fn(v)]));
}

function isObject(value: unknown): value is SchemaObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
