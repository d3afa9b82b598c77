import { describe, expect, it } from 'vitest';
import { findProfile, loadProfiles } from '../models/profiles.js';
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

  it("prices each turn at Haiku 5.5's tier for its own prompt length: base rates up to 100,000 prompt tokens, the higher ones above", () => {
    const haiku = findProfile(loadProfiles(), 'claude-haiku-5-5')!;
    // Turn 1 sends 60,000 prompt tokens, turn 2 60,000 + 1,000 + 60,000 = 121,000.
    const long = { system: 0, prompts: [60_000, 60_000], replies: [null, null], source: 'estimate' as const };
    const e = conversationEstimate(long, [true, true], 1000, haiku, false);
    // Base $0.10 / $0.50 per million; above 100,000 prompt tokens every token at $0.50 / $2.50.
    expect(e.usd).toBeCloseTo((60_000 * 0.1 + 1000 * 0.5) / 1e6 + (121_000 * 0.5 + 1000 * 2.5) / 1e6, 12);
    const cached = conversationEstimate(long, [true, true], 1000, haiku, true);
    // Turn 2 reads 60,000 from the cache and writes 61,000, all at the higher tier's rates.
    expect(cached.usd).toBeCloseTo((60_000 * 0.125 + 1000 * 0.5) / 1e6 + (60_000 * 0.05 + 61_000 * 0.625 + 1000 * 2.5) / 1e6, 12);
  });
});
