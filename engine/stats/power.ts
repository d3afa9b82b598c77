/**
 * The planner: how many scenarios a comparison of two cells needs, and what repeats can and
 * cannot buy. With a within-scenario correlation, repeats only average away the judge-and-sampling
 * noise of each scenario; the scenario's own difficulty stays, so power has a ceiling at a fixed
 * number of scenarios however many repeats are run.
 */
import { designEffect } from './clustered.js';
import { studentTCdf } from './distributions.js';
import { normalQuantile } from './stats.js';

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
 * - the power is that of the test compareByScenario runs, the exact sign-flip test, not of a t
 *   test, which promises too much at small S (simulated at S = 8: 0.66 against the t test's
 *   0.79). Three steps, each a standard large-sample device:
 *   1. the permutation distribution of Σ d is taken as normal with variance Σ d² (Fisher–Pitman;
 *      Lehmann & Romano 2005, §15.2), so the test rejects when S t² / (S - 1 + t²) >= z², t the
 *      paired t statistic: a t test with critical value t* = z sqrt((S - 1) / (S - z²));
 *   2. z belongs to the largest size the exact test can attain, 2 floor(α 2^(S-1)) / 2^S (its
 *      p-values are multiples of 2 / 2^S), not α itself;
 *   3. a continuity correction of half the lattice step of Σ d (rates move in steps of 1/m):
 *      the difference counts as |difference| - 1 / (m S).
 *   The power of that t test is then approximated by the shifted central t,
 *   P(T_{S-1} > t* - λ) + P(T_{S-1} < -t* - λ), λ = |difference|' sqrt(S) / sd (Julious 2004,
 *   Stat Med 23:1921). Against simulated runs of compareByScenario (beta-binomial scenarios,
 *   R = 1 to 100, ICC 0.05 to 0.35) it was within 5 points wherever power was between 0.5 and
 *   0.95; at 6 to 8 scenarios it can understate power by up to 20 points (a normal stand-in for
 *   a permutation distribution of so few terms), which errs towards more scenarios.
 * - fewer scenarios than `minimumScenarios` get power 0: the exact test's smallest p-value is
 *   2 / 2^S.
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
  /** Power at S scenarios and m repeats each (m = Infinity: the ceiling). */
  const powerWith = (scenarios: number, m: number) => {
    const S = Math.floor(scenarios);
    if (S < minimumScenarios) return 0;
    if (delta === 0) return alpha;
    // Variance of a scenario's rate per unit p (1 - p): DEFF / m, or icc with unlimited repeats.
    const perUnit = m === Number.POSITIVE_INFINITY ? o.icc : designEffect(m, o.icc) / m;
    const vA = pA * (1 - pA) * perUnit;
    const vB = pB * (1 - pB) * perUnit;
    const sd = Math.sqrt(Math.max(0, vA + vB - 2 * r * Math.sqrt(vA * vB)));
    if (sd === 0) return 1;
    const attainable = S > 53 ? alpha : (2 * Math.floor(alpha * 2 ** (S - 1))) / 2 ** S;
    const z = normalQuantile(1 - attainable / 2);
    if (S <= z * z) return 0;
    const critical = z * Math.sqrt((S - 1) / (S - z * z));
    const lambda = (Math.max(0, delta - 1 / (m * S)) * Math.sqrt(S)) / sd;
    return studentTCdf(lambda - critical, S - 1) + studentTCdf(-lambda - critical, S - 1);
  };
  const powerAtScenarios = (s: number) => powerWith(s, o.repeats);
  const reaches = (f: (k: number) => number) => (k: number) => f(k) >= target;

  const scenarios = delta === 0 ? null : smallest(minimumScenarios, reaches(powerAtScenarios));
  const fixed = Math.max(minimumScenarios, Math.floor(o.scenariosNow ?? scenarios ?? minimumScenarios));
  const maxPower = powerWith(fixed, Number.POSITIVE_INFINITY);
  const withRepeats = (m: number) => powerWith(fixed, m);
  const withUnlimitedRepeats = (s: number) => powerWith(s, Number.POSITIVE_INFINITY);
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
