import type { Profile } from './profiles.js';

export interface TokenUsage {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
}

/**
 * USD for one turn from the profile's per-million prices. Cache writes are priced at the
 * 5-minute rate (the default TTL of a cache_control breakpoint); reads at the cache-read rate.
 * input_tokens excludes cached tokens, as the API reports it. Null when the model has no price.
 * https://docs.anthropic.com/en/docs/build-with-claude/prompt-caching#pricing
 */
export function turnCost(prices: Profile['prices'] | undefined, u: TokenUsage, cacheTtl: '5m' | '1h' = '5m'): number | null {
  if (!prices) return null;
  const write = cacheTtl === '1h' ? prices.cache_write_1h : prices.cache_write_5m;
  const usd = (u.input_tokens * prices.input + u.cache_creation_input_tokens * write + u.cache_read_input_tokens * prices.cache_read + u.output_tokens * prices.output) / 1_000_000;
  // Round to a millionth of a cent so sums of many turns stay exact in JSON.
  return Math.round(usd * 1e8) / 1e8;
}
