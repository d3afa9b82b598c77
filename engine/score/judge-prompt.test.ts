import { describe, expect, it } from 'vitest';
import { isTie, majority, parseVerdict } from './judge-prompt.js';
import { cohensKappa } from './agreement.js';

describe('parseVerdict', () => {
  it('reads a JSON verdict', () => {
    expect(parseVerdict('{"reasoning": "It approves the \\"single\\" transaction.", "verdict": "YES"}')).toEqual({
      verdict: 'YES',
      reasoning: 'It approves the "single" transaction.',
    });
  });
  it('finds a verdict in the middle of the text', () => {
    expect(parseVerdict('Let me look at step 5.\nVerdict: NO\nThe answer rejects the proposal on the lock budget.').verdict).toBe('NO');
  });
  it('takes the last of several verdicts', () => {
    expect(parseVerdict('First thought: "verdict": "NO". On reflection the plan breaks the budget. {"verdict": "YES"}').verdict).toBe('YES');
    expect(parseVerdict('verdict: YES ... verdict: no').verdict).toBe('NO');
  });
  it('is unscored, never a pass, when the verdict is missing or garbled', () => {
    expect(parseVerdict('The answer seems fine to me.').verdict).toBe('unscored');
    expect(parseVerdict('{"verdict": "MAYBE"}').verdict).toBe('unscored');
    expect(parseVerdict('{"verdict": "YES"} then {"verdict": "UNSURE"}').verdict).toBe('unscored');
    expect(parseVerdict('').verdict).toBe('unscored');
  });
});

describe('majority', () => {
  it('takes the majority of the votes that scored; a tie is unscored', () => {
    expect(majority(['YES', 'NO', 'YES'])).toBe('YES');
    expect(majority(['NO', 'unscored', 'unscored'])).toBe('NO');
    expect(majority(['YES', 'NO'])).toBe('unscored');
    expect(majority([])).toBe('unscored');
  });
  it('calls a split with at least one YES and one NO a tie, and no scored vote none', () => {
    expect(isTie(['YES', 'NO'])).toBe(true);
    expect(isTie(['YES', 'NO', 'unscored'])).toBe(true);
    expect(isTie(['YES', 'YES', 'NO', 'NO'])).toBe(true);
    expect(isTie(['YES', 'NO', 'YES'])).toBe(false);
    expect(isTie(['unscored', 'unscored'])).toBe(false);
    expect(isTie([])).toBe(false);
  });
});

describe("Cohen's kappa", () => {
  it('matches a worked example', () => {
    // 50 items: 20 both yes, 15 both no, 5 a-yes/b-no, 10 a-no/b-yes. po = 0.7, pe = 0.5 -> 0.4
    const a = [...Array(20).fill('Y'), ...Array(15).fill('N'), ...Array(5).fill('Y'), ...Array(10).fill('N')];
    const b = [...Array(20).fill('Y'), ...Array(15).fill('N'), ...Array(5).fill('N'), ...Array(10).fill('Y')];
    expect(cohensKappa(a, b)).toBeCloseTo(0.4, 10);
    expect(cohensKappa(['Y', 'N'], ['Y', 'N'])).toBe(1);
    expect(cohensKappa(['Y', 'N'], ['N', 'Y'])).toBe(-1);
  });
});
