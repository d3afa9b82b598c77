import { describe, expect, it } from 'vitest';
import { chiSquareSf, lnGamma, normalCdf, studentTCdf, tQuantile } from './distributions.js';
import { betaForIcc, randomBeta, randomBinomial, seededRandom } from './random.js';

describe('distributions', () => {
  it('gives Student t quantiles that match printed tables', () => {
    // Two-sided 95% critical values, e.g. Abramowitz & Stegun Table 26.10.
    expect(tQuantile(0.975, 1)).toBeCloseTo(12.706, 3);
    expect(tQuantile(0.975, 2)).toBeCloseTo(4.3027, 4);
    expect(tQuantile(0.975, 7)).toBeCloseTo(2.3646, 4);
    expect(tQuantile(0.975, 30)).toBeCloseTo(2.0423, 4);
    expect(tQuantile(0.995, 3)).toBeCloseTo(5.8409, 4);
    expect(tQuantile(0.95, 10)).toBeCloseTo(1.8125, 4);
    expect(tQuantile(0.025, 7)).toBeCloseTo(-2.3646, 4);
    expect(tQuantile(0.5, 4)).toBe(0);
    // df = 1 is the Cauchy, with upper quantile cot(pi q) for tail q: precise far into the tail.
    const p = 1 - 1e-10;
    expect(tQuantile(p, 1) * Math.tan(Math.PI * (1 - p))).toBeCloseTo(1, 10);
    // Infinite df is the normal.
    expect(tQuantile(0.975, Number.POSITIVE_INFINITY)).toBeCloseTo(1.959964, 6);
  });

  it('gives a Student t CDF that inverts the quantile and matches known values', () => {
    for (const df of [1, 2, 3, 7, 29, 200]) {
      for (const p of [0.001, 0.05, 0.3, 0.9, 0.999]) expect(studentTCdf(tQuantile(p, df), df)).toBeCloseTo(p, 10);
    }
    // df = 2 has a closed form: F(t) = 1/2 + t / (2 sqrt(2 + t^2)).
    expect(studentTCdf(0.1, 2)).toBeCloseTo(0.5 + 0.1 / (2 * Math.sqrt(2.01)), 12);
    expect(studentTCdf(-1, 1)).toBeCloseTo(0.25, 12);
    expect(studentTCdf(2.5, 3)).toBeCloseTo(0.9561467, 7);
    expect(studentTCdf(0, 5)).toBe(0.5);
  });

  it('gives normal and chi-square tails that match tables', () => {
    expect(normalCdf(1.959963984540054)).toBeCloseTo(0.975, 12);
    expect(normalCdf(-3)).toBeCloseTo(0.0013498980316301, 14);
    expect(chiSquareSf(3.841458820694124, 1)).toBeCloseTo(0.05, 12);
    expect(chiSquareSf(6.634896601021214, 1)).toBeCloseTo(0.01, 12);
    expect(chiSquareSf(7.814727903251178, 3)).toBeCloseTo(0.05, 12);
    expect(chiSquareSf(0, 1)).toBe(1);
  });

  it('computes ln Gamma', () => {
    expect(lnGamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 12);
    expect(lnGamma(1)).toBeCloseTo(0, 12);
    expect(lnGamma(10)).toBeCloseTo(Math.log(362880), 12);
  });
});

describe('seeded random numbers', () => {
  it('repeat for a seed and differ between seeds', () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    const c = seededRandom(43);
    const xs = Array.from({ length: 5 }, () => a());
    expect(Array.from({ length: 5 }, () => b())).toEqual(xs);
    expect(Array.from({ length: 5 }, () => c())).not.toEqual(xs);
    for (const x of xs) expect(x >= 0 && x < 1).toBe(true);
  });

  it('draw uniform, beta and binomial values with the right moments', () => {
    const random = seededRandom(7);
    const u = Array.from({ length: 20_000 }, () => random());
    expect(u.reduce((s, x) => s + x, 0) / u.length).toBeCloseTo(0.5, 2);
    // Beta with mean 0.3 and ICC 0.35: variance = ICC * mean * (1 - mean) = 0.0735.
    const { alpha, beta } = betaForIcc(0.3, 0.35);
    expect(1 / (alpha + beta + 1)).toBeCloseTo(0.35, 12);
    const ps = Array.from({ length: 20_000 }, () => randomBeta(alpha, beta, random));
    const m = ps.reduce((s, x) => s + x, 0) / ps.length;
    const v = ps.reduce((s, x) => s + (x - m) ** 2, 0) / (ps.length - 1);
    expect(m).toBeCloseTo(0.3, 2);
    expect(v).toBeCloseTo(0.0735, 2);
    const ks = Array.from({ length: 20_000 }, () => randomBinomial(10, 0.2, random));
    expect(ks.reduce((s, x) => s + x, 0) / ks.length).toBeCloseTo(2, 1);
  });
});
