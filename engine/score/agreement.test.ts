import { describe, expect, it } from 'vitest';
import { judgeVsHuman, type VerdictPair } from './agreement.js';

type YN = 'YES' | 'NO';

describe('judgeVsHuman', () => {
  it('counts the confusion table with unscored verdicts, and leaves them out of sensitivity, specificity and agreement', () => {
    const p = (human: YN, judge: VerdictPair['judge'], times: number): VerdictPair[] => Array.from({ length: times }, () => ({ human, judge }));
    const pairs = [...p('YES', 'YES', 6), ...p('YES', 'NO', 2), ...p('YES', 'unscored', 1), ...p('NO', 'YES', 1), ...p('NO', 'NO', 9), ...p('NO', 'unscored', 3)];
    expect(judgeVsHuman(pairs)).toEqual({
      confusion: { human_yes: { judge_yes: 6, judge_no: 2, unscored: 1 }, human_no: { judge_yes: 1, judge_no: 9, unscored: 3 } },
      sensitivity: { k: 6, n: 8, value: 0.75 },
      specificity: { k: 9, n: 10, value: 0.9 },
      agreement: { k: 15, n: 18, value: 15 / 18 },
    });
  });

  it('has no sensitivity without a person-YES the judge scored', () => {
    const r = judgeVsHuman([
      { human: 'YES', judge: 'unscored' },
      { human: 'NO', judge: 'NO' },
    ]);
    expect(r.sensitivity).toEqual({ k: 0, n: 0, value: null });
    expect(r.specificity).toEqual({ k: 1, n: 1, value: 1 });
  });
});
