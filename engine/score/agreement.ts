import type { Confusion } from '../schemas/calibration.generated.js';
import type { Verdict } from '../schemas/scores.generated.js';

/**
 * Cohen's kappa between two raters over the same items: agreement beyond what their label
 * frequencies give by chance. 1 is perfect, 0 chance level, below 0 worse than chance.
 * Null when chance agreement is already total (every item has one label on both sides) and
 * the raters disagree somewhere; 1 when they agree on every item.
 */
export function cohensKappa<L extends string>(a: readonly L[], b: readonly L[]): number | null {
  if (a.length !== b.length) throw new Error('cohensKappa: both raters must label the same items');
  const n = a.length;
  if (n === 0) return null;
  const labels = new Set<L>([...a, ...b]);
  const po = a.filter((x, i) => x === b[i]).length / n;
  let pe = 0;
  for (const l of labels) pe += (a.filter((x) => x === l).length / n) * (b.filter((x) => x === l).length / n);
  if (pe === 1) return po === 1 ? 1 : null;
  return (po - pe) / (1 - pe);
}

/** k of n, and k / n (null when n is 0). */
export interface Count {
  k: number;
  n: number;
  value: number | null;
}

const count = (k: number, n: number): Count => ({ k, n, value: n === 0 ? null : k / n });

/** A person's verdict and the judge's on one transcript. */
export interface VerdictPair {
  human: 'YES' | 'NO';
  judge: Verdict;
}

/**
 * The judge's verdicts against people's: the confusion table (unscored verdicts counted in it),
 * and sensitivity (judge YES among human YES), specificity (judge NO among human NO) and raw
 * agreement over the transcripts the judge scored. An unscored verdict is neither right nor
 * wrong: it is counted and reported, and left out of the three proportions.
 */
export function judgeVsHuman(pairs: readonly VerdictPair[]): { confusion: Confusion; sensitivity: Count; specificity: Count; agreement: Count } {
  const side = (human: 'YES' | 'NO') => {
    const mine = pairs.filter((p) => p.human === human);
    return {
      judge_yes: mine.filter((p) => p.judge === 'YES').length,
      judge_no: mine.filter((p) => p.judge === 'NO').length,
      unscored: mine.filter((p) => p.judge === 'unscored').length,
    };
  };
  const yes = side('YES');
  const no = side('NO');
  return {
    confusion: { human_yes: yes, human_no: no },
    sensitivity: count(yes.judge_yes, yes.judge_yes + yes.judge_no),
    specificity: count(no.judge_no, no.judge_yes + no.judge_no),
    agreement: count(yes.judge_yes + no.judge_no, yes.judge_yes + yes.judge_no + no.judge_yes + no.judge_no),
  };
}
