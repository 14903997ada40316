/**
 * @module rendering/template-check
 * The save-time check of prompt templates (API.md sections 2 and 6a): a syntax error, a call to
 * an unknown helper, or a path the input schema does not declare is refused.
 *
 * Paths resolve through the input schema as `./schema-paths` describes (`properties`,
 * `patternProperties`, `additionalProperties`, `items`, `prefixItems`, local `$ref`s). Helper
 * names shadow same-named properties: write `{{this.default}}` to reach a property `default`.
 */
import Handlebars from 'handlebars';
import type { FieldError } from '../errors/app-error';
import { type Schema, childSchemas, expandSchemas, itemSchemas } from './schema-paths';
import { BLOCK_HELPER_NAMES, HELPER_NAMES, compileTemplate } from './template-engine';

type Node = hbs.AST.Node;
type Path = hbs.AST.PathExpression;
type Call = hbs.AST.MustacheStatement | hbs.AST.SubExpression;

interface Frame {
  /** The schemas `this` may have here (a union across combinator branches). */
  schemas: Schema[];
  /** Whether the frame was opened by `#each`, which makes `@index` and `@key` available. */
  each: boolean;
}

/** `@index`, `@key`, `@first`, `@last`: scalars, so nothing resolves beneath them. */
const DATA_VARIABLE: Schema = { type: ['integer', 'string', 'boolean'] };

/**
 * Checks one template against the input schema; every problem is reported at `pointer` (e.g.
 * `/prompt/user`) with its line and column. An empty array means the template is accepted.
 */
export function checkTemplate(source: string, inputSchema: object, pointer: string): FieldError[] {
  let program: hbs.AST.Program;
  try {
    program = Handlebars.parse(source);
  } catch (error) {
    return [{ path: pointer, message: syntaxMessage(error) }];
  }

  const checker = new TemplateChecker(inputSchema, pointer);
  checker.program(program);
  if (checker.errors.length > 0) return checker.errors;

  try {
    compileTemplate(source);
  } catch (error) {
    return [{ path: pointer, message: syntaxMessage(error) }];
  }
  return [];
}

/** The parser's message without the excerpt and caret lines it quotes. */
function syntaxMessage(error: unknown): string {
  const raw = error instanceof Error ? error.message : String(error);
  const lines = raw.split('\n').filter((line) => !/^-*\^$/.test(line));
  const kept =
    lines.length >= 3 && /^Parse error/.test(lines[0]) ? [lines[0], ...lines.slice(2)] : lines;
  return `template syntax error: ${kept.join(' ').trim()}`;
}

class TemplateChecker {
  readonly errors: FieldError[] = [];
  private readonly frames: Frame[];
  private readonly blockParams: Array<Map<string, Schema[]>> = [];
  private readonly seenMessages = new Set<string>();

  constructor(
    private readonly root: Schema,
    private readonly pointer: string,
  ) {
    this.frames = [{ schemas: [root], each: false }];
  }

  program(program: hbs.AST.Program | undefined): void {
    for (const statement of program?.body ?? []) this.statement(statement);
  }

  private statement(node: hbs.AST.Statement): void {
    switch (node.type) {
      case 'MustacheStatement':
        this.mustache(node as hbs.AST.MustacheStatement);
        return;
      case 'BlockStatement':
        this.block(node as hbs.AST.BlockStatement);
        return;
      case 'PartialStatement':
      case 'PartialBlockStatement':
        this.fail(node, 'uses a partial, which templates do not support');
        return;
      case 'Decorator':
      case 'DecoratorBlock':
        this.fail(node, 'uses a decorator, which templates do not support');
        return;
      default:
        return;
    }
  }

  private mustache(node: hbs.AST.MustacheStatement): void {
    if (this.helperName(node.path) !== undefined) {
      this.args(node);
      return;
    }
    if (node.params.length > 0 || (node.hash?.pairs.length ?? 0) > 0) {
      this.fail(node, `calls unknown helper "${pathText(node.path)}"`);
      this.args(node);
      return;
    }
    this.value(asPath(node.path));
  }

  private block(node: hbs.AST.BlockStatement): void {
    const name = this.blockName(node.path);
    if (name === undefined) {
      const known = HELPER_NAMES.includes(pathText(node.path)) ? 'is not a block helper' : '';
      const message = known
        ? `"${pathText(node.path)}" ${known}`
        : `uses unknown block helper "${pathText(node.path)}"`;
      this.fail(node, message);
      return;
    }
    if (node.params.length !== 1) this.fail(node, `#${name} takes exactly one argument`);

    const subject = node.params.length > 0 ? this.value(node.params[0]) : undefined;
    node.params.slice(1).forEach((param) => this.value(param));
    for (const pair of node.hash?.pairs ?? []) this.value(pair.value);

    if (name === 'each' || name === 'with') {
      const open = subject ?? [true];
      const context = name === 'each' ? itemSchemas(open, this.root) : open;
      this.scoped(node.program, context, name === 'each');
    } else {
      this.program(node.program);
    }
    this.program(node.inverse);
  }

