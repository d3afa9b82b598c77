/**
 * Comparisons by scenario (issue 14): two cells are compared on the scenarios both ran, one
 * difference per scenario, never per repeat. Pairing repeat i of A with repeat i of B pretends
 * R repeats are R independent scenarios: one scenario that always fails in A and never in B
 * then "proves" a difference with R discordant pairs.
 */
import { type ClusteredRate, clusteredRate, type Interval, meanSd, SPREAD_EPS, type ScenarioCount } from './clustered.js';
import { studentTCdf, tQuantile } from './distributions.js';
import { describeSignFlip, signFlipTest } from './sign-flip.js';

export interface ScenarioDiff {
  scenario: string;
  a: number;
  b: number;
  diff: number;
}

export interface PairedComparison {
  /** Scenarios scored in both cells: the only ones compared. */
  S: number;
  /** Conversations and failures over those S scenarios. */
  nA: number;
  nB: number;
  failedA: number;
  failedB: number;
  /** Mean over scenarios of rateA - rateB. */
  diff: number | null;
  ci95: Interval | null;
  p: number | null;
  test: string;
  perScenario: ScenarioDiff[];
}

/** Scenario -> summed counts, keeping first-seen order; a scenario listed twice is pooled. */
function byScenario(groups: readonly ScenarioCount[]): Map<string, ScenarioCount> {
  const out = new Map<string, ScenarioCount>();
  for (const g of groups) {
    const seen = out.get(g.scenario);
    out.set(g.scenario, seen ? { scenario: g.scenario, failed: seen.failed + g.failed, n: seen.n + g.n } : { ...g });
  }
  return out;
}

/**
 * The MOVER interval for a difference of two rates from each rate's own interval (Newcombe 1998,
 * Stat Med 17:873, method 10; Zou & Donner 2008, Stat Med 27:1693), with the correlation between
 * the cells taken as 0: wider than a paired interval, never narrower. Used only when every
 * scenario difference is equal and the paired t would claim a zero-width interval.
 */
function moverInterval(a: ClusteredRate, b: ClusteredRate): Interval | null {
  if (a.rate === null || b.rate === null || !a.ci95 || !b.ci95) return null;
  const d = a.rate - b.rate;
  const low = d - Math.hypot(a.rate - a.ci95.low, b.ci95.high - b.rate);
  const high = d + Math.hypot(a.ci95.high - a.rate, b.rate - b.ci95.low);
  return { low: Math.max(-1, low), high: Math.min(1, high) };
}

/**
 * Two cells compared scenario by scenario.
 * - diff: the mean over paired scenarios of (rateA - rateB).
 * - ci95: the paired t interval over the per-scenario differences (S - 1 df). When every
 *   difference is equal it would have zero width; then the MOVER interval from the two cells'
 *   clustered intervals (which ignores the pairing, so errs wide) is given instead.
 * - p: the sign-flip permutation test of the mean difference (sign-flip.ts): exact up to 20
 *   differing scenarios, seeded Monte Carlo beyond. Being exact, it never rejects more often
 *   than its level under the null; on rates in steps of 1/R over few scenarios it rejects far
 *   less (simulated at 8 scenarios: 0.1% at R = 3, 1.2% at R = 10, for a nominal 5%). That is
 *   the price of not trusting a normal approximation here; planPower allows for it.
 * With fewer than 2 paired scenarios, p and ci95 are null: one scenario is an anecdote.
 */
