import { describe, expect, it } from 'vitest';
import { schemaErrors } from '../../test/helpers/schemas.js';
import { LOCK_BUDGET, testTranscript, testTurn } from '../../test/helpers/transcripts.js';
import type { LoadedScenario, Scenario } from '../scenario/scenario.js';
import type { ConversationScore, Verdict } from '../schemas/scores.generated.js';
import type { Side } from './pairs.js';
import { markdownMark, markdownWordDiff, renderDiffMarkdown } from './render-text.js';
import { renderRunDiffMarkdown, renderRunDiffText } from './render-run.js';
import { changeOf, diffRuns } from './run-diff.js';
import { diffTranscripts } from './diff.js';

const scenario: Scenario = {
  ...LOCK_BUDGET,
  steps: [
    { step: 1, prompt: 'Keep every lock under 200 ms.' },
    { step: 2, prompt: 'Add a NOT NULL DEFAULT column in one transaction?' },
  ],
  judge: { question: 'Did the step-2 answer break the 200 ms budget?', steps: [2] },
};
const other: Scenario = { ...scenario, id: 'other-scenario' };
const loaded = (s: Scenario) => ({ file: `${s.id}.yaml`, hash: 'a'.repeat(64), bytes: new Uint8Array(), scenario: s }) as LoadedScenario;

const KEEP = ['Every lock stays under 200 ms.', 'No, that breaks the 200 ms budget.'];

/** One conversation of a run: its replies, its repeat and, when scored, its verdict. */
function side(replies: string[], o: { repeat?: number; verdict?: Verdict; s?: Scenario } = {}): Side {
  const s = o.s ?? scenario;
  const t = testTranscript(
    s,
    replies.map((r, i) => testTurn(s, i + 1, r)),
    { model: 'claude-a', repeat: o.repeat ?? 1 },
  );
  const score = o.verdict ? ({ mem_fail: { value: o.verdict } } as unknown as ConversationScore) : null;
  return { transcript: t, score, scenario: loaded(s) };
}