  /** Checks `program` with `context` as `this` and its block params bound. */
  private scoped(program: hbs.AST.Program, context: Schema[], each: boolean): void {
    const params = new Map<string, Schema[]>();
    const [itemName, indexName] = program?.blockParams ?? [];
    if (itemName !== undefined) params.set(itemName, context);
    if (indexName !== undefined) params.set(indexName, [DATA_VARIABLE]);

    this.frames.push({ schemas: context, each });
    this.blockParams.push(params);
    this.program(program);
    this.blockParams.pop();
    this.frames.pop();
  }

  private args(node: Call): void {
    node.params.forEach((param) => this.value(param));
    for (const pair of node.hash?.pairs ?? []) this.value(pair.value);
  }

  /** Checks an expression used as a value; returns the schemas it may have when it resolves. */
  private value(node: hbs.AST.Expression): Schema[] | undefined {
    if (node.type === 'PathExpression') return this.resolve(node as Path);
    if (node.type !== 'SubExpression') return [true];

    const call = node as hbs.AST.SubExpression;
    if (this.helperName(call.path) === undefined) {
      this.fail(call, `calls unknown helper "${pathText(call.path)}"`);
    }
    this.args(call);
    return [true];
  }

  private resolve(path: Path): Schema[] | undefined {
    if (path.data) return this.resolveData(path);

    const [head, ...rest] = path.parts;
    const bound = path.depth === 0 && !isScoped(path) ? this.findBlockParam(head) : undefined;
    if (bound !== undefined) return this.follow(bound, rest, path);

    const frame = this.frames[this.frames.length - 1 - path.depth];
    if (frame === undefined) {
      this.fail(path, `references "${path.original}", above the top of the input`);
      return undefined;
    }
    return this.follow(frame.schemas, path.parts, path);
  }

  private resolveData(path: Path): Schema[] | undefined {
    const [head, ...rest] = path.parts;
    if (head === 'root') return this.follow([this.root], rest, path);

    if (!['index', 'key', 'first', 'last'].includes(head)) {
      this.fail(path, `references unknown data variable "${path.original}"`);
      return undefined;
    }
    const eachFrames = this.frames.filter((frame) => frame.each).length;
    if (eachFrames <= path.depth) {
      this.fail(path, `references "${path.original}" outside of #each`);
      return undefined;
    }
    return this.follow([DATA_VARIABLE], rest, path);
  }

  private follow(schemas: Schema[], parts: string[], path: Path): Schema[] | undefined {
    let current = schemas;
    for (const part of parts) {
      const next = childSchemas(expandSchemas(current, this.root), part);
      if (next === undefined) {
        this.fail(path, `references "${path.original}", which the input schema does not declare`);
        return undefined;
      }
      current = next;
    }
    return current;
  }

  private findBlockParam(name: string | undefined): Schema[] | undefined {
    if (name === undefined) return undefined;
    for (let i = this.blockParams.length - 1; i >= 0; i--) {
      const bound = this.blockParams[i].get(name);
      if (bound !== undefined) return bound;
    }
    return undefined;
  }

  /** The helper a mustache or subexpression calls, when its path names one. */
  private helperName(path: hbs.AST.PathExpression | hbs.AST.Literal): string | undefined {
    const name = simpleName(path);
    if (name === undefined || this.findBlockParam(name) !== undefined) return undefined;
    return HELPER_NAMES.includes(name) ? name : undefined;
  }

  private blockName(path: hbs.AST.PathExpression): string | undefined {
    const name = simpleName(path);
    return name !== undefined && BLOCK_HELPER_NAMES.includes(name) ? name : undefined;
  }

  private fail(node: Node, message: string): void {
    const start = node.loc?.start;
    const where = start ? ` (line ${start.line}, column ${start.column + 1})` : '';
    const text = message + where;
    if (this.seenMessages.has(text)) return;
    this.seenMessages.add(text);
    this.errors.push({ path: this.pointer, message: text });
  }
}

/** Handlebars looks a literal mustache path (`{{"a b"}}`) up as a one-part path. */
function asPath(path: hbs.AST.PathExpression | hbs.AST.Literal): Path {
  if (path.type === 'PathExpression') return path as Path;
  const name = pathText(path);
  return {
    type: 'PathExpression',
    data: false,
    depth: 0,
    parts: [name],
    original: name,
    loc: path.loc,
  };
}

function simpleName(path: hbs.AST.PathExpression | hbs.AST.Literal): string | undefined {
  if (path.type !== 'PathExpression') return undefined;
  const p = path as Path;
  return !p.data && p.depth === 0 && p.parts.length === 1 && !isScoped(p) ? p.parts[0] : undefined;
}

function isScoped(path: Path): boolean {
  return /^(\.|this\b)/.test(path.original);
}

function pathText(path: hbs.AST.PathExpression | hbs.AST.Literal): string {
  if (path.type === 'PathExpression') return (path as Path).original;
  return String((path as hbs.AST.StringLiteral).original);
}
