/**
 * Rates when scenarios, not conversations, are the unit of evidence (issue 14). Repeats of one
 * scenario share its difficulty, so R repeats of S scenarios carry far less than S * R
 * independent answers: a Wilson interval over the pooled conversations is too narrow by about
 * the square root of the design effect (1 + (R - 1) * ICC).
 */
import { tQuantile } from './distributions.js';
import { wilson } from './stats.js';

/** One scenario in one cell: its YES count and scored conversations. */
export interface ScenarioCount {
  scenario: string;
  failed: number;
  n: number;
}

export interface Interval {
  low: number;
  high: number;
}

export interface ClusteredRate {
  /** Scenarios with at least one scored conversation. */
  S: number;
  n: number;
  failed: number;
  /** The mean of the per-scenario rates: each scenario weighs the same, whatever its n. */
  rate: number | null;
  ci95: Interval | null;
  method: string;
  /**
   * The effective number of independent conversations the interval rests on (n / design
   * effect): between S and n. Null below 2 scenarios.
   */
  effectiveN: number | null;
}

/** Sample mean and standard deviation (n - 1 denominator). */
export function meanSd(xs: readonly number[]): { mean: number; sd: number } {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const ss = xs.reduce((a, x) => a + (x - mean) ** 2, 0);
  return { mean, sd: xs.length > 1 ? Math.sqrt(ss / (xs.length - 1)) : 0 };
}

/**
 * Rates this close count as equal: per-scenario rates are fractions k/n, and a spread of
 * rounding error must not pass for between-scenario variation.
 */
export const SPREAD_EPS = 1e-12;

const clip = (x: number) => Math.min(1, Math.max(0, x));

/**
 * The rate across scenarios with a 95% interval that honours the clustering.
 *
 * - S = 1: the Wilson interval over that scenario's repeats. It speaks for that scenario only;
 *   nothing in one scenario says how others would fare.
 * - S >= 2: the t interval over the S scenario rates with S - 1 df, clipped to [0, 1] (the
 *   "cluster-level analysis" of Donner & Klar 2000, §6.2: the spread of the scenario rates holds
 *   both the between-scenario variation and the repeat noise, so no ICC estimate is needed),
 *   widened where needed to the Wilson interval at the effective sample size
 *   n_eff = rate (1 - rate) / (sd² / S), kept within [S, n], with the t_{S-1} quantile in place
 *   of z. That is Korn & Graubard's (1998, Survey Methodology 24:193) interval for a proportion
 *   from clustered data, Wilson in place of their Clopper–Pearson. Why both: with few
 *   scenarios and a low rate, scenario rates are skewed (most 0, a few high) and the symmetric t
 *   interval misses the truth above; simulated at S = 8, ICC 0.35, R = 10, mean 0.1 it covers
 *   78.5%, the union 93.3% (simulation.test.ts). Where the rate is mid-range the two nearly agree.
 * - S >= 2 with every scenario rate equal (sd 0, most often all 0 or all 1): the t interval would
 *   have zero width and n_eff would be unbounded. We give the Wilson interval for S * rate out
 *   of S: each scenario counted as a single observation. Whatever the ICC, S scenarios are
 *   worth at least S independent conversations (n_eff = n / DEFF and DEFF <= R), so this holds
 *   for any correlation; repeats that all agree cannot show that the correlation is low.
 */
export function clusteredRate(groups: readonly ScenarioCount[]): ClusteredRate {
  const used = groups.filter((g) => g.n > 0);
  const S = used.length;
  const n = used.reduce((a, g) => a + g.n, 0);
  const failed = used.reduce((a, g) => a + g.failed, 0);
  if (S === 0) return { S, n, failed, rate: null, ci95: null, method: 'no scored conversations', effectiveN: null };
  if (S === 1) {
    return { S, n, failed, rate: failed / n, ci95: wilson(failed, n), method: 'Wilson over one scenario’s repeats (says nothing about other scenarios)', effectiveN: null };
  }
  const { mean, sd } = meanSd(used.map((g) => g.failed / g.n));
  if (sd < SPREAD_EPS) {
    const method = `Wilson with effective n = S = ${S} (every scenario rate equal, so the spread between scenarios is unknown)`;
    return { S, n, failed, rate: mean, ci95: wilson(mean * S, S), method, effectiveN: S };
  }
  const t = tQuantile(0.975, S - 1);
  const half = (t * sd) / Math.sqrt(S);
  const effectiveN = Math.min(n, Math.max(S, (mean * (1 - mean) * S) / (sd * sd)));
  const w = wilson(mean * effectiveN, effectiveN, t)!;
  const low = Math.min(clip(mean - half), w.low);
  const high = Math.max(clip(mean + half), w.high);
  const widened = low < clip(mean - half) - 1e-12 || high > clip(mean + half) + 1e-12;
  const method = `t over ${S} scenario rates (${S - 1} df)${widened ? `, widened to Wilson at effective n = ${effectiveN.toFixed(1)}` : ''}`;
  return { S, n, failed, rate: mean, ci95: { low, high }, method, effectiveN };
}

/**
 * The intraclass correlation of a binary outcome by one-way ANOVA over scenarios (Donner & Klar
 * 2000, "Design and Analysis of Cluster Randomization Trials", §5.2.1; Fleiss 1981):
 *   MSB = Σ n_i (p_i - p)² / (k - 1),  MSW = Σ n_i p_i (1 - p_i) / (N - k),
 *   n0 = (N - Σ n_i² / N) / (k - 1),   ICC = (MSB - MSW) / (MSB + (n0 - 1) MSW),
 * clipped at 0. Null with fewer than two scenarios, no scenario with two conversations, or no
 * variation at all (every outcome the same).
 */
export function iccAnova(groups: readonly ScenarioCount[]): number | null {
  const used = groups.filter((g) => g.n > 0);
  const k = used.length;
  const N = used.reduce((a, g) => a + g.n, 0);
  if (k < 2 || N - k <= 0) return null;
  const p = used.reduce((a, g) => a + g.failed, 0) / N;
  const msb = used.reduce((a, g) => a + g.n * (g.failed / g.n - p) ** 2, 0) / (k - 1);
  const msw = used.reduce((a, g) => a + g.failed * (1 - g.failed / g.n), 0) / (N - k);
  const n0 = (N - used.reduce((a, g) => a + g.n * g.n, 0) / N) / (k - 1);
  const denominator = msb + (n0 - 1) * msw;
  if (!(denominator > 0)) return null;
  return Math.max(0, (msb - msw) / denominator);
}

/** The design effect 1 + (m - 1) * icc of m repeats per scenario (Kish 1965): how many times the variance of a pooled rate exceeds the binomial one. */
export function designEffect(m: number, icc: number): number {
  return 1 + (m - 1) * icc;
}