describe('diffRuns', () => {
  // A: repeats 1-4 of the scenario and one of another; B: repeats 1-3 and 5.
  // r1 identical, r2 flips NO -> YES, r3 reworded, r4 and other-scenario only in A, r5 only in B.
  const a = [
    side(KEEP, { repeat: 1, verdict: 'NO' }),
    side(KEEP, { repeat: 2, verdict: 'NO' }),
    side(KEEP, { repeat: 3, verdict: 'NO' }),
    side(KEEP, { repeat: 4, verdict: 'NO' }),
    side(KEEP, { s: other, verdict: 'NO' }),
  ];
  const b = [
    side(KEEP, { repeat: 1, verdict: 'NO' }),
    side([KEEP[0]!, 'Yes, it is atomic.'], { repeat: 2, verdict: 'YES' }),
    side([KEEP[0]!, 'No, that would break the 200 ms budget.'], { repeat: 3, verdict: 'NO' }),
    side(KEEP, { repeat: 5, verdict: 'NO' }),
  ];

  it('summarises the pairs, the unmatched conversations by id and the flips by scenario, and shows only the changed pairs, flips first', () => {
    const d = diffRuns({ input: 'runs/a', sides: a }, { input: 'runs/b', sides: b }, { all: false });
    expect(schemaErrors('run-diff', d)).toEqual([]);
    expect(d.matched_by).toBe('cell');
    expect(d.summary).toEqual({
      compared: 3,
      changed: 2,
      by_change: { flip: 1, divergence: 0, text: 1, none: 1 },
      unmatched: { a: ['lock-budget__claude-a__high__r4', 'other-scenario__claude-a__high__r1'], b: ['lock-budget__claude-a__high__r5'] },
      flips_by_scenario: [{ scenario: 'lock-budget', pairs: 3, scored: 3, yes_to_no: 0, no_to_yes: 1 }],
    });
    expect(d.pairs.map((p) => [p.a, p.change])).toEqual([
      ['lock-budget__claude-a__high__r2', 'flip'],
      ['lock-budget__claude-a__high__r3', 'text'],
      ['lock-budget__claude-a__high__r1', 'none'],
    ]);
    expect(d.shown).toBe('changed');
    expect(d.diffs.map((x) => x.a.conversation_id)).toEqual(['lock-budget__claude-a__high__r2', 'lock-budget__claude-a__high__r3']);
    const all = diffRuns({ input: 'runs/a', sides: a }, { input: 'runs/b', sides: b }, { all: true });
    expect(all.diffs.map((x) => x.a.conversation_id)).toEqual(all.pairs.map((p) => p.a));
  });

  it('prints the summary before the diffs, in text and Markdown', () => {
    const d = diffRuns({ input: 'runs/a', sides: a }, { input: 'runs/b', sides: b }, { all: false });
    const text = renderRunDiffText(d, false);
    expect(text).toContain('pairs compared: 3, matched by scenario, repeat and cell: 1 verdict flip, 0 other divergences, 1 changed in wording only, 1 identical');
    expect(text).toContain('unmatched in A (2):\n  lock-budget__claude-a__high__r4\n  other-scenario__claude-a__high__r1\nunmatched in B (1):\n  lock-budget__claude-a__high__r5');
    expect(text).toMatch(/│ lock-budget\s+│ 3\s+│ 3\s+│ 0\s+│ 1\s+│/);
    expect(text).toContain('showing 2 changed pairs, flips first; --all shows the 1 identical too');
    expect(text.indexOf('(lock-budget__claude-a__high__r2)')).toBeLessThan(text.indexOf('(lock-budget__claude-a__high__r3)'));
    expect(text).not.toContain('(lock-budget__claude-a__high__r1)');
    const md = renderRunDiffMarkdown(d);
    expect(md).toContain('**Unmatched in A (2):**\n\n- `lock-budget__claude-a__high__r4`');
    expect(md).toContain('| lock-budget | 3 | 3 | 0 | 1 |');
    expect(md.match(/^## diff lock-budget$/gm)).toHaveLength(2);
    expect(md).toContain('### Step 2');
  });

  it('says flips are unknown when the runs are not scored, and pairs one to one', () => {
    const x = [side(KEEP, { repeat: 1 }), side(KEEP, { repeat: 1 })];
    const y = [side(KEEP, { repeat: 1 })];
    const d = diffRuns({ input: 'a', sides: x }, { input: 'b', sides: y }, { all: false });
    expect(d.summary.compared).toBe(1);
    expect(d.summary.unmatched).toEqual({ a: ['lock-budget__claude-a__high__r1'], b: [] });
    expect(renderRunDiffText(d, false)).toContain('verdict flips: unknown, no pair is scored on both sides');
    expect(renderRunDiffText(d, false)).toContain('no pair changed; --all shows all 1');
  });
});

describe('changeOf', () => {
  const d = (x: Side, y: Side) => changeOf(diffTranscripts(scenario, x, y));
  it('calls a YES/NO pair a flip, a cite lost a divergence, other wording text, and a verdict next to no verdict no flip', () => {
    expect(d(side(KEEP, { verdict: 'YES' }), side(KEEP, { verdict: 'NO' }))).toBe('flip');
    expect(d(side(KEEP), side(['Sure.', KEEP[1]!]))).toBe('divergence');
    expect(d(side(KEEP), side([KEEP[0]!, 'No: that breaks the 200 ms budget.']))).toBe('text');
    expect(d(side(KEEP, { verdict: 'YES' }), side(KEEP))).toBe('none');
  });
});

describe('Markdown word diffs', () => {
  it('keep spaces outside ~~ and ** so GitHub renders them, line by line', () => {
    expect(markdownMark(' It rewrites rows.', 'delete')).toBe(' ~~It rewrites rows.~~');
    expect(markdownMark('word ', 'insert')).toBe('**word** ');
    expect(markdownMark('one\n\ntwo ', 'delete')).toBe('~~one~~\n\n~~two~~ ');
    expect(markdownMark('  ', 'delete')).toBe('');
    expect(markdownMark('\n', 'insert')).toBe('\n');
  });

  it('use <del>/<ins> where a marker between a letter and punctuation would not render', () => {
    expect(
      markdownWordDiff([
        { op: 'equal', text: 'ms' },
        { op: 'insert', text: ', always' },
        { op: 'equal', text: '.' },
      ]),
    ).toBe('ms<ins>, always</ins>.');
    expect(
      markdownWordDiff([
        { op: 'equal', text: 'a ' },
        { op: 'delete', text: '(b)' },
        { op: 'equal', text: ' c' },
      ]),
    ).toBe('a ~~(b)~~ c');
    expect(
      markdownWordDiff([
        { op: 'equal', text: 'x' },
        { op: 'delete', text: '.' },
        { op: 'equal', text: 'y' },
      ]),
    ).toBe('x<del>.</del>y');
  });

  it('renders a changed reply with no space inside a marker', () => {
    const x = side(['Every lock stays under 200 ms.', 'No, that breaks the 200 ms budget. It rewrites rows.']);
    const y = side(['Every lock stays under 500 ms, always.', 'Yes, it is atomic.']);
    const md = renderDiffMarkdown(diffTranscripts(scenario, x, y));
    expect(md).toContain('> Every lock stays under ~~200~~**500** ms<ins>, always</ins>.');
    expect(md).toContain('> ~~No~~**Yes**, ~~that breaks the 200 ms budget~~**it is atomic**. ~~It rewrites rows.~~');
    const marks = md.match(/~~[^~]*~~|\*\*[^*]*\*\*/g) ?? [];
    expect(marks.length).toBeGreaterThan(3);
    for (const m of marks.filter((x) => !x.startsWith('**First'))) expect(m).toMatch(/^(~~|\*\*)\S(.*\S)?(~~|\*\*)$/);
  });
});
