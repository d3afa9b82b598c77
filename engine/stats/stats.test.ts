import { describe, expect, it } from 'vitest';
import { mcnemarExact, median, normalQuantile, wilson } from './stats.js';

describe('statistics', () => {
  it('takes medians of odd and even samples', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNull();
  });

  it('gives Wilson intervals that match published values', () => {
    // 15/20: 0.531-0.888 (Newcombe 1998, method 3)
    const w = wilson(15, 20)!;
    expect(w.low).toBeCloseTo(0.5313, 4);
    expect(w.high).toBeCloseTo(0.8881, 4);
    const zero = wilson(0, 10)!;
    expect(zero.low).toBe(0);
    expect(zero.high).toBeCloseTo(0.2775, 4);
    expect(wilson(5, 5)!.high).toBe(1);
    expect(wilson(0, 0)).toBeNull();
  });

  it('gives exact McNemar p-values', () => {
    // b=0, c=3: 2 * 0.5^3 = 0.25; the 4.7 vs 4.6 example of 2/5 vs 5/5 failed.
    expect(mcnemarExact(0, 3)).toBeCloseTo(0.25, 12);
    // b=2, c=8: 2 * P(X<=2 | n=10) = 2 * 56/1024 = 0.109375
    expect(mcnemarExact(2, 8)).toBeCloseTo(0.109375, 12);
    expect(mcnemarExact(0, 10)).toBeCloseTo(2 / 1024, 12);
    expect(mcnemarExact(4, 4)).toBe(1);
    expect(mcnemarExact(0, 0)).toBe(1);
  });

  it('gives the standard normal quantile', () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 5);
    expect(normalQuantile(0.8)).toBeCloseTo(0.841621, 5);
  });
});