export function compareByScenario(a: readonly ScenarioCount[], b: readonly ScenarioCount[]): PairedComparison {
  const inB = byScenario(b);
  const pairs: Array<{ a: ScenarioCount; b: ScenarioCount }> = [];
  for (const ga of byScenario(a).values()) {
    const gb = inB.get(ga.scenario);
    if (ga.n > 0 && gb && gb.n > 0) pairs.push({ a: ga, b: gb });
  }
  const S = pairs.length;
  const perScenario = pairs.map((pair) => {
    const ra = pair.a.failed / pair.a.n;
    const rb = pair.b.failed / pair.b.n;
    return { scenario: pair.a.scenario, a: ra, b: rb, diff: ra - rb };
  });
  const sum = (f: (pair: { a: ScenarioCount; b: ScenarioCount }) => number) => pairs.reduce((acc, pair) => acc + f(pair), 0);
  const base = { S, nA: sum((x) => x.a.n), nB: sum((x) => x.b.n), failedA: sum((x) => x.a.failed), failedB: sum((x) => x.b.failed), perScenario };
  if (S === 0) return { ...base, diff: null, ci95: null, p: null, test: 'no scenario scored in both cells' };
  const diffs = perScenario.map((d) => d.diff);
  const { mean, sd } = meanSd(diffs);
  if (S === 1) return { ...base, diff: mean, ci95: null, p: null, test: 'one scenario in common: no test' };
  const flip = signFlipTest(diffs);
  let ci95: Interval | null;
  let interval: string;
  if (sd < SPREAD_EPS) {
    ci95 = moverInterval(clusteredRate(pairs.map((x) => x.a)), clusteredRate(pairs.map((x) => x.b)));
    interval = `every scenario differs by the same amount, so the interval combines the two cells' own intervals (MOVER, no pairing credit)`;
  } else {
    const half = (tQuantile(0.975, S - 1) * sd) / Math.sqrt(S);
    ci95 = { low: Math.max(-1, mean - half), high: Math.min(1, mean + half) };
    interval = `paired t over ${S} scenario differences (${S - 1} df)`;
  }
  return { ...base, diff: mean, ci95, p: flip.p, test: `${interval}; ${describeSignFlip(flip)}` };
}

/**
 * The trend of the failure rate against a numeric level (distance), by scenario: each
 * scenario's least-squares slope of its rate on x, then a one-sample t test and interval over
 * the slopes (S - 1 df): the "summary statistic" approach to repeated measures (Matthews,
 * Altman, Campbell & Royston 1990, BMJ 300:230). Scenarios with fewer than 2 distinct x are
 * left out. When every slope is equal the t statistic is undefined: p then comes from the
 * exact sign-flip test and ci95 is null rather than of zero width.
 */
export function trendByScenario(points: ReadonlyArray<{ scenario: string; x: number; failed: number; n: number }>): {
  S: number;
  slope: number | null;
  ci95: Interval | null;
  p: number | null;
  test: string;
} {
  const byName = new Map<string, Array<{ x: number; y: number }>>();
  for (const pt of points) {
    if (!(pt.n > 0)) continue;
    const list = byName.get(pt.scenario) ?? [];
    list.push({ x: pt.x, y: pt.failed / pt.n });
    byName.set(pt.scenario, list);
  }
  const slopes: number[] = [];
  for (const list of byName.values()) {
    if (new Set(list.map((p) => p.x)).size < 2) continue;
    const mx = list.reduce((a, p) => a + p.x, 0) / list.length;
    const my = list.reduce((a, p) => a + p.y, 0) / list.length;
    const sxy = list.reduce((a, p) => a + (p.x - mx) * (p.y - my), 0);
    const sxx = list.reduce((a, p) => a + (p.x - mx) ** 2, 0);
    slopes.push(sxy / sxx);
  }
  const S = slopes.length;
  if (S === 0) return { S, slope: null, ci95: null, p: null, test: 'no scenario at two or more distinct levels' };
  const { mean, sd } = meanSd(slopes);
  if (S === 1) return { S, slope: mean, ci95: null, p: null, test: 'one scenario with a slope: no test' };
  if (sd < SPREAD_EPS * Math.max(1, Math.abs(mean))) {
    const flip = signFlipTest(slopes);
    return { S, slope: mean, ci95: null, p: flip.p, test: `every scenario has the same slope, so no t interval; ${describeSignFlip(flip)}` };
  }
  const se = sd / Math.sqrt(S);
  const half = tQuantile(0.975, S - 1) * se;
  const p = 2 * studentTCdf(-Math.abs(mean) / se, S - 1);
  return { S, slope: mean, ci95: { low: mean - half, high: mean + half }, p: Math.min(1, p), test: `t over ${S} per-scenario least-squares slopes (${S - 1} df)` };
}
