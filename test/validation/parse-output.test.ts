import { extractJson, repairJson } from '../../src/validation/parse-output';

function value(text: string): unknown {
  const result = extractJson(text);
  if (!result.ok) throw new Error(result.reason);
  return result.value;
}

function reason(text: string): string {
  const result = extractJson(text);
  if (result.ok) throw new Error(`parsed: ${JSON.stringify(result.value)}`);
  return result.reason;
}

describe('extractJson', () => {
  it('parses plain JSON with a leading BOM and surrounding whitespace', () => {
    expect(value('\uFEFF  \n{"label":"positive","score":0.9}\n ')).toEqual({
      label: 'positive',
      score: 0.9,
    });
  });

  it('takes a bare string, number or array when the whole text is one', () => {
    expect(value('"hello"')).toBe('hello');
    expect(value(' 42 ')).toBe(42);
    expect(value('[1, 2]')).toEqual([1, 2]);
  });

  it('unwraps a fenced block with a language tag', () => {
    const text = '```json\n{\n  "category": "billing",\n  "urgent": true\n}\n```';

    expect(value(text)).toEqual({ category: 'billing', urgent: true });
  });

  it('unwraps a fenced block without a tag, with prose around it', () => {
    const text = 'Here you go:\n```\n[{"a": 1}]\n```\nHope this helps! {"b": 2}';

    expect(value(text)).toEqual([{ a: 1 }]);
    expect(value('Sure: ```{"inline": true}``` done')).toEqual({ inline: true });
  });

  it('skips a fenced block that does not parse for the next one', () => {
    const text = '```python\nprint("x")\n```\nand\n```JSON\r\n{"ok": 1}\r\n```';

    expect(value(text)).toEqual({ ok: 1 });
  });

  it('finds the first JSON value in prose', () => {
    expect(value('Sure! Here is the result: {"label": "neutral"} Let me know.')).toEqual({
      label: 'neutral',
    });
    expect(value("It's {not json} but [1, 2] is.")).toEqual([1, 2]);
    expect(value('The brace } comes first, then {"a": "}{"}')).toEqual({ a: '}{' });
  });

  it('respects strings and escapes when finding the end', () => {
    expect(value('x {"a": "quote \\" and ] bracket", "b": [1]} y')).toEqual({
      a: 'quote " and ] bracket',
      b: [1],
    });
  });

  it('fixes trailing commas', () => {
    expect(value('{"a": [1, 2,], "b": 3,}')).toEqual({ a: [1, 2], b: 3 });
    expect(value('```json\n{"a": 1,\n}\n```')).toEqual({ a: 1 });
  });

  it('fixes single-quoted strings and keys', () => {
    expect(value("{'label': 'don't know', 'n': 1}")).toEqual({ label: "don't know", n: 1 });
    expect(value("{'say': 'he said \"hi\"', 'esc': 'it\\'s'}")).toEqual({
      say: 'he said "hi"',
      esc: "it's",
    });
  });

  it('fixes unquoted keys, curly quotes, raw newlines and comments', () => {
    expect(value('{label: "positive", score_1: 0.5}')).toEqual({ label: 'positive', score_1: 0.5 });
    expect(value('{\u201clabel\u201d: \u201cpositive\u201d}')).toEqual({ label: 'positive' });
    expect(value('{"text": "line one\nline two"}')).toEqual({ text: 'line one\nline two' });
    expect(value('{\n  // the label\n  "a": 1 /* done */\n}')).toEqual({ a: 1 });
  });

  it('keeps string content untouched while repairing', () => {
    expect(value("{'url': 'http://x.io/a,}', k: 'v',}")).toEqual({
      url: 'http://x.io/a,}',
      k: 'v',
    });
  });

  it('fails on a cut-off document instead of completing it', () => {
    expect(reason('{"query":"family picnic beside a mountain la')).toMatch(/unfinished/);
    expect(reason('{"a": {"b": 1}, "c": [1, 2')).toMatch(/unfinished/);
    expect(reason('```json\n{"a": 1, "b": [\n```')).toMatch(/unfinished/);
  });

  it('does not take a stray bracket in prose for a cut-off document', () => {
    expect(value('Use the { key, then answer: {"a": 1}')).toEqual({ a: 1 });
    expect(value('Options [see below\n["x"]')).toEqual(['x']);
    expect(reason('Answer: [1, 2')).toMatch(/unfinished/);
    expect(reason('{')).toMatch(/unfinished/);
  });

  it('fails on empty output', () => {
    expect(reason('')).toBe('empty output');
    expect(reason(' \n\t\uFEFF')).toBe('empty output');
    expect(reason('\uFEFF')).toBe('empty output');
  });

  it('fails when no JSON is present', () => {
    expect(reason('I cannot help with that.')).toMatch(/no JSON value/);
    expect(reason('{label: positive}')).toMatch(/no JSON value/);
    expect(reason('```\nnot json\n```')).toMatch(/no JSON value/);
  });

  it('never throws on odd input', () => {
    for (const text of ['{', ']', '[}', '```', "'", '"', '{"a":1}}', '\\', '/*']) {
      expect(() => extractJson(text)).not.toThrow();
    }
  });
});

describe('repairJson', () => {
  it('returns undefined for an unterminated string', () => {
    expect(repairJson('{"a": "b')).toBeUndefined();
  });

  it('leaves strict JSON equivalent', () => {
    const text = '{"a": [1, {"b": "c\\n"}], "d": null}';

    expect(JSON.parse(repairJson(text) as string)).toEqual(JSON.parse(text));
  });
});

describe('extractJson on hostile replies', () => {
  // Scanning from every bracket to the end took minutes on 200 KB; a regression hangs this test
  // past jest's timeout rather than failing a timing assertion.
  it('gives up on many unbalanced brackets instead of scanning from each of them', () => {
    expect(extractJson('{ a '.repeat(50_000)).ok).toBe(false);
    expect(extractJson(`${'[ x '.repeat(50_000)}{"ok": true}`).ok).toBe(false);
  });
});
