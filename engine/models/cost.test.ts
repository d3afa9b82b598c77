import { describe, expect, it } from 'vitest';
import { turnCost } from './cost.js';
import { findProfile, loadProfiles } from './profiles.js';

const profiles = loadProfiles();

describe('model profiles', () => {
  it('price Opus 4.7, Sonnet 4.x, Haiku 4.5 and Opus 4.1 per million tokens as published', () => {
    expect(findProfile(profiles, 'claude-opus-4-7')!.prices).toEqual({ input: 5, cache_write_5m: 6.25, cache_write_1h: 10, cache_read: 0.5, output: 25 });
    expect(findProfile(profiles, 'anthropic/claude-sonnet-4.6')!.prices).toMatchObject({ input: 3, output: 15, cache_read: 0.3 });
    expect(findProfile(profiles, 'claude-haiku-4-5-20251001')!.prices).toMatchObject({ input: 1, output: 5 });
    expect(findProfile(profiles, 'claude-opus-4-1')!.prices).toMatchObject({ input: 15, cache_write_5m: 18.75, output: 75 });
    expect(findProfile(profiles, 'gpt-unknown')).toBeUndefined();
  });

  it('say Opus 4.7 rejects sampling parameters and takes xhigh, and Opus 4.6 does not take xhigh', () => {
    const o47 = findProfile(profiles, 'claude-opus-4-7')!;
    expect(o47.sampling).toEqual({ temperature: false, top_p: false, top_k: false });
    expect(o47.efforts).toContain('xhigh');
    expect(o47.max_tokens.xhigh).toBeGreaterThanOrEqual(64000);
    expect(findProfile(profiles, 'claude-opus-4-6')!.efforts).not.toContain('xhigh');
  });
});

describe('turnCost', () => {
  it('prices input, output, cache writes and cache reads separately', () => {
    const prices = findProfile(profiles, 'claude-opus-4-7')!.prices;
    // 1M each: 5 + 25 + 6.25 + 0.5
    expect(turnCost(prices, { input_tokens: 1e6, output_tokens: 1e6, cache_creation_input_tokens: 1e6, cache_read_input_tokens: 1e6 })).toBeCloseTo(36.75, 10);
    expect(turnCost(prices, { input_tokens: 0, output_tokens: 0, cache_creation_input_tokens: 1e6, cache_read_input_tokens: 0 }, '1h')).toBe(10);
    expect(turnCost(prices, { input_tokens: 1200, output_tokens: 350, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 })).toBeCloseTo(0.01475, 10);
  });

  it('is null, not a guess, for a model without a price', () => {
    expect(turnCost(undefined, { input_tokens: 10, output_tokens: 10, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 })).toBeNull();
  });
});
