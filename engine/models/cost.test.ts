import { describe, expect, it } from 'vitest';
import { promptTokens, ratesFor, turnCost } from './cost.js';
import { findProfile, loadProfiles } from './profiles.js';

const profiles = loadProfiles();
const pricesOf = (model: string) => findProfile(profiles, model)!.prices!;
const usage = (u: Partial<Parameters<typeof turnCost>[1]>) => ({ input_tokens: 0, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, ...u });

describe('model prices', () => {
  it('price the current and the original benchmark models per million tokens as published', () => {
    expect(pricesOf('claude-opus-5-5')).toEqual({ input: 4, output: 20, cache_write_5m: 5, cache_write_1h: 8, cache_read: 0.2, batch_discount: 0.5 });
    expect(pricesOf('claude-sonnet-5-5')).toMatchObject({ input: 2, output: 10, cache_write_5m: 2.5, cache_write_1h: 4, cache_read: 0.2 });
    expect(pricesOf('claude-opus-4-7')).toEqual({ input: 5, output: 25, cache_write_5m: 6.25, cache_write_1h: 10, cache_read: 0.5, batch_discount: 0.5 });
    expect(pricesOf('anthropic/claude-sonnet-4.6')).toMatchObject({ input: 3, output: 15, cache_read: 0.3 });
    expect(pricesOf('claude-haiku-4-5')).toMatchObject({ input: 1, output: 5 });
    expect(pricesOf('claude-opus-4-1')).toMatchObject({ input: 15, cache_write_5m: 18.75, output: 75 });
    expect(pricesOf('claude-haiku-5-5').tiers).toEqual([{ above_prompt_tokens: 100000, input: 0.5, output: 2.5, cache_write_5m: 0.625, cache_write_1h: 1, cache_read: 0.05 }]);
  });
});

describe('turnCost', () => {
  it('prices input, output, cache writes and cache reads separately', () => {
    const prices = pricesOf('claude-opus-4-7');
    // 1M each: 5 + 25 + 6.25 + 0.5
    expect(turnCost(prices, usage({ input_tokens: 1e6, output_tokens: 1e6, cache_creation_input_tokens: 1e6, cache_read_input_tokens: 1e6 }))).toBeCloseTo(36.75, 10);
    expect(turnCost(prices, usage({ cache_creation_input_tokens: 1e6 }), { cacheTtl: '1h' })).toBe(10);
    // 1200 * $5 + 350 * $25 = 6000 + 8750 per million
    expect(turnCost(prices, usage({ input_tokens: 1200, output_tokens: 350 }))).toBeCloseTo(0.01475, 10);
  });

  it('prices cache writes by TTL where the usage splits them, and the rest at the default TTL', () => {
    const prices = pricesOf('claude-opus-5-5'); // 5-minute write $5, 1-hour write $8
    const split = { cache_creation_input_tokens: 3000, cache_creation: { ephemeral_5m_input_tokens: 1000, ephemeral_1h_input_tokens: 2000 } };
    // 1000 * 5 + 2000 * 8 = 21000 per million
    expect(turnCost(prices, usage(split))).toBeCloseTo(0.021, 10);
    // The split wins over cacheTtl; only unsplit tokens take it.
    expect(turnCost(prices, usage(split), { cacheTtl: '1h' })).toBeCloseTo(0.021, 10);
    // 1000 split as 5m, 2000 not split: all 3000 at $5 by default, or 1000 * 5 + 2000 * 8 under ttl 1h.
    const partial = { cache_creation_input_tokens: 3000, cache_creation: { ephemeral_5m_input_tokens: 1000, ephemeral_1h_input_tokens: null } };
    expect(turnCost(prices, usage(partial))).toBeCloseTo(0.015, 10);
    expect(turnCost(prices, usage(partial), { cacheTtl: '1h' })).toBeCloseTo(0.021, 10);
  });

  it('takes the batch discount from the profile', () => {
    // Opus 5.5: 1000 * $4 + 1000 * $20 = $0.024, half of it in a batch.
    const u = usage({ input_tokens: 1000, output_tokens: 1000 });
    expect(turnCost(pricesOf('claude-opus-5-5'), u)).toBeCloseTo(0.024, 10);
    expect(turnCost(pricesOf('claude-opus-5-5'), u, { batch: true })).toBeCloseTo(0.012, 10);
    expect(turnCost({ ...pricesOf('claude-opus-5-5'), batch_discount: 0.25 }, u, { batch: true })).toBeCloseTo(0.018, 10);
  });

  it('prices Haiku 5.5 at its base rates up to 100,000 prompt tokens', () => {
    // Prompt = 50,000 input + 10,000 cache write + 40,000 cache read = 100,000: not above the threshold.
    const u = usage({ input_tokens: 50_000, cache_creation_input_tokens: 10_000, cache_read_input_tokens: 40_000, output_tokens: 2000 });
    expect(promptTokens(u)).toBe(100_000);
    // 50,000 * 0.10 + 10,000 * 0.125 + 40,000 * 0.01 + 2,000 * 0.50 = 5000 + 1250 + 400 + 1000 = 7650 per million
    expect(turnCost(pricesOf('claude-haiku-5-5'), u)).toBeCloseTo(0.00765, 10);
  });

  it('prices every token of a longer Haiku 5.5 request at the higher tier, output included', () => {
    const u = usage({ input_tokens: 50_001, cache_creation_input_tokens: 10_000, cache_read_input_tokens: 40_000, output_tokens: 2000 });
    // 50,001 * 0.50 + 10,000 * 0.625 + 40,000 * 0.05 + 2,000 * 2.50 = 25000.5 + 6250 + 2000 + 5000 = 38250.5 per million
    expect(turnCost(pricesOf('claude-haiku-5-5'), u)).toBeCloseTo(0.0382505, 10);
    expect(turnCost(pricesOf('claude-haiku-5-5'), u, { batch: true })).toBeCloseTo(0.01912525, 10);
    // The 1-hour write of the higher tier: 100,001 tokens written for an hour at $1.00.
    expect(turnCost(pricesOf('claude-haiku-5-5'), usage({ input_tokens: 1, cache_creation_input_tokens: 100_000 }), { cacheTtl: '1h' })).toBeCloseTo(0.1000005, 10);
  });

  it('gives the dearest tier for an unbounded prompt, for worst-case reservations', () => {
    expect(ratesFor(pricesOf('claude-haiku-5-5'), Number.POSITIVE_INFINITY)).toEqual({ input: 0.5, output: 2.5, cache_write_5m: 0.625, cache_write_1h: 1, cache_read: 0.05 });
    expect(ratesFor(pricesOf('claude-opus-5-5'), Number.POSITIVE_INFINITY)).toEqual({ input: 4, output: 20, cache_write_5m: 5, cache_write_1h: 8, cache_read: 0.2 });
  });

  it('is null, not a guess, for a model without a price', () => {
    expect(turnCost(undefined, usage({ input_tokens: 10, output_tokens: 10 }))).toBeNull();
  });
});
