import { describe, expect, it } from 'vitest';
import { clusteredRate, designEffect, iccAnova, type ScenarioCount } from './clustered.js';
import { cmh } from './cmh.js';
import { holm, roganGladen } from './corrections.js';
import { compareByScenario, trendByScenario } from './paired.js';
import { planPower } from './power.js';
import { signFlipTest } from './sign-flip.js';

/** Scenario counts from [failed, n] pairs, named s0, s1, ... */
const cells = (...counts: Array<[number, number]>): ScenarioCount[] => counts.map(([failed, n], i) => ({ scenario: `s${i}`, failed, n }));

describe('clusteredRate', () => {
  it('averages scenario rates, not conversations, and leaves out unscored scenarios', () => {
    const r = clusteredRate(cells([1, 5], [2, 5], [3, 5], [4, 5], [0, 0]));
    expect(r).toMatchObject({ S: 4, n: 20, failed: 10 });
    expect(r.rate).toBeCloseTo(0.5, 12);
    // One scenario with 10 conversations weighs the same as one with 2.
    expect(clusteredRate(cells([10, 10], [0, 2])).rate).toBeCloseTo(0.5, 12);
  });

  it('gives the t interval over scenario rates where it is the wider (values from scipy)', () => {
    // Rates 0.2, 0.4, 0.6, 0.8: sd 0.2582, t(0.975, 3) = 3.1824, so 0.5 ± 0.4109.
    const r = clusteredRate(cells([1, 5], [2, 5], [3, 5], [4, 5]));
    expect(r.ci95!.low).toBeCloseTo(0.089148, 5);
    expect(r.ci95!.high).toBeCloseTo(0.910852, 5);
    expect(r.method).toBe('t over 4 scenario rates (3 df)');
    expect(r.effectiveN).toBeCloseTo(15, 9);
  });

  it('widens to the Wilson interval at the effective n where the t interval hugs 0', () => {
    // Seven scenarios at 0/10, one at 1/10: the t interval is [0, 0.042]; n_eff = 79, and Wilson
    // with t(0.975, 7) in place of z reaches 0.0878.
    const r = clusteredRate(cells([0, 10], [0, 10], [0, 10], [0, 10], [0, 10], [0, 10], [0, 10], [1, 10]));
    expect(r.rate).toBeCloseTo(0.0125, 12);
    expect(r.ci95!.low).toBe(0);
    expect(r.ci95!.high).toBeCloseTo(0.087785, 5);
    expect(r.effectiveN).toBeCloseTo(79, 9);
    expect(r.method).toMatch(/widened to Wilson at effective n = 79\.0/);
  });

  it('never gives a zero-width interval when every scenario agrees: Wilson with n = S', () => {
    const none = clusteredRate(cells(...Array.from({ length: 8 }, (): [number, number] => [0, 10])));
    expect(none.rate).toBe(0);
    // Wilson 0/8: upper z^2 / (8 + z^2) = 0.3244, wider than Wilson 0/80 (0.0458) would claim.
    expect(none.ci95!.low).toBe(0);
    expect(none.ci95!.high).toBeCloseTo(0.324408, 5);
    expect(none.effectiveN).toBe(8);
    expect(none.method).toMatch(/effective n = S = 8/);
    const all = clusteredRate(cells([3, 3], [3, 3], [3, 3], [3, 3], [3, 3], [3, 3], [3, 3], [3, 3]));
    expect(all.ci95!.low).toBeCloseTo(0.675592, 5);
    expect(all.ci95!.high).toBe(1);
    const half = clusteredRate(cells([1, 2], [2, 4], [5, 10]));
    expect(half.ci95!.low).toBeLessThan(0.5);
    expect(half.ci95!.high).toBeGreaterThan(0.5);
  });

  it('falls back to Wilson over one scenario, and to nothing without data', () => {
    const one = clusteredRate(cells([3, 10]));
    expect(one.ci95!.low).toBeCloseTo(0.10779, 4); // Wilson 3/10
    expect(one.method).toMatch(/one scenario/);
    expect(clusteredRate([])).toMatchObject({ S: 0, rate: null, ci95: null });
    expect(clusteredRate(cells([0, 0]))).toMatchObject({ S: 0, rate: null, ci95: null });
  });
});

