/**
 * @module rendering/template-engine
 * Renders prompt templates over an endpoint's input (API.md section 6a) in an isolated Handlebars
 * environment: no HTML escaping, a string value exactly as given, a number or boolean as its JSON
 * text, an object or array as compact JSON, null and undefined as ''. Input values are data, so
 * Handlebars syntax inside them is never evaluated. Prototype access stays disabled (the
 * Handlebars default).
 *
 * How `{{obj}}` becomes JSON: with `noEscape` Handlebars appends a value by string concatenation,
 * which calls `toString` (`[object Object]`, or `a,b` for arrays) without any hook. Before
 * rendering, the input is therefore copied into plain containers that carry a
 * `Symbol.toPrimitive` method returning their JSON text. A symbol key is invisible to template
 * paths, `#each` and `JSON.stringify`, cannot collide with an input key (even `toString`), and
 * leaves truthiness (`#if`) and array checks (`#each`, empty-list `#if`) as they were. Copies are
 * made with a null prototype, so no inherited member can be reached by a path either.
 */
import Handlebars from 'handlebars';

/** The inline helpers templates may call; see `registerHelpers` for their meaning. */
export const HELPER_NAMES: readonly string[] = [
  'json',
  'join',
  'default',
  'upper',
  'lower',
  'trim',
];

/** The built-in block helpers templates may use. */
export const BLOCK_HELPER_NAMES: readonly string[] = ['if', 'unless', 'each', 'with'];

export type RenderFunction = (input: unknown) => string;

const env = Handlebars.create();

/**
 * `knownHelpersOnly` turns a call to any other helper into a compile error. `log` (writes to the
 * console) and `lookup` (a dynamic path the save-time check cannot follow) are removed.
 */
const COMPILE_OPTIONS = {
  noEscape: true,
  strict: false,
  knownHelpersOnly: true,
  knownHelpers: {
    log: false,
    lookup: false,
    ...Object.fromEntries(HELPER_NAMES.map((name) => [name, true])),
  },
};

registerHelpers();

/**
 * Compiles `source` eagerly, so a syntax error (or a call to an unknown helper) throws here, with
 * its line and column, rather than at the first render.
 *
 * @example
 * compileTemplate('Tags: {{join tags}}')({ tags: ['a', 'b'] }); // 'Tags: a, b'
 */
export function compileTemplate(source: string): RenderFunction {
  env.precompile(source, COMPILE_OPTIONS);
  const template = env.compile(source, COMPILE_OPTIONS);

  return (input: unknown) => {
    iterationsLeft = MAX_EACH_ITERATIONS;
    try {
      const text = renderValue(template(toRenderable(input)));
      if (text.length > MAX_RENDERED_CHARS) throw new RenderLimitError('characters');
      return text;
    } catch (error) {
      if (error instanceof RangeError) throw new RenderLimitError('characters');
      throw error;
    } finally {
      iterationsLeft = Infinity;
    }
  };
}

/**
 * Limits of one render. Rendering is synchronous, so a template with nested loops over a large
 * input (`{{#each a}}{{#each ../a}}...`) would otherwise hold the event loop for seconds.
 */
export const MAX_EACH_ITERATIONS = 100_000;
export const MAX_RENDERED_CHARS = 4_000_000;

/** Thrown when an input would make a render exceed its limits. */
export class RenderLimitError extends Error {
  constructor(what: 'iterations' | 'characters') {
    const limit = what === 'iterations' ? MAX_EACH_ITERATIONS : MAX_RENDERED_CHARS;
    super(
      `the rendered prompt would exceed ${limit} ${what === 'iterations' ? 'loop iterations' : 'characters'}`,
    );
    this.name = 'RenderLimitError';
  }
}

/** Iterations the render in progress may still make; renders never overlap (they are sync). */
let iterationsLeft = Infinity;

/** A value as it appears in a rendered prompt (API.md section 6a). */
export function renderValue(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  return JSON.stringify(value) ?? String(value);
}

/**
 * A copy of `value` whose objects and arrays render as compact JSON. Input has passed the depth
 * check (64 levels) before it is rendered, so the recursion here is shallow.
 */
function toRenderable(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;

  const copy: Record<string | symbol, unknown> | unknown[] = Array.isArray(value)
    ? value.map(toRenderable)
    : Object.create(null);
  if (!Array.isArray(value)) {
    for (const [key, child] of Object.entries(value)) {
      Object.defineProperty(copy, key, { value: toRenderable(child), enumerable: true });
    }
  }

  Object.defineProperty(copy, Symbol.toPrimitive, { value: () => JSON.stringify(copy) });
  return copy;
}

function registerHelpers(): void {
  env.unregisterHelper('log');
  env.unregisterHelper('lookup');
  countEachIterations();

  /** `{{json value [indent]}}`: the value as JSON, compact unless an indent (0 to 10) is given. */
  env.registerHelper('json', (...args: unknown[]) => {
    const [value, indent] = helperArgs(args);
    if (value === undefined) return '';
    const space = typeof indent === 'number' ? Math.min(Math.max(indent, 0), 10) : undefined;
    return JSON.stringify(value, null, space);
  });

  /** `{{join list [separator]}}`: the items rendered one by one, separated by ', ' by default. */
  env.registerHelper('join', (...args: unknown[]) => {
    const [list, separator] = helperArgs(args);
    const text = typeof separator === 'string' ? separator : ', ';
    return Array.isArray(list) ? list.map(renderValue).join(text) : renderValue(list);
  });

  /** `{{default value fallback}}`: the fallback when the value is null, undefined or ''. */
  env.registerHelper('default', (...args: unknown[]) => {
    const [value, fallback] = helperArgs(args);
    return value === null || value === undefined || value === '' ? fallback : value;
  });

  env.registerHelper('upper', (...args: unknown[]) =>
    renderValue(helperArgs(args)[0]).toUpperCase(),
  );
  env.registerHelper('lower', (...args: unknown[]) =>
    renderValue(helperArgs(args)[0]).toLowerCase(),
  );
  env.registerHelper('trim', (...args: unknown[]) => renderValue(helperArgs(args)[0]).trim());
}

/** Wraps the built-in `#each` so that every iteration counts against the render's budget. */
function countEachIterations(): void {
  const builtin = env.helpers.each as Handlebars.HelperDelegate;
  env.registerHelper(
    'each',
    function (this: unknown, context: unknown, options: Handlebars.HelperOptions) {
      const fn = options.fn;
      const counted = Object.assign((item: unknown, runtime?: Handlebars.RuntimeOptions) => {
        iterationsLeft -= 1;
        if (iterationsLeft < 0) throw new RenderLimitError('iterations');
        return fn(item, runtime);
      }, fn);
      return builtin.call(this, context, { ...options, fn: counted });
    },
  );
}

/** The positional arguments of a helper call, without Handlebars' trailing options object. */
function helperArgs(args: unknown[]): unknown[] {
  return args.slice(0, -1);
}
