/**
 * @module validation/schema-errors
 * Turns ajv errors into the `errors` array of a problem document (API.md section 5): one entry per
 * failed rule, each located by a JSON pointer, an unexpected or missing property by its own path.
 * Also holds the nesting-depth rule for inputs.
 */
import type { ErrorObject } from 'ajv';
import type { FieldError } from '../errors/app-error';

/** Inputs nested deeper than this many objects and arrays are refused (API.md section 5). */
export const MAX_INPUT_DEPTH = 64;

/**
 * Converts ajv errors to field errors below `basePointer` (e.g. `/input` when the document is
 * nested in a larger one). Identical entries are reported once.
 */
export function toFieldErrors(
  errors: ErrorObject[] | null | undefined,
  basePointer = '',
): FieldError[] {
  const seen = new Set<string>();
  const result: FieldError[] = [];

  for (const error of errors ?? []) {
    const entry = toFieldError(error, basePointer);
    const key = `${entry.path}\u0000${entry.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    result.push(entry);
  }
  return result;
}

function toFieldError(error: ErrorObject, basePointer: string): FieldError {
  const path = basePointer + error.instancePath;
  const params = error.params as Record<string, unknown>;

  switch (error.keyword) {
    case 'required':
    case 'dependencies':
    case 'dependentRequired':
      return { path: childPointer(path, params.missingProperty), message: 'is required' };
    case 'additionalProperties':
      return { path: childPointer(path, params.additionalProperty), message: 'is not allowed' };
    case 'unevaluatedProperties':
      return { path: childPointer(path, params.unevaluatedProperty), message: 'is not allowed' };
    case 'false schema':
      return { path, message: 'is not allowed' };
    case 'enum':
      return { path, message: `must be one of ${listValues(params.allowedValues)}` };
    case 'const':
      return { path, message: `must be equal to ${safeJson(params.allowedValue)}` };
    case 'propertyNames':
      return { path: childPointer(path, params.propertyName), message: 'is not a valid name' };
    default:
      return { path, message: error.message ?? `fails the "${error.keyword}" rule` };
  }
}

/** Appends one RFC 6901 reference token, escaping `~` as `~0` and `/` as `~1`. */
export function childPointer(pointer: string, token: unknown): string {
  if (token === undefined || token === null) return pointer;
  return `${pointer}/${String(token).replace(/~/g, '~0').replace(/\//g, '~1')}`;
}

function listValues(values: unknown): string {
  if (!Array.isArray(values)) return safeJson(values);
  return values.map(safeJson).join(', ');
}

function safeJson(value: unknown): string {
  return JSON.stringify(value) ?? String(value);
}

/**
 * True when `value` nests objects and arrays more than `limit` levels deep; a scalar is level 0
 * and `{}` level 1. Iterative and stops early, so a value 100000 levels deep neither overflows
 * the stack nor gets walked in full.
 */
export function exceedsDepth(value: unknown, limit = MAX_INPUT_DEPTH): boolean {
  const stack: Array<[unknown, number]> = [[value, 0]];

  while (stack.length > 0) {
    const [current, depth] = stack.pop() as [unknown, number];
    if (typeof current !== 'object' || current === null) continue;
    if (depth + 1 > limit) return true;
    for (const child of Object.values(current)) stack.push([child, depth + 1]);
  }
  return false;
}

/**
 * How many levels of objects and arrays `value` nests (a scalar is 0, `[]` is 1). Iterative, so
 * any depth is measured without recursion; an object met twice (a cycle) is not walked again.
 */
export function maxDepth(value: unknown): number {
  const stack: Array<[unknown, number]> = [[value, 0]];
  const seen = new WeakSet<object>();
  let max = 0;

  while (stack.length > 0) {
    const [current, depth] = stack.pop() as [unknown, number];
    if (typeof current !== 'object' || current === null || seen.has(current)) continue;
    seen.add(current);
    max = Math.max(max, depth + 1);
    for (const child of Object.values(current)) stack.push([child, depth + 1]);
  }
  return max;
}