describe('iccAnova and designEffect', () => {
  it('estimates the ICC by one-way ANOVA (hand example)', () => {
    // 0/4, 2/4, 4/4: p = 0.5, MSB = 4 * (0.25 + 0 + 0.25) / 2 = 1, MSW = (0 + 1 + 0) / 9,
    // n0 = 4, ICC = (1 - 1/9) / (1 + 3/9) = 2/3.
    expect(iccAnova(cells([0, 4], [2, 4], [4, 4]))).toBeCloseTo(2 / 3, 12);
    // Scenarios that are all-or-nothing: every bit of variation is between scenarios.
    expect(iccAnova(cells([4, 4], [0, 4]))).toBeCloseTo(1, 12);
    // Identical scenarios with spread inside: below 0, clipped.
    expect(iccAnova(cells([2, 4], [2, 4], [2, 4]))).toBe(0);
  });

  it('is null when it cannot be estimated', () => {
    expect(iccAnova(cells([0, 4], [0, 4]))).toBeNull(); // no variation at all
    expect(iccAnova(cells([1, 1], [0, 1]))).toBeNull(); // one conversation per scenario
    expect(iccAnova(cells([2, 4]))).toBeNull();
  });

  it('gives the design effect', () => {
    expect(designEffect(10, 0.35)).toBeCloseTo(4.15, 12);
    expect(designEffect(1, 0.9)).toBe(1);
  });
});

describe('compareByScenario', () => {
  it('pairs scenarios by name, only those scored in both cells', () => {
    const a = [
      { scenario: 'x', failed: 3, n: 3 },
      { scenario: 'y', failed: 1, n: 3 },
      { scenario: 'only-a', failed: 3, n: 3 },
      { scenario: 'z', failed: 2, n: 3 },
    ];
    const b = [
      { scenario: 'z', failed: 0, n: 3 },
      { scenario: 'x', failed: 0, n: 3 },
      { scenario: 'y', failed: 0, n: 0 },
    ];
    const c = compareByScenario(a, b);
    expect(c.S).toBe(2);
    expect(c.perScenario.map((d) => d.scenario)).toEqual(['x', 'z']);
    expect(c).toMatchObject({ nA: 6, nB: 6, failedA: 5, failedB: 0 });
    expect(c.diff).toBeCloseTo(5 / 6, 12);
  });

  it('gives the paired t interval and the exact sign-flip p (hand values)', () => {
    // Differences 0.1, 0.2, -0.3, 0.5: |sum| = 0.5. Of 16 sign patterns, 10 reach |sum| >= 0.5,
    // counting the flip of {0.1, 0.2, -0.3}, a tie that only holds up to rounding.
    const c = compareByScenario(cells([1, 10], [2, 10], [0, 10], [5, 10]), cells([0, 10], [0, 10], [3, 10], [0, 10]));
    expect(c.diff).toBeCloseTo(0.125, 12);
    expect(c.p).toBe(10 / 16);
    expect(c.ci95!.low).toBeCloseTo(-0.400746, 5);
    expect(c.ci95!.high).toBeCloseTo(0.650746, 5);
    expect(c.test).toMatch(/paired t over 4 scenario differences \(3 df\); exact sign-flip permutation p over all 2\^4/);
  });

  it('gives no test on fewer than two scenarios', () => {
    expect(compareByScenario(cells([3, 3]), cells([0, 3]))).toMatchObject({ S: 1, diff: 1, p: null, ci95: null });
    expect(compareByScenario(cells([3, 3]), [])).toMatchObject({ S: 0, diff: null, p: null, ci95: null });
  });

  it('gives an honest interval when every scenario differs by the same amount', () => {
    const always = Array.from({ length: 8 }, (): [number, number] => [5, 5]);
    const never = Array.from({ length: 8 }, (): [number, number] => [0, 5]);
    const c = compareByScenario(cells(...always), cells(...never));
    expect(c.diff).toBe(1);
    expect(c.p).toBeCloseTo(2 / 256, 12);
    // MOVER from Wilson 8/8 = [0.6756, 1] and 0/8 = [0, 0.3244]: 1 - hypot(0.3244, 0.3244).
    expect(c.ci95!.low).toBeCloseTo(1 - Math.hypot(0.324408, 0.324408), 5);
    expect(c.ci95!.high).toBe(1);
    const same = compareByScenario(cells(...never), cells(...never));
    expect(same.p).toBe(1);
    expect(same.ci95!.low).toBeLessThan(-0.3);
    expect(same.ci95!.high).toBeGreaterThan(0.3);
  });
});

