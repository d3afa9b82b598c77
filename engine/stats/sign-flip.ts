/**
 * The sign-flip (Fisher–Pitman) permutation test of a mean difference: under "no difference
 * between the cells", each scenario's difference is as likely to have come out with the other
 * sign, so the observed |Σ d| is ranked among the |Σ ±d| of every sign pattern. It is exact
 * with no assumption about the shape of the differences, which with 8 scenarios and rates in
 * steps of 1/R no normal approximation can promise. Fisher (1935), The Design of Experiments,
 * §21; Good (2005), Permutation, Parametric and Bootstrap Tests of Hypotheses, §3.
 */
import { seededRandom } from './random.js';

/** Up to this many non-zero differences, every sign pattern is enumerated (2^20 ≈ 1e6 steps, tens of ms). */
export const EXACT_SIGN_FLIP_MAX = 20;
/** Monte Carlo draws beyond that: the p-value's standard error is at most 0.0016, and 0.0007 near 0.05. */
export const SIGN_FLIP_DRAWS = 100_000;
const SIGN_FLIP_SEED = 0x14c0ffee;

export interface SignFlipResult {
  p: number;
  /** 'exact' over 2^nonZero patterns, or 'monte-carlo' over `draws` seeded random patterns. */
  method: 'exact' | 'monte-carlo';
  /** Differences that are not zero: a zero has no sign to flip and leaves the statistic alone. */
  nonZero: number;
  draws: number;
}

export function signFlipTest(diffs: readonly number[], draws = SIGN_FLIP_DRAWS): SignFlipResult {
  const scale = diffs.reduce((a, d) => a + Math.abs(d), 0);
  const d = diffs.filter((x) => Math.abs(x) > 1e-12 * Math.max(1, scale));
  const m = d.length;
  if (m === 0) return { p: 1, method: 'exact', nonZero: 0, draws: 0 };
  const observed = Math.abs(d.reduce((a, x) => a + x, 0));
  // Differences are fractions like k/R; sums of them that are equal in exact arithmetic must tie.
  const bar = observed - 1e-9 * Math.max(1, scale);
  if (m <= EXACT_SIGN_FLIP_MAX) {
    // Walk all 2^m patterns in Gray-code order: each step flips exactly one sign, so the sum updates in O(1).
    const sign = new Array<number>(m).fill(1);
    let sum = d.reduce((a, x) => a + x, 0);
    let extreme = 1; // the all-plus pattern is the observed one
    const total = 2 ** m;
    for (let i = 1; i < total; i++) {
      const bit = 31 - Math.clz32(i & -i);
      sum -= 2 * sign[bit]! * d[bit]!;
      sign[bit] = -sign[bit]!;
      if (Math.abs(sum) >= bar) extreme++;
    }
    return { p: extreme / total, method: 'exact', nonZero: m, draws: 0 };
  }
  const random = seededRandom(SIGN_FLIP_SEED);
  let extreme = 0;
  for (let k = 0; k < draws; k++) {
    let sum = 0;
    let bits = 0;
    for (let j = 0; j < m; j++) {
      if (j % 32 === 0) bits = Math.floor(random() * 4294967296);
      sum += (bits >>> (j % 32)) & 1 ? d[j]! : -d[j]!;
    }
    if (Math.abs(sum) >= bar) extreme++;
  }
  // (b + 1) / (B + 1): a Monte Carlo permutation p-value is never 0 (Phipson & Smyth 2010, SAGMB 9:39).
  return { p: (extreme + 1) / (draws + 1), method: 'monte-carlo', nonZero: m, draws };
}

/** How a sign-flip p was reached, for the `test` strings reports print. */
export function describeSignFlip(r: SignFlipResult): string {
  if (r.nonZero === 0) return 'sign-flip permutation p = 1 (no scenario differs)';
  if (r.method === 'exact') return `exact sign-flip permutation p over all 2^${r.nonZero} sign patterns`;
  return `sign-flip permutation p from ${r.draws} seeded Monte Carlo patterns (${r.nonZero} differing scenarios, more than ${EXACT_SIGN_FLIP_MAX} to enumerate)`;
}
