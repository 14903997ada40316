/**
 * @module openapi/names
 * Identifiers derived from endpoint names: operation ids and component names, each unique
 * within one document.
 */

/** Component names must match this in OpenAPI 3.1 (`components` fixed-field key pattern). */
const COMPONENT_NAME = /^[a-zA-Z0-9._-]+$/;

/**
 * camelCase of an endpoint name: `ticket-sentiment` becomes `ticketSentiment`. The result is
 * always a valid JavaScript identifier, so code generators can use it as a method name; a name
 * that starts with a digit gets the prefix `call` (`3d-render` becomes `call3dRender`).
 */
export function toCamelCase(name: string): string {
  const words = name.split(/[^A-Za-z0-9]+/).filter((w) => w.length > 0);
  const camel = words
    .map((w, i) => (i === 0 ? w.toLowerCase() : w[0].toUpperCase() + w.slice(1).toLowerCase()))
    .join('');
  if (camel.length === 0) return 'call';
  return /^[0-9]/.test(camel) ? `call${camel}` : camel;
}

/** PascalCase of an identifier: `ticketSentiment` becomes `TicketSentiment`. */
export function toPascalCase(identifier: string): string {
  return identifier.length === 0 ? identifier : identifier[0].toUpperCase() + identifier.slice(1);
}

/**
 * Hands out names that are unique within one document. A taken name gets the smallest free
 * numeric suffix (`sentiment`, `sentiment2`, ...), so the first comer keeps the plain name.
 */
export class NameRegistry {
  private readonly taken = new Set<string>();

  /** Marks a name as used without checking it, e.g. a fixed component name. */
  reserve(name: string): void {
    this.taken.add(name);
  }

  /** Returns `wanted`, or `wanted` with a numeric suffix when it is taken. */
  claim(wanted: string): string {
    let candidate = wanted;
    for (let n = 2; this.taken.has(candidate); n += 1) candidate = `${wanted}${n}`;
    this.taken.add(candidate);
    return candidate;
  }
}

/**
 * A component name built from free text (a `definitions` key of a user schema), with every
 * character outside the allowed set replaced by `_`.
 */
export function toComponentName(text: string): string {
  const cleaned = text.replace(/[^a-zA-Z0-9._-]/g, '_');
  return COMPONENT_NAME.test(cleaned) ? cleaned : '_';
}