describe('signFlipTest', () => {
  it('ignores zero differences and enumerates the rest', () => {
    expect(signFlipTest([0.5, 0, 0, 0.5, 0.5])).toMatchObject({ p: 2 / 8, method: 'exact', nonZero: 3 });
    expect(signFlipTest([0, 0]).p).toBe(1);
  });

  it('goes Monte Carlo past 20 differing scenarios, seeded, close to the exact p', () => {
    // 21 differences: the exact p by brute force over 2^21 patterns, the other way round.
    const d = Array.from({ length: 21 }, (_, i) => ((i * 7) % 11) / 10 - 0.35);
    const observed = Math.abs(d.reduce((a, x) => a + x, 0));
    let extreme = 0;
    for (let mask = 0; mask < 2 ** 21; mask++) {
      let s = 0;
      for (let j = 0; j < 21; j++) s += mask & (1 << j) ? -d[j]! : d[j]!;
      if (Math.abs(s) >= observed - 1e-9) extreme++;
    }
    const exact = extreme / 2 ** 21;
    const mc = signFlipTest(d);
    expect(mc.method).toBe('monte-carlo');
    expect(mc.p).toBe(signFlipTest(d).p);
    expect(Math.abs(mc.p - exact)).toBeLessThan(0.005);
    expect(exact).toBeGreaterThan(0.01);
  });
});

describe('trendByScenario', () => {
  it('averages per-scenario slopes and tests them with t (values from scipy)', () => {
    const points = [
      ...[0, 5, 10].map((f, i) => ({ scenario: 'a', x: i + 1, failed: f, n: 10 })), // slope 0.5
      ...[0, 0, 5].map((f, i) => ({ scenario: 'b', x: i + 1, failed: f, n: 10 })), // slope 0.25
      { scenario: 'c', x: 1, failed: 1, n: 5 },
      { scenario: 'c', x: 3, failed: 3, n: 5 }, // slope 0.2
      { scenario: 'c', x: 2, failed: 0, n: 0 }, // unscored: left out
      { scenario: 'd', x: 2, failed: 3, n: 5 }, // one level only: left out
    ];
    const t = trendByScenario(points);
    expect(t.S).toBe(3);
    expect(t.slope).toBeCloseTo(0.316667, 5);
    expect(t.ci95!.low).toBeCloseTo(-0.082603, 5);
    expect(t.ci95!.high).toBeCloseTo(0.715936, 5);
    expect(t.p).toBeCloseTo(0.076188, 5);
  });

  it('uses the sign-flip p and no interval when every slope is equal', () => {
    const points = ['a', 'b', 'c', 'd', 'e', 'f'].flatMap((s) => [0, 1].map((x) => ({ scenario: s, x, failed: x, n: 1 })));
    expect(trendByScenario(points)).toMatchObject({ S: 6, slope: 1, ci95: null, p: 2 / 64 });
    expect(trendByScenario([{ scenario: 'a', x: 1, failed: 0, n: 1 }])).toMatchObject({ S: 0, slope: null, p: null });
  });
});

describe('cmh', () => {
  it('matches R mantelhaen.test on UCBAdmissions (strata = departments)', () => {
    // R: Mantel-Haenszel X-squared = 1.4269, df = 1, p-value = 0.2323; common odds ratio 0.9046968.
    const ucb: Array<[number, number, number, number]> = [
      [512, 313, 89, 19],
      [353, 207, 17, 8],
      [120, 205, 202, 391],
      [138, 279, 131, 244],
      [53, 138, 94, 299],
      [22, 351, 24, 317],
    ];
    const r = cmh(ucb.map(([a, b, c, d]) => ({ aFailed: a, aN: a + b, bFailed: c, bN: c + d })));
    expect(r.p).toBeCloseTo(0.2323, 4);
    expect(r.oddsRatio).toBeCloseTo(0.9046968, 6);
  });

  it('skips empty strata and is null when nothing varies', () => {
    expect(cmh([{ aFailed: 0, aN: 5, bFailed: 0, bN: 5 }])).toEqual({ p: null, oddsRatio: null });
    expect(cmh([{ aFailed: 3, aN: 3, bFailed: 0, bN: 0 }])).toEqual({ p: null, oddsRatio: null });
    const r = cmh([
      { aFailed: 5, aN: 5, bFailed: 0, bN: 5 },
      { aFailed: 4, aN: 5, bFailed: 1, bN: 5 },
    ]);
    expect(r.p!).toBeLessThan(0.01);
    expect(r.oddsRatio).toBeCloseTo(((5 * 5) / 10 + (4 * 4) / 10) / (0 + (1 * 1) / 10), 12);
  });
});

