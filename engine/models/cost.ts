import type { Profile } from './profiles.js';
import type { Rates } from '../schemas/model-profiles.generated.js';

export type Prices = NonNullable<Profile['prices']>;
export type { Rates };

export interface TokenUsage {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
  /**
   * The cache writes split by TTL, as the API reports them (usage.cache_creation); optional, as
   * a transcript's usage holds only the total. https://platform.claude.com/docs/en/build-with-claude/prompt-caching
   */
  cache_creation?: { ephemeral_5m_input_tokens?: number | null; ephemeral_1h_input_tokens?: number | null } | null;
}

export interface TurnCostOptions {
  /** The TTL of cache writes the usage does not split: the breakpoint's ttl (5m by default). */
  cacheTtl?: '5m' | '1h';
  /** Sent through the Message Batches API: the profile's batch_discount applies. */
  batch?: boolean;
}

/** Tokens of a request's prompt: what a prompt-length price tier is decided on. */
export function promptTokens(u: TokenUsage): number {
  return u.input_tokens + u.cache_creation_input_tokens + u.cache_read_input_tokens;
}

/**
 * The per-million rates for a request with this many prompt tokens: the base prices, or the
 * highest tier whose threshold the prompt is above. `ratesFor(prices, Infinity)` is the dearest
 * tier, for worst-case reservations.
 *
 * Haiku 5.5 is the one model with tiers: its page prices input, output and both cache writes
 * for prompts up to 100,000 tokens and above ("long prompts billed higher"):
 * https://platform.claude.com/docs/zh-TW/models/haiku-5-5/overview ,
 * https://platform.claude.com/docs/en/models/haiku-5-5/whats-new-haiku-5-5 . Three points come
 * from a third party only (claudit 1.9.2, https://github.com/kurofune/claudit/releases/tag/v1.9.2):
 * the prompt counts input + cache writes + cache reads, the higher rates apply to every token of
 * the request, output included, and the cache-read rates. This follows them, the way long-context
 * pricing has worked before; the profile lists those fields as unverified.
 */
export function ratesFor(prices: Prices, prompt: number): Rates {
  let rates: Rates = prices;
  for (const tier of prices.tiers ?? []) if (prompt > tier.above_prompt_tokens) rates = tier;
  return { input: rates.input, output: rates.output, cache_write_5m: rates.cache_write_5m, cache_write_1h: rates.cache_write_1h, cache_read: rates.cache_read };
}

/**
 * USD for one turn from the profile's per-million prices, or null when the model has no price
 * (never a guess). input_tokens excludes cached tokens, as the API reports it. Cache writes are
 * priced by TTL where the usage splits them, and the rest at `cacheTtl` (5m, the default TTL of
 * a cache_control breakpoint). A batched turn gets the profile's batch discount.
 * https://platform.claude.com/docs/en/about-claude/pricing?ref=optimizesmart.com
 */
export function turnCost(prices: Profile['prices'] | undefined, u: TokenUsage, options: TurnCostOptions = {}): number | null {
  if (!prices) return null;
  const r = ratesFor(prices, promptTokens(u));
  const split5m = u.cache_creation?.ephemeral_5m_input_tokens ?? 0;
  const split1h = u.cache_creation?.ephemeral_1h_input_tokens ?? 0;
  const unsplit = Math.max(0, u.cache_creation_input_tokens - split5m - split1h);
  const unsplitRate = options.cacheTtl === '1h' ? r.cache_write_1h : r.cache_write_5m;
  const usd =
    (u.input_tokens * r.input +
      split5m * r.cache_write_5m +
      split1h * r.cache_write_1h +
      unsplit * unsplitRate +
      u.cache_read_input_tokens * r.cache_read +
      u.output_tokens * r.output) /
    1_000_000;
  const discounted = options.batch ? usd * (1 - prices.batch_discount) : usd;
  // Round to a millionth of a cent so sums of many turns stay exact in JSON.
  return Math.round(discounted * 1e8) / 1e8;
}
