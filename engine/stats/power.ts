/**
 * The planner: how many scenarios a comparison of two cells needs, and what repeats can and
 * cannot buy. With a within-scenario correlation, repeats only average away the judge-and-sampling
 * noise of each scenario; the scenario's own difficulty stays, so power has a ceiling at a fixed
 * number of scenarios however many repeats are run.
 */
import { designEffect } from './clustered.js';
import { studentTCdf, tQuantile } from './distributions.js';

export interface PowerPlan {
  /** Scenarios needed for the target power at `repeats` per scenario; null when no number reaches it (difference 0). */
  scenarios: number | null;
  repeats: number;
  designEffect: number;
  /** repeats / designEffect: independent conversations a scenario is worth. */
  effectivePerScenario: number;
  /** Approximate power at s scenarios (rounded down) and `repeats` per scenario. */
  powerAtScenarios: (s: number) => number;
  repeatsAlone: {
    /** The scenarios held fixed: scenariosNow, else the number planned, else the fewest that can reach alpha. */
    scenarios: number;
    /** Power at those scenarios as repeats grow without bound: the ceiling. 1 only when icc = 0. */
    maxPower: number;
    /** Repeats per scenario reaching the target power at those scenarios; null when the ceiling is below it. */
    repeatsNeeded: number | null;
    /** Scenarios needed even with unlimited repeats; null when no number reaches the target. */
    scenariosWithUnlimitedRepeats: number | null;
  };
  /** The sign-flip test cannot reach p <= alpha with fewer scenarios than this (2 / 2^S > alpha). */
  minimumScenarios: number;
}

export interface PowerOptions {
  /** The failure rate of the reference cell (B). */
  baseline: number;
  /** The difference in failure rate to detect: cell A fails at baseline + difference. */
  difference: number;
  /** Within-scenario (intraclass) correlation of the outcome, e.g. from iccAnova on a pilot run. */
  icc: number;
  repeats: number;
  alpha?: number;
  power?: number;
  scenariosNow?: number;
  /**
   * Correlation of a scenario's rate between the two cells (a scenario hard for one model tends
   * to be hard for the other). Default 0, which errs towards more scenarios: a positive
   * correlation is what pairing by scenario gains, and it is rarely known before a run.
   */
  cellCorrelation?: number;
}

const MAX_SEARCH = 1_000_000;

/** The smallest integer in [from, MAX_SEARCH] where `ok` holds, for an `ok` that stays true once true; or null. */
function smallest(from: number, ok: (k: number) => boolean): number | null {
  if (ok(from)) return from;
  let lo = from;
  let hi = from * 2;
  while (!ok(hi)) {
    if (hi >= MAX_SEARCH) return null;
    lo = hi;
    hi = Math.min(MAX_SEARCH, hi * 2);
  }
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (ok(mid)) hi = mid;
    else lo = mid;
  }
  return hi;
}

/**
 * Scenarios needed to detect `difference` between two cells compared by scenario
 * (compareByScenario), under this approximation:
 * - a scenario's observed rate in a cell with failure rate p and m repeats varies across
 *   scenarios with variance p (1 - p) / m * DEFF, DEFF = 1 + (m - 1) icc (the beta-binomial
 *   variance; Donner & Klar 2000, §2.3). As m grows this falls to p (1 - p) icc, not to 0.
 * - the per-scenario difference has variance vA + vB - 2 r sqrt(vA vB), r = cellCorrelation.
 * - the paired test is treated as a t test on S differences, and its power (a noncentral t)
 *   approximated by the shifted central t: P(T_{S-1} > t_crit - λ) + P(T_{S-1} < -t_crit - λ),
 *   λ = |difference| sqrt(S) / sd (Julious 2004, Stat Med 23:1921, §3.1). Accurate to a few
 *   points at S >= 6; the sign-flip test compareByScenario runs is close to the t test's power
 *   there (simulation.test.ts checks the plan against simulated runs).
 * - fewer scenarios than `minimumScenarios` get power 0: the exact sign-flip test's smallest
 *   p-value is 2 / 2^S.
 */
export function planPower(o: PowerOptions): PowerPlan {
  const alpha = o.alpha ?? 0.05;
  const target = o.power ?? 0.8;
  const r = o.cellCorrelation ?? 0;
  const pB = o.baseline;
  const pA = o.baseline + o.difference;
  const inUnit = (x: number) => x >= 0 && x <= 1;
  if (!inUnit(pB) || !inUnit(pA)) throw new RangeError(`baseline ${pB} and baseline + difference ${pA} must both be failure rates in [0, 1]`);
  if (!inUnit(o.icc)) throw new RangeError(`icc ${o.icc} must be in [0, 1]`);
  if (!(o.repeats >= 1)) throw new RangeError(`repeats ${o.repeats} must be at least 1`);
  if (!(alpha > 0 && alpha < 1) || !(target > 0 && target < 1)) throw new RangeError('alpha and power must be in (0, 1)');
  if (!(r >= -1 && r <= 1)) throw new RangeError(`cellCorrelation ${r} must be in [-1, 1]`);

  const minimumScenarios = Math.max(2, Math.ceil(1 + Math.log2(1 / alpha) - 1e-12));
  const delta = Math.abs(o.difference);
  // Variance of a scenario's rate per unit p(1-p): DEFF / m, or icc in the limit of unlimited repeats.
  const sdOfDiff = (perUnit: number) => {
    const vA = pA * (1 - pA) * perUnit;
    const vB = pB * (1 - pB) * perUnit;
    return Math.sqrt(Math.max(0, vA + vB - 2 * r * Math.sqrt(vA * vB)));
  };
  const powerWith = (scenarios: number, perUnit: number) => {
    const S = Math.floor(scenarios);
    if (S < minimumScenarios) return 0;
    if (delta === 0) return alpha;
    const sd = sdOfDiff(perUnit);
    if (sd === 0) return 1;
    const lambda = (delta * Math.sqrt(S)) / sd;
    const critical = tQuantile(1 - alpha / 2, S - 1);
    return studentTCdf(lambda - critical, S - 1) + studentTCdf(-lambda - critical, S - 1);
  };
  const perUnitAt = (m: number) => designEffect(m, o.icc) / m;
  const powerAtScenarios = (s: number) => powerWith(s, perUnitAt(o.repeats));
  const reaches = (f: (k: number) => number) => (k: number) => f(k) >= target;

  const scenarios = delta === 0 ? null : smallest(minimumScenarios, reaches(powerAtScenarios));
  const fixed = Math.max(minimumScenarios, Math.floor(o.scenariosNow ?? scenarios ?? minimumScenarios));
  const maxPower = powerWith(fixed, o.icc);
  const withRepeats = (m: number) => powerWith(fixed, perUnitAt(m));
  const withUnlimitedRepeats = (s: number) => powerWith(s, o.icc);
  const repeatsNeeded = delta === 0 || maxPower < target ? null : smallest(1, reaches(withRepeats));
  const scenariosWithUnlimitedRepeats = delta === 0 ? null : smallest(minimumScenarios, reaches(withUnlimitedRepeats));
  const deff = designEffect(o.repeats, o.icc);
  return {
    scenarios,
    repeats: o.repeats,
    designEffect: deff,
    effectivePerScenario: o.repeats / deff,
    powerAtScenarios,
    repeatsAlone: { scenarios: fixed, maxPower, repeatsNeeded, scenariosWithUnlimitedRepeats },
    minimumScenarios,
  };
}
