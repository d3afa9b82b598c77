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

/**
 * mulberry32: a tiny seeded PRNG (32-bit state, uniform in [0, 1)). Not for cryptography; here
 * so that a bootstrap interval is the same on every machine and every run for the same data.
 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const BOOTSTRAP_DRAWS = 2000;
export const BOOTSTRAP_SEED = 1;

/**
 * A percentile bootstrap interval for Cohen's kappa (Efron & Tibshirani 1993, ch. 13): the
 * items are resampled with replacement `draws` times, kappa is computed on each resample, and
 * the interval is the (alpha/2 * draws)-th and ((1 - alpha/2) * draws)-th smallest of them,
 * order statistics with no interpolation. Kappa has no simple standard error at the sizes a
 * labelled set has (tens to a few hundred items), and its sampling distribution is skewed near 1,
 * which the percentiles follow and a normal interval does not. Seeded: reproducible.
 * Null with no items.
 */
export function bootstrapKappa<L extends string>(
  a: readonly L[],
  b: readonly L[],
  o: { draws?: number; seed?: number; confidence?: number } = {},
): { low: number; high: number } | null {
  if (a.length !== b.length) throw new Error('bootstrapKappa: both raters must label the same items');
  const n = a.length;
  if (n === 0) return null;
  const draws = o.draws ?? BOOTSTRAP_DRAWS;
  const alpha = 1 - (o.confidence ?? 0.95);
  const random = seededRandom(o.seed ?? BOOTSTRAP_SEED);
  const ra: L[] = new Array(n);
  const rb: L[] = new Array(n);
  const kappas: number[] = [];
  for (let d = 0; d < draws; d++) {
    for (let i = 0; i < n; i++) {
      const j = Math.floor(random() * n);
      ra[i] = a[j]!;
      rb[i] = b[j]!;
    }
    // Null only for an empty resample, which cannot happen here (n > 0).
    kappas.push(cohensKappa(ra, rb) ?? 0);
  }
  kappas.sort((x, y) => x - y);
  // The k-th smallest of the draws; the epsilon keeps 0.975 * 2000 at 1950, not 1950.0000000000002.
  const nth = (p: number) => kappas[Math.min(draws, Math.max(1, Math.ceil(p * draws - 1e-9))) - 1]!;
  return { low: nth(alpha / 2), high: nth(1 - alpha / 2) };
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
