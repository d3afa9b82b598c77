import { describe, expect, it } from 'vitest';
import { keyOf } from './yaml-errors.js';
import { parseYaml } from './yaml-source.js';

/** The first problem parseYaml reports for `text`, as `line:col: message`. */
function firstProblem(text: string): string {
  const r = parseYaml('t.yaml', new TextEncoder().encode(text));
  if (r.ok) throw new Error('expected a problem');
  const p = r.problems[0]!;
  return `${p.line}:${p.col}: ${p.message}`;
}

describe('YAML syntax errors point at the mistake and say the fix', () => {
  it('blames an over-indented key, not the value on the line above it', () => {
    expect(firstProblem('steps:\n  - step: 1\n    prompt: hi\n      cues: [a]\n')).toBe('4:7: "cues" is indented 6 spaces; its siblings use 4: line it up with "prompt" on line 3');
  });

  it('blames an under-indented key, not the next quoted string', () => {
    expect(firstProblem('steps:\n  - step: 1\n    prompt: hi\n   cues: [\'a\']\n    title: "x"\n')).toBe(
      '4:4: "cues" is indented 3 spaces; its siblings use 4: line it up with "prompt" on line 3',
    );
  });

  it('still reports a quote that is really never closed where it opens', () => {
    expect(firstProblem('id: x\ntitle: "never closed\nsteps: []\n')).toBe('2:8: this double-quoted string is never closed; add the closing "');
  });

  it('asks to quote a plain value that contains ": "', () => {
    expect(firstProblem('id: x\nprompt: Rule one: be brief\n')).toBe(
      `2:9: this value contains ": ", which YAML reads as the start of a nested key; quote this value: 'Rule one: be brief'`,
    );
  });

  it('asks for single quotes around a regex written in double quotes, at the escape', () => {
    expect(firstProblem('id: x\ncues: ["200\\s*ms", "it\'s\\b"]\n')).toBe(`2:12: in double quotes \\s is an escape; write regexes in single quotes: '200\\s*ms'`);
    const r = parseYaml('t.yaml', new TextEncoder().encode('a: "\\d"\nb: "it\'s\\w"\n'));
    // Bad escapes do not derail the parse: every one is reported, a quote inside doubled.
    expect(r.ok ? [] : r.problems.map((p) => `${p.line}: ${p.message}`)).toEqual([
      "1: in double quotes \\d is an escape; write regexes in single quotes: '\\d'",
      "2: in double quotes \\w is an escape; write regexes in single quotes: 'it''s\\w'",
    ]);
  });

  it('names a duplicate key and where it first appears', () => {
    expect(firstProblem('id: x\njudge:\n  steps: [1]\n  question: q\n  steps: [2]\n')).toBe(
      '5:3: duplicate key "steps" (first at line 3); each key may appear once in a mapping: remove or rename one of them',
    );
  });

  it('reads keys from plain and list-item lines', () => {
    expect(keyOf('    prompt: hi')).toEqual({ key: 'prompt', column: 4 });
    expect(keyOf('  - id: a')).toEqual({ key: 'id', column: 4 });
    expect(keyOf('  - just an item')).toBeUndefined();
    expect(keyOf('# a: comment')).toBeUndefined();
  });
});
