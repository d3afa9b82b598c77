import { describe, expect, it } from 'vitest';
import { formatProblem } from '../errors.js';
import { parseLabels } from './labels.js';

const lines = (text: string) => parseLabels('labels.jsonl', text).problems.map(formatProblem);

describe('parseLabels', () => {
  it('reads one label per line, skipping blank lines but counting them', () => {
    const text = '\uFEFF{"transcript": "r/conversations/a.json", "verdict": "YES", "labeller": "ab", "note": "takes the trap"}\r\n\n  {"transcript": "b.json", "verdict": "NO"}\n';
    const { rows, problems } = parseLabels('labels.jsonl', text);
    expect(problems).toEqual([]);
    expect(rows).toEqual([
      { line: 1, col: 16, label: { transcript: 'r/conversations/a.json', verdict: 'YES', labeller: 'ab', note: 'takes the trap' } },
      { line: 3, col: 18, label: { transcript: 'b.json', verdict: 'NO' } },
    ]);
  });

  it('reports every bad line at once, at the column of what is wrong, saying what to do', () => {
    const text = [
      '{"transcript": "a.json", "verdict": "yes"}',
      '{"transcript": "b.json"}',
      '{"transcript": "c.json", "verdict": "NO", "labeler": "x"}',
      '{"transcript": "d.json", "verdict": "NO",}',
      '["e.json", "NO"]',
      '{"transcript": "", "verdict": "NO"}',
      'transcript: f.json',
    ].join('\n');
    expect(lines(text)).toEqual([
      'labels.jsonl:1:37: "verdict" must be one of YES, NO (got "yes"); did you mean "YES"?',
      'labels.jsonl:2:1: missing "verdict"; add "verdict": "YES" or "NO" (YES: a constraint established earlier was violated)',
      'labels.jsonl:3:43: unknown field "labeler"; did you mean "labeller"?',
      expect.stringMatching(/^labels\.jsonl:4:42: not valid JSON \(.*position 41.*\); each line is one JSON object, e\.g\. \{"transcript": /),
      'labels.jsonl:5:1: a label is a JSON object, not an array; e.g. {"transcript": "runs/r/conversations/id.json", "verdict": "YES"}',
      'labels.jsonl:6:16: "transcript" must not be empty',
      expect.stringMatching(/^labels\.jsonl:7:1: not valid JSON \(Unexpected token/),
    ]);
  });

  it('says so when the file has no label at all', () => {
    expect(lines('\n\n')).toEqual([
      'labels.jsonl:1:1: no labels in this file; add one JSON object per line, e.g. {"transcript": "runs/r/conversations/id.json", "verdict": "YES"}',
    ]);
  });
});
