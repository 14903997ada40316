/**
 * @module validation/parse-output
 * Finds the JSON document in a model's reply (API.md section 6): a leading BOM and surrounding
 * whitespace are ignored; the whole text, else the first code-fenced block whose content parses,
 * else the first object or array in the text that parses is taken. Syntax slips are fixed locally
 * and conservatively (see `repairJson`); a cut-off document is never completed.
 */

export type ExtractResult = { ok: true; value: unknown } | { ok: false; reason: string };

/** Fenced blocks: ```lang\n...``` (any or no tag), or a one-line ```...```. */
const FENCE = /```[^\n`]*\r?\n([\s\S]*?)```|```([^`\n]+)```/g;

const NOT_FOUND = 'no JSON value found in the output';
const CUT_OFF = 'the output ends inside an unfinished JSON document';

/** Extracts the JSON value a model reply holds; never throws. */
export function extractJson(text: string): ExtractResult {
  const trimmed = text.replace(/^\uFEFF/, '').trim();
  if (trimmed === '') return { ok: false, reason: 'empty output' };

  const whole = parseLenient(trimmed);
  if (whole.ok) return whole;

  for (const match of trimmed.matchAll(FENCE)) {
    const content = (match[1] ?? match[2]).trim();
    const fenced = content === '' ? whole : parseLenient(content);
    if (fenced.ok) return fenced;
  }

  return findFirstValue(trimmed);
}

/**
 * Brackets tried as the start of a JSON value before giving up. Each try may scan to the end of
 * the text, so the cap keeps the scan linear in the reply's length: a hostile reply such as
 * `{ a { a { a ...` must not hold the event loop.
 */
const MAX_CANDIDATES = 16;

/** Scans for `{` or `[` and returns the first balanced candidate that parses. */
function findFirstValue(text: string): ExtractResult {
  let from = 0;

  for (let tried = 0; from < text.length && tried < MAX_CANDIDATES; tried++) {
    const start = indexOfOpening(text, from);
    if (start < 0) return { ok: false, reason: NOT_FOUND };

    const end = findBalancedEnd(text, start);
    if (end === 'unterminated' && looksLikeJson(text, start)) return { ok: false, reason: CUT_OFF };
    if (typeof end !== 'number') {
      from = start + 1;
      continue;
    }

    const parsed = parseLenient(text.slice(start, end));
    if (parsed.ok) return parsed;
    from = end;
  }
  return { ok: false, reason: NOT_FOUND };
}

/**
 * Whether the bracket at `start` opens what reads as JSON (`{"`, `{key:`, `[1`, ...) rather than
 * a stray bracket in prose, so that "use the { key" does not count as a cut-off document.
 */
function looksLikeJson(text: string, start: number): boolean {
  const head = text.slice(start, start + 256);
  if (head.startsWith('{')) return /^\{\s*(?:["'\u201c}]|[A-Za-z_$][\w$-]*\s*:|$)/.test(head);
  return /^\[\s*(?:["'\u201c{[\]\d-]|true\b|false\b|null\b|$)/.test(head);
}

function indexOfOpening(text: string, from: number): number {
  const brace = text.indexOf('{', from);
  const bracket = text.indexOf('[', from);
  if (brace < 0) return bracket;
  if (bracket < 0) return brace;
  return Math.min(brace, bracket);
}

function parseLenient(candidate: string): ExtractResult {
  try {
    return { ok: true, value: JSON.parse(candidate) };
  } catch {
    // Not strict JSON: try the conservative repair below.
  }

  try {
    const repaired = repairJson(candidate);
    if (repaired !== undefined) return { ok: true, value: JSON.parse(repaired) };
  } catch {
    // Still not JSON after repair.
  }
  return { ok: false, reason: NOT_FOUND };
}

const CLOSERS: Record<string, string> = { '{': '}', '[': ']' };

/**
 * Index just past the bracket that closes the one at `start`, honouring strings (double, single
 * and curly quoted) and escapes; `unterminated` when the text ends first (a cut-off document),
 * `mismatched` when a closing bracket does not match.
 */
export function findBalancedEnd(
  text: string,
  start: number,
): number | 'unterminated' | 'mismatched' {
  const expected: string[] = [];
  let previous = '';

  for (let i = start; i < text.length; i++) {
    const char = text[i];
    if (isStringStart(char, previous)) {
      const end = skipString(text, i);
      if (end < 0) return 'unterminated';
      i = end - 1;
      previous = '"';
      continue;
    }

    if (char in CLOSERS) expected.push(CLOSERS[char]);
    else if (char === '}' || char === ']') {
      if (expected.pop() !== char) return 'mismatched';
      if (expected.length === 0) return i + 1;
    }
    if (!/\s/.test(char)) previous = char;
  }
  return 'unterminated';
}

/**
 * A double quote always opens a string; a single or curly quote only where a JSON token may start
 * (at the start, or after `{`, `[`, `,` or `:`), so an apostrophe in a bare word is not taken
 * for one.
 */
function isStringStart(char: string, previous: string): boolean {
  if (char === '"') return true;
  if (char !== "'" && char !== '\u201c') return false;
  return (
    previous === '' || previous === '{' || previous === '[' || previous === ',' || previous === ':'
  );
}

/**
 * Index just past the string opening at `start`, or -1 when the text ends inside it. A single
 * quoted string ends at a `'` followed by `,`, `:`, `}`, `]` or the end, so `'don't'` holds.
 */
function skipString(text: string, start: number): number {
  const open = text[start];

  for (let i = start + 1; i < text.length; i++) {
    const char = text[i];
    if (char === '\\') {
      i++;
      continue;
    }
    if (open === '"' && char === '"') return i + 1;
    if (open === '\u201c' && char === '\u201d') return i + 1;
    if (open === "'" && char === "'" && /^\s*(?:[,:}\]]|$)/.test(text.slice(i + 1, i + 64))) {
      return i + 1;
    }
  }
  return -1;
}

/**
 * Rewrites common syntax slips into strict JSON without adding content: single-quoted and curly
 * quoted strings become double-quoted, raw control characters inside strings are escaped,
 * unquoted object keys are quoted, trailing commas and comments are dropped. Returns undefined
 * when a string never ends (a cut-off document is not completed).
 */
export function repairJson(text: string): string | undefined {
  let out = '';
  let previous = '';

  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (isStringStart(char, previous)) {
      const end = skipString(text, i);
      if (end < 0) return undefined;
      out += toDoubleQuoted(text.slice(i + 1, end - 1), char);
      i = end - 1;
      previous = '"';
      continue;
    }

    const skipped = skipIgnorable(text, i, previous);
    if (skipped > i) {
      i = skipped - 1;
      continue;
    }

    const key = /^[A-Za-z_$][\w$-]*(?=\s*:)/.exec(text.slice(i, i + 256));
    if (key && (previous === '{' || previous === ',')) {
      out += JSON.stringify(key[0]);
      i += key[0].length - 1;
      previous = '"';
      continue;
    }

    out += char;
    if (!/\s/.test(char)) previous = char;
  }
  return out;
}

/** Past a trailing comma or a comment starting at `i`, else `i`. */
function skipIgnorable(text: string, i: number, previous: string): number {
  if (text[i] === ',') {
    const rest = /^,(\s*)[}\]]/.exec(text.slice(i, i + 4096));
    return rest && previous !== ',' ? i + 1 + rest[1].length : i;
  }
  if (text.startsWith('//', i)) {
    const end = text.indexOf('\n', i);
    return end < 0 ? text.length : end;
  }
  if (text.startsWith('/*', i)) {
    const end = text.indexOf('*/', i + 2);
    return end < 0 ? i : end + 2;
  }
  return i;
}

/** The body of a string delimited by `quote`, re-quoted as a strict JSON string. */
function toDoubleQuoted(body: string, quote: string): string {
  let out = '"';

  for (let i = 0; i < body.length; i++) {
    const char = body[i];
    if (char === '\\') {
      const next = body[i + 1] ?? '';
      out += next === "'" ? "'" : char + next;
      i++;
    } else if (char === '"' && quote !== '"') out += '\\"';
    else if (char < ' ') out += JSON.stringify(char).slice(1, -1);
    else out += char;
  }
  return `${out}"`;
}
