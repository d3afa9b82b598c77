import { describe, expect, it } from 'vitest';
import { bootstrapKappa, cohensKappa, judgeVsHuman, seededRandom, type VerdictPair } from './agreement.js';

type YN = 'YES' | 'NO';

/** Items from a 2x2 table of (person, judge): tp both YES, fn person YES judge NO, fp person NO judge YES, tn both NO. */
function pairsOf(tp: number, fn: number, fp: number, tn: number): { human: YN[]; judge: YN[] } {
  const cells: Array<[YN, YN, number]> = [
    ['YES', 'YES', tp],
    ['YES', 'NO', fn],
    ['NO', 'YES', fp],
    ['NO', 'NO', tn],
  ];
  const human: YN[] = [];
  const judge: YN[] = [];
  for (const [h, j, k] of cells)
    for (let i = 0; i < k; i++) {
      human.push(h);
      judge.push(j);
    }
  return { human, judge };
}

/** Kappa from the 2x2 counts, written out: (po - pe) / (1 - pe); 1 when both sides use one label throughout and agree. */
function kappa2x2(tp: number, fn: number, fp: number, tn: number): number {
  const n = tp + fn + fp + tn;
  const po = (tp + tn) / n;
  const h = (tp + fn) / n;
  const j = (tp + fp) / n;
  const pe = h * j + (1 - h) * (1 - j);
  return pe === 1 ? 1 : (po - pe) / (1 - pe);
}

const factorial = (n: number): number => (n <= 1 ? 1 : n * factorial(n - 1));

/**
 * The exact bootstrap distribution of kappa: a resample of n items from a 2x2 table is a
 * multinomial draw over its four cells, so every resample and its probability can be listed.
 * Returns the percentile interval the bootstrap estimates: the smallest kappa whose cumulative
 * probability reaches alpha/2, and the smallest that reaches 1 - alpha/2.
 */
function exactBootstrapInterval(tp: number, fn: number, fp: number, tn: number): { low: number; high: number } {
  const n = tp + fn + fp + tn;
  const p = [tp / n, fn / n, fp / n, tn / n];
  const mass = new Map<number, number>();
  for (let a = 0; a <= n; a++)
    for (let b = 0; a + b <= n; b++)
      for (let c = 0; a + b + c <= n; c++) {
        const d = n - a - b - c;
        const counts = [a, b, c, d];
        let pr = factorial(n) / counts.reduce((x, k) => x * factorial(k), 1);
        counts.forEach((k, i) => {
          pr *= p[i]! ** k;
        });
        if (pr === 0) continue;
        const k = Math.round(kappa2x2(a, b, c, d) * 1e12) / 1e12;
        mass.set(k, (mass.get(k) ?? 0) + pr);
      }
  const sorted = [...mass.entries()].sort((x, y) => x[0] - y[0]);
  const quantile = (q: number) => {
    let cumulative = 0;
    for (const [k, pr] of sorted) {
      cumulative += pr;
      if (cumulative >= q) return k;
    }
    return sorted.at(-1)![0];
  };
  return { low: quantile(0.025), high: quantile(0.975) };
}

describe('seededRandom', () => {
  it('gives the same sequence for the same seed, another for another seed, all in [0, 1)', () => {
    const take = (seed: number) => Array.from({ length: 1000 }, seededRandom(seed));
    expect(take(1)).toEqual(take(1));
    expect(take(1)).not.toEqual(take(2));
    const xs = take(7);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    // Roughly uniform: the mean of 1000 draws is within 0.05 of 1/2 (SD about 0.009).
    expect(xs.reduce((a, b) => a + b, 0) / xs.length).toBeCloseTo(0.5, 1);
  });
});

describe('bootstrapKappa', () => {
  it('is reproducible: the same data and seed give the same interval', () => {
    const { human, judge } = pairsOf(12, 3, 4, 21);
    const a = bootstrapKappa(human, judge, { seed: 5 });
    expect(a).toEqual(bootstrapKappa(human, judge, { seed: 5 }));
    expect(a).not.toEqual(bootstrapKappa(human, judge, { seed: 6 }));
    const k = cohensKappa(human, judge)!;
    expect(a!.low).toBeLessThan(k);
    expect(a!.high).toBeGreaterThan(k);
  });

  it('finds the exact bootstrap percentiles of a small table, whatever the seed', () => {
    // n = 5: one both-YES, two person-YES/judge-NO, one person-NO/judge-YES, one both-NO.
    // Exactly: P(kappa <= -0.923) = 0.038 (nothing lower), P(kappa < 0.615) = 0.961 and
    // P(kappa <= 0.615) = 0.990, so the percentile interval is [-0.923, 0.615] (-12/13, 8/13).
    const exact = exactBootstrapInterval(1, 2, 1, 1);
    expect(exact.low).toBeCloseTo(-12 / 13, 9);
    expect(exact.high).toBeCloseTo(8 / 13, 9);
    const { human, judge } = pairsOf(1, 2, 1, 1);
    for (const seed of [1, 2, 3]) {
      const got = bootstrapKappa(human, judge, { seed, draws: 20000 })!;
      expect(got.low).toBeCloseTo(exact.low, 9);
      expect(got.high).toBeCloseTo(exact.high, 9);
    }
  });

  it('is [1, 1] when the judge agrees with people on every item, and null with no items', () => {
    const { human, judge } = pairsOf(4, 0, 0, 5);
    expect(bootstrapKappa(human, judge)).toEqual({ low: 1, high: 1 });
    expect(bootstrapKappa([], [])).toBeNull();
    expect(() => bootstrapKappa(['YES'], [])).toThrow(/same items/);
  });
});

describe('judgeVsHuman', () => {
  it('counts the confusion table with unscored verdicts, and leaves them out of sensitivity, specificity and agreement', () => {
    const p = (human: YN, judge: VerdictPair['judge'], times: number): VerdictPair[] => Array.from({ length: times }, () => ({ human, judge }));
    const pairs = [...p('YES', 'YES', 6), ...p('YES', 'NO', 2), ...p('YES', 'unscored', 1), ...p('NO', 'YES', 1), ...p('NO', 'NO', 9), ...p('NO', 'unscored', 3)];
    expect(judgeVsHuman(pairs)).toEqual({
      confusion: { human_yes: { judge_yes: 6, judge_no: 2, unscored: 1 }, human_no: { judge_yes: 1, judge_no: 9, unscored: 3 } },
      sensitivity: { k: 6, n: 8, value: 0.75 },
      specificity: { k: 9, n: 10, value: 0.9 },
      agreement: { k: 15, n: 18, value: 15 / 18 },
    });
  });

  it('has no sensitivity without a person-YES the judge scored', () => {
    const r = judgeVsHuman([
      { human: 'YES', judge: 'unscored' },
      { human: 'NO', judge: 'NO' },
    ]);
    expect(r.sensitivity).toEqual({ k: 0, n: 0, value: null });
    expect(r.specificity).toEqual({ k: 1, n: 1, value: 1 });
  });
});
