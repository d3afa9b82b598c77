/**
 * Seeded simulations: issue 14's "done when". Each checks a property of the scenario-level
 * statistics over many simulated runs, and beside it shows the pooled approach the report used
 * before failing the same check, so the check is known to be able to fail.
 *
 * Generating model, unless a test says otherwise: scenario failure probabilities
 * p_s ~ Beta(α, β) with α + β = 1/ICC - 1, so that the intraclass correlation is 1/(α + β + 1)
 * (the beta-binomial ICC), and each cell's outcomes for a scenario are Binomial(R, p_s),
 * independent between cells. "The old approach" is what engine/report/aggregate.ts did before:
 * pair repeat r of a scenario in A with repeat r in B and run an exact McNemar over all pairs,
 * or a Wilson interval over all conversations of a cell.
 */
import { describe, expect, it } from 'vitest';
import { clusteredRate, meanSd, type ScenarioCount } from './clustered.js';
import { holm } from './corrections.js';
import { tQuantile } from './distributions.js';
import { compareByScenario } from './paired.js';
import { planPower } from './power.js';
import { betaForIcc, randomBeta, randomBinomial, seededRandom } from './random.js';
import { mcnemarExact, wilson } from './stats.js';

type Random = () => number;

function scenarioProbabilities(random: Random, S: number, mean: number, icc: number): number[] {
  const { alpha, beta } = betaForIcc(mean, icc);
  return Array.from({ length: S }, () => randomBeta(alpha, beta, random));
}

/** Per-repeat outcomes of one cell: outcomes[s][r] is true when repeat r of scenario s failed. */
function runCell(random: Random, ps: readonly number[], R: number): boolean[][] {
  return ps.map((p) => Array.from({ length: R }, () => random() < p));
}

const counts = (outcomes: boolean[][]): ScenarioCount[] => outcomes.map((rs, s) => ({ scenario: `s${s}`, failed: rs.filter(Boolean).length, n: rs.length }));

/** The pre-issue-14 comparison: repeat r of scenario s in A paired with repeat r in B, exact McNemar over all pairs. */
function pooledMcnemar(a: boolean[][], b: boolean[][]): number {
  let onlyA = 0;
  let onlyB = 0;
  a.forEach((rs, s) => {
    rs.forEach((failedA, r) => {
      const failedB = b[s]![r]!;
      if (failedA && !failedB) onlyA++;
      if (failedB && !failedA) onlyB++;
    });
  });
  return mcnemarExact(onlyA, onlyB);
}

describe('one scenario is an anecdote; a consistent difference is evidence', () => {
  it('does not call a difference driven by one scenario out of 8 significant', () => {
    for (const R of [3, 10]) {
      for (let seed = 1; seed <= 20; seed++) {
        const random = seededRandom(seed);
        // Scenario 0 always fails in A and never in B; the other 7 come out the same in both.
        const shared = runCell(random, scenarioProbabilities(random, 7, 0.3, 0.35), R);
        const a = [Array<boolean>(R).fill(true), ...shared];
        const b = [Array<boolean>(R).fill(false), ...shared];
        const c = compareByScenario(counts(a), counts(b));
        expect(c.S).toBe(8);
        expect(c.diff).toBeCloseTo(1 / 8, 12);
        expect(c.p).toBe(1);
        // The old pairing by repeat: R discordant pairs, all one way; at R = 10, p = 0.002.
        if (R === 10) expect(pooledMcnemar(a, b)).toBeLessThan(0.05);
      }
    }
  });

  it('calls a difference seen in every one of 8 scenarios significant', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const random = seededRandom(seed);
      const R = 5;
      // B's counts drawn at ICC 0.35; A fails one or two repeats more in every scenario.
      const b = scenarioProbabilities(random, 8, 0.3, 0.35).map((p) => Math.min(R - 1, randomBinomial(R, p, random)));
      const a = b.map((k) => Math.min(R, k + 1 + (random() < 0.5 ? 1 : 0)));
      const c = compareByScenario(
        a.map((failed, s) => ({ scenario: `s${s}`, failed, n: R })),
        b.map((failed, s) => ({ scenario: `s${s}`, failed, n: R })),
      );
      expect(c.p).toBeCloseTo(2 / 256, 12);
      expect(c.ci95!.low).toBeGreaterThan(0);
    }
  });
});

