/**
 * The rate limits one response states, from its anthropic-ratelimit-* headers. The API sends
 * them on every response, a 429 too, for each limit in force: requests, input tokens, output
 * tokens, and `tokens` (input and output together, for the most restrictive limit in effect);
 * `-limit` is the limit per minute, `-remaining` what is left before requests are refused (the
 * token figures rounded to the nearest thousand), `-reset` when the limit will be fully
 * replenished, in RFC 3339.
 * https://platform.claude.com/docs/en/api/rate-limits ("Response headers")
 * https://docs.aws.amazon.com/claude-platform/latest/userguide/rate-limits.md
 */
export const RATE_LIMIT_NAMES = ['requests', 'input-tokens', 'output-tokens', 'tokens'] as const;

export type RateLimitName = (typeof RATE_LIMIT_NAMES)[number];

export interface RateLimitState {
  /** Per minute. */
  limit: number;
  remaining: number;
  /** When the limit will be fully replenished (ms since the epoch, the server's clock). */
  resetAtMs: number;
}

/** The limits a response stated; a limit it did not state, or stated in a form we cannot read, is absent. */
export type RateLimits = Partial<Record<RateLimitName, RateLimitState>>;

const COUNT = /^\d+$/;
const RFC_3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;

/**
 * Reads the anthropic-ratelimit-* headers. Pure and forgiving: a limit is kept only when its
 * three headers are all there and well formed (a whole number, a positive limit, an RFC 3339
 * time), since pacing on half a figure is worse than not pacing on it; nothing here throws.
 */
export function parseRateLimits(headers: Headers | undefined): RateLimits {
  const out: RateLimits = {};
  if (headers === undefined) return out;
  for (const name of RATE_LIMIT_NAMES) {
    const field = (part: string) => headers.get(`anthropic-ratelimit-${name}-${part}`)?.trim() ?? '';
    const [limit, remaining, reset] = [field('limit'), field('remaining'), field('reset')];
    if (!COUNT.test(limit) || !COUNT.test(remaining) || !RFC_3339.test(reset)) continue;
    const resetAtMs = Date.parse(reset);
    if (Number(limit) === 0 || !Number.isFinite(resetAtMs)) continue;
    out[name] = { limit: Number(limit), remaining: Number(remaining), resetAtMs };
  }
  return out;
}