describe('holm', () => {
  it('adjusts step-down, keeps the given order, stays monotone and caps at 1 (hand example)', () => {
    // Sorted: 0.005*4 = 0.02, 0.01*3 = 0.03, 0.03*2 = 0.06, 0.04*1 = 0.04 -> max(0.06, 0.04) = 0.06.
    const adjusted = holm([0.01, 0.04, 0.03, 0.005]);
    const expected = [0.03, 0.06, 0.06, 0.02];
    for (let i = 0; i < 4; i++) expect(adjusted[i]).toBeCloseTo(expected[i]!, 12);
    expect(holm([0.5, 0.6])).toEqual([1, 1]);
    expect(holm([])).toEqual([]);
  });
});

describe('roganGladen', () => {
  it('corrects an apparent rate for judge error (hand values)', () => {
    expect(roganGladen(0.3, 0.9, 0.95)).toBeCloseTo(0.25 / 0.85, 12);
    expect(roganGladen(0.02, 0.9, 0.95)).toBe(0); // below the false-positive floor
    expect(roganGladen(0.99, 0.9, 0.95)).toBe(1);
    expect(roganGladen(0.3, 1, 1)).toBeCloseTo(0.3, 12);
    expect(roganGladen(0.3, 0.5, 0.5)).toBeNull();
  });
});

describe('planPower', () => {
  // Reference values: the same approximation recomputed with scipy (t and normal from scipy.stats).
  const plan = planPower({ baseline: 0.2, difference: 0.2, icc: 0.35, repeats: 3, scenariosNow: 8 });

  it('finds the scenarios needed for 80% power', () => {
    expect(plan.designEffect).toBeCloseTo(1.7, 12);
    expect(plan.effectivePerScenario).toBeCloseTo(3 / 1.7, 12);
    expect(plan.scenarios).toBe(50);
    expect(plan.powerAtScenarios(50)).toBeCloseTo(0.80084, 4);
    expect(plan.powerAtScenarios(49)).toBeCloseTo(0.79184, 4);
    expect(plan.powerAtScenarios(20)).toBeCloseTo(0.34619, 4);
  });

  it('says what repeats alone cannot buy: a ceiling at 8 scenarios', () => {
    expect(plan.repeatsAlone.scenarios).toBe(8);
    expect(plan.repeatsAlone.maxPower).toBeCloseTo(0.15588, 4);
    expect(plan.repeatsAlone.repeatsNeeded).toBeNull();
    expect(plan.repeatsAlone.scenariosWithUnlimitedRepeats).toBe(30);
  });

  it('says what repeats can buy where the ceiling is above the target', () => {
    const p = planPower({ baseline: 0.2, difference: 0.2, icc: 0.35, repeats: 3, scenariosNow: 40 });
    expect(p.repeatsAlone.maxPower).toBeCloseTo(0.90682, 4);
    expect(p.repeatsAlone.repeatsNeeded).toBe(6);
    const powerWith = (repeats: number) => planPower({ baseline: 0.2, difference: 0.2, icc: 0.35, repeats }).powerAtScenarios(40);
    expect(powerWith(6)).toBeGreaterThanOrEqual(0.8);
    expect(powerWith(5)).toBeLessThan(0.8);
    // Without correlation repeats have no ceiling.
    expect(planPower({ baseline: 0.2, difference: 0.2, icc: 0, repeats: 3, scenariosNow: 8 }).repeatsAlone.maxPower).toBe(1);
  });

  it('never promises fewer scenarios than the sign-flip test can use, and handles edge inputs', () => {
    const easy = planPower({ baseline: 0, difference: 1, icc: 0.5, repeats: 5 });
    expect(easy.minimumScenarios).toBe(6); // 2 / 2^6 = 0.031 <= 0.05 < 2 / 2^5
    expect(easy.scenarios).toBe(6);
    expect(easy.powerAtScenarios(5)).toBe(0);
    expect(planPower({ baseline: 0.3, difference: 0, icc: 0.1, repeats: 3 }).scenarios).toBeNull();
    // A positive correlation between the cells is what pairing gains: fewer scenarios.
    expect(planPower({ baseline: 0.2, difference: 0.2, icc: 0.35, repeats: 3, cellCorrelation: 0.5 }).scenarios!).toBeLessThan(50);
    expect(() => planPower({ baseline: 0.9, difference: 0.2, icc: 0.1, repeats: 3 })).toThrow(RangeError);
  });
});