/**
 * A 2 models × 2 efforts run: the four comparisons that change one axis, Holm-adjusted, and
 * whether any comes out significant. Returns how often, over `runs` simulated runs.
 */
function familyWiseRate(o: { seed: number; runs: number; S: number; R: number; icc: number; mean: number; cellSpread?: number; pooled?: boolean }): {
  familyWise: number;
  perComparison: number;
} {
  const random = seededRandom(o.seed);
  const pairs: Array<[number, number]> = [
    [0, 1], // model 1 vs model 2 at effort 1
    [2, 3], // model 1 vs model 2 at effort 2
    [0, 2], // effort 1 vs effort 2 on model 1
    [1, 3], // effort 1 vs effort 2 on model 2
  ];
  let somewhere = 0;
  let single = 0;
  for (let run = 0; run < o.runs; run++) {
    const ps = scenarioProbabilities(random, o.S, o.mean, o.icc);
    // cellSpread: each cell's own probability per scenario, drawn around the shared p_s (a
    // Beta with mean p_s and α + β = cellSpread): cells then differ scenario by scenario while
    // no cell is better on average, the null the old pooled test cannot tell from a difference.
    const cells = [0, 1, 2, 3].map(() => {
      const own = o.cellSpread ? ps.map((p) => randomBeta(p * o.cellSpread! + 1e-9, (1 - p) * o.cellSpread! + 1e-9, random)) : ps;
      return runCell(random, own, o.R);
    });
    const pValues = pairs.map(([i, j]) => (o.pooled ? pooledMcnemar(cells[i]!, cells[j]!) : compareByScenario(counts(cells[i]!), counts(cells[j]!)).p!));
    if (holm(pValues).some((p) => p < 0.05)) somewhere++;
    single += pValues.filter((p) => p < 0.05).length;
  }
  return { familyWise: somewhere / o.runs, perComparison: single / (4 * o.runs) };
}

describe('family-wise error under the null', () => {
  // Measured (500 runs, S = 8, mean 0.3): family-wise 0.0% at R = 3, 0.2% at R = 10. The exact
  // sign-flip test is conservative on rates in steps of 1/R with 8 scenarios: unadjusted, a single
  // comparison came out significant 0.1% (R = 3) and 1.2% (R = 10) of the time, not 5%.
  it.each([3, 10])('stays at or below 5 percent over 500 runs of a 4-cell run at ICC 0.35, R = %i', (R) => {
    const { familyWise, perComparison } = familyWiseRate({ seed: 1400 + R, runs: 500, S: 8, R, icc: 0.35, mean: 0.3 });
    expect(familyWise).toBeLessThanOrEqual(0.05);
    expect(perComparison).toBeLessThanOrEqual(0.05);
  });

  it('stays at or below 5 percent when cells differ scenario by scenario but not on average; pairing by repeat does not', () => {
    const common = { seed: 1414, runs: 300, S: 8, R: 10, icc: 0.35, mean: 0.3, cellSpread: 4 };
    const byScenario = familyWiseRate(common).familyWise;
    const byRepeat = familyWiseRate({ ...common, pooled: true }).familyWise;
    // Measured (300 runs): by scenario 0.0%, by repeat 28.7%.
    expect(byScenario).toBeLessThanOrEqual(0.05);
    expect(byRepeat).toBeGreaterThan(0.15);
  });
});

