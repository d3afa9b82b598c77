import { describe, expect, it } from 'vitest';
import { conversationEstimate } from './estimate.js';

describe('conversationEstimate', () => {
  const prices = { input: 5, cache_write_5m: 6.25, cache_write_1h: 10, cache_read: 0.5, output: 25 };
  const profile = { prices } as never;
  const t = { system: 100, prompts: [50, 50, 50], replies: [null, null, null], source: 'estimate' as const };

  it("adds each turn's history: system, every prompt so far and every earlier reply", () => {
    const e = conversationEstimate(t, [true, true, true], 200, profile, false);
    // inputs: 150, 150+200+50 = 400, 400+200+50 = 650
    expect(e.input).toBe(1200);
    expect(e.out).toBe(600);
    expect(e.usd).toBeCloseTo((1200 * 5 + 600 * 25) / 1e6, 12);
  });

  it("with caching, reads the previous turn's input and writes only what is new", () => {
    const e = conversationEstimate(t, [true, true, true], 200, profile, true);
    const usd = (150 * 6.25 + 150 * 0.5 + 250 * 6.25 + 400 * 0.5 + 250 * 6.25 + 600 * 25) / 1e6;
    expect(e.usd).toBeCloseTo(usd, 12);
    expect(e.usdUncached).toBeCloseTo((1200 * 5 + 600 * 25) / 1e6, 12);
  });
});
