import { describe, expect, it } from 'vitest';
import { cohensKappa } from '../score/agreement.js';
import { bootstrapKappa } from './kappa.js';

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

  it('resamples whole scenarios when given them, so labels of one scenario stay together', () => {
    // Two scenarios: in s1 the judge always agrees, in s2 never. Resampling scenarios, every
    // draw is s1 twice (kappa 1), s2 twice, or one of each; resampling items mixes them freely.
    const human: YN[] = ['YES', 'NO', 'YES', 'NO', 'YES', 'NO', 'YES', 'NO'];
    const judge: YN[] = ['YES', 'NO', 'YES', 'NO', 'NO', 'YES', 'NO', 'YES'];
    const clusters = ['s1', 's1', 's1', 's1', 's2', 's2', 's2', 's2'];
    const byScenario = bootstrapKappa(human, judge, { seed: 3, clusters })!;
    const byItem = bootstrapKappa(human, judge, { seed: 3 })!;
    expect(byScenario).toEqual({ low: -1, high: 1 });
    expect(byItem.high - byItem.low).toBeLessThan(byScenario.high - byScenario.low);
    expect(() => bootstrapKappa(human, judge, { clusters: ['s1'] })).toThrow(/one cluster per item/);
  });
});