/** How often an interval covers the population mean of the scenario probabilities. */
function coverage(o: { seed: number; runs: number; S: number; R: number; icc: number; mean: number }) {
  const random = seededRandom(o.seed);
  const covered = { clustered: 0, tOnly: 0, pooledWilson: 0 };
  const inside = (ci: { low: number; high: number } | null) => (ci && ci.low <= o.mean && o.mean <= ci.high ? 1 : 0);
  for (let run = 0; run < o.runs; run++) {
    const groups = counts(runCell(random, scenarioProbabilities(random, o.S, o.mean, o.icc), o.R));
    const c = clusteredRate(groups);
    covered.clustered += inside(c.ci95);
    covered.pooledWilson += inside(wilson(c.failed, c.n));
    // The bare t interval the issue first proposed, with no widening near 0 (zero width at sd 0).
    const { mean, sd } = meanSd(groups.map((g) => g.failed / g.n));
    const half = (tQuantile(0.975, o.S - 1) * sd) / Math.sqrt(o.S);
    covered.tOnly += inside({ low: mean - half, high: mean + half });
  }
  return { clustered: covered.clustered / o.runs, tOnly: covered.tOnly / o.runs, pooledWilson: covered.pooledWilson / o.runs };
}

describe('coverage of clusteredRate at 8 scenarios and ICC 0.35', () => {
  // Measured (2000 runs each):        clustered  bare t  pooled Wilson
  //   mean 0.3, R = 3                    97.8%    92.8%     88.4%
  //   mean 0.3, R = 10                   95.1%    91.7%     67.3%
  //   mean 0.1, R = 10 (skewed)          93.3%    78.5%     67.0%
  // The skewed case is the hardest: with most scenario probabilities near 0 and 8 scenarios, a
  // sample often holds none of the few high ones. 93.3% is close to the bar; other seeds gave 94%.
  it.each([
    [0.3, 3],
    [0.3, 10],
    [0.1, 10],
  ])('covers the true mean at least 93 percent of the time (mean %f, R = %i)', (mean, R) => {
    const c = coverage({ seed: 2014 + R, runs: 2000, S: 8, R, icc: 0.35, mean });
    expect(c.clustered).toBeGreaterThanOrEqual(0.93);
    // Wilson over pooled conversations treats 8 × R answers as independent.
    if (R === 10) expect(c.pooledWilson).toBeLessThan(0.8);
    // The bare t interval fails where scenario rates are skewed: most near 0, a few high.
    if (mean === 0.1) expect(c.tOnly).toBeLessThan(0.9);
  });
});

describe('the planner against simulated runs', () => {
  /** The share of simulated comparisons with p < 0.05, cells drawn independently per scenario (correlation 0, as the plan assumes). */
  function simulatedPower(o: { seed: number; runs: number; S: number; R: number; icc: number; baseline: number; difference: number }): number {
    const random = seededRandom(o.seed);
    let hits = 0;
    for (let run = 0; run < o.runs; run++) {
      const b = counts(runCell(random, scenarioProbabilities(random, o.S, o.baseline, o.icc), o.R));
      const a = counts(runCell(random, scenarioProbabilities(random, o.S, o.baseline + o.difference, o.icc), o.R));
      if (compareByScenario(a, b).p! < 0.05) hits++;
    }
    return hits / o.runs;
  }

  it('reaches the planned power at the planned number of scenarios', () => {
    const plan = planPower({ baseline: 0.1, difference: 0.4, icc: 0.2, repeats: 5 });
    expect(plan.scenarios).toBe(10);
    const simulated = simulatedPower({ seed: 77, runs: 500, S: 10, R: 5, icc: 0.2, baseline: 0.1, difference: 0.4 });
    // Measured: planned 0.839, simulated 0.796.
    expect(Math.abs(simulated - plan.powerAtScenarios(10))).toBeLessThan(0.06);
  });

  it('shows the ceiling: at 8 scenarios and ICC 0.35, 40 repeats fall far short of 80 percent', () => {
    const plan = planPower({ baseline: 0.2, difference: 0.2, icc: 0.35, repeats: 40, scenariosNow: 8 });
    expect(plan.repeatsAlone.maxPower).toBeLessThan(0.3);
    expect(plan.repeatsAlone.repeatsNeeded).toBeNull();
    const simulated = simulatedPower({ seed: 78, runs: 400, S: 8, R: 40, icc: 0.35, baseline: 0.2, difference: 0.2 });
    // Measured: ceiling 0.156, simulated at 40 repeats 0.203 (at 6-8 scenarios the plan errs low).
    expect(simulated).toBeLessThan(0.4);
  });
});
