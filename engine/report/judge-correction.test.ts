import { describe, expect, it } from 'vitest';
import { correctRate } from './judge-correction.js';

describe('correctRate (Rogan-Gladen)', () => {
  const perfect = { value: 1, ci95: { low: 1, high: 1 } };

  it('leaves a rate alone under a perfect judge', () => {
    const c = correctRate({ rate: 0.3, ci95: { low: 0.2, high: 0.4 } }, perfect, perfect);
    expect(c.rate).toBeCloseTo(0.3, 12);
    expect(c.ci95!.low).toBeCloseTo(0.2, 12);
    expect(c.ci95!.high).toBeCloseTo(0.4, 12);
  });

  it('corrects an apparent rate for the judge error measured on a labelled set', () => {
    // sensitivity 0.9, specificity 0.8: (0.3 + 0.8 - 1) / (0.9 + 0.8 - 1) = 0.1 / 0.7.
    const c = correctRate({ rate: 0.3, ci95: { low: 0.3, high: 0.3 } }, { value: 0.9, ci95: { low: 0.9, high: 0.9 } }, { value: 0.8, ci95: { low: 0.8, high: 0.8 } });
    expect(c.rate).toBeCloseTo(0.1 / 0.7, 12);
    expect(c.ci95!.low).toBeCloseTo(0.1 / 0.7, 12);
  });

  it("widens the interval to cover the judge's own uncertainty, at the corners of the three intervals", () => {
    const sens = { value: 0.9, ci95: { low: 0.8, high: 0.95 } };
    const spec = { value: 0.9, ci95: { low: 0.85, high: 0.95 } };
    const c = correctRate({ rate: 0.3, ci95: { low: 0.2, high: 0.4 } }, sens, spec);
    // Lowest: rate 0.2, specificity 0.85, sensitivity 0.95 -> 0.05 / 0.8; highest: 0.4, 0.95, 0.8 -> 0.35 / 0.75.
    expect(c.ci95!.low).toBeCloseTo(0.05 / 0.8, 12);
    expect(c.ci95!.high).toBeCloseTo(0.35 / 0.75, 12);
    // Wider than the apparent rate's own interval.
    expect(c.ci95!.high - c.ci95!.low).toBeGreaterThan(0.2);
  });

  it('has no correction where the judge is no better than chance, and an interval of everything where it might not be', () => {
    expect(correctRate({ rate: 0.3, ci95: null }, { value: 0.5, ci95: null }, { value: 0.5, ci95: null }).rate).toBeNull();
    const shaky = correctRate({ rate: 0.3, ci95: { low: 0.2, high: 0.4 } }, { value: 0.7, ci95: { low: 0.3, high: 0.9 } }, { value: 0.7, ci95: { low: 0.4, high: 0.9 } });
    expect(shaky.ci95).toEqual({ low: 0, high: 1 });
  });
});
