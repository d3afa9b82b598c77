/**
 * The Cochran–Mantel–Haenszel test with scenarios as strata: a 2×2 table per scenario (cell A or
 * B × failed or not). It answers the narrower question "on these scenarios, does A fail more
 * often than B?": the scenarios are fixed, not a sample of scenarios, so unlike
 * compareByScenario it lets repeats count as evidence, and it says nothing about other scenarios.
 */
import { chiSquareSf } from './distributions.js';

export interface CmhStratum {
  aFailed: number;
  aN: number;
  bFailed: number;
  bN: number;
}

/**
 * Mantel & Haenszel (1959), J Natl Cancer Inst 22:719; Agresti (2013), Categorical Data
 * Analysis, §6.4:
 *   CMH = (|Σ a_k - Σ E(a_k)| - 1/2)² / Σ Var(a_k),  E(a_k) = aN m1 / N,
 *   Var(a_k) = aN bN m1 m0 / (N² (N - 1)), referred to chi-square with 1 df;
 *   OR_MH = Σ (a_k d_k / N_k) / Σ (b_k c_k / N_k).
 * Strata without both cells, or with one conversation, carry nothing and are skipped. p is null
 * when no stratum varies (every outcome the same); the odds ratio is null when it is 0/0 or
 * infinite (no stratum where only B's failures and A's successes co-occur).
 */
export function cmh(strata: readonly CmhStratum[]): { p: number | null; oddsRatio: number | null } {
  let observed = 0;
  let expected = 0;
  let variance = 0;
  let numerator = 0;
  let denominator = 0;
  for (const s of strata) {
    const N = s.aN + s.bN;
    if (!(s.aN > 0 && s.bN > 0) || N < 2) continue;
    const failed = s.aFailed + s.bFailed;
    observed += s.aFailed;
    expected += (s.aN * failed) / N;
    variance += (s.aN * s.bN * failed * (N - failed)) / (N * N * (N - 1));
    numerator += (s.aFailed * (s.bN - s.bFailed)) / N;
    denominator += ((s.aN - s.aFailed) * s.bFailed) / N;
  }
  const statistic = Math.max(0, Math.abs(observed - expected) - 0.5) ** 2 / variance;
  return {
    p: variance > 0 ? chiSquareSf(statistic, 1) : null,
    oddsRatio: denominator > 0 ? numerator / denominator : null,
  };
}
