import { UsageError } from '../errors.js';
import type { Plan } from './plan.js';

/** --shard k/n: 1 <= k <= n. */
export function parseShard(text: string): { index: number; count: number } {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = Number(m?.[1]);
  const count = Number(m?.[2]);
  if (!m || count < 1 || index < 1 || index > count) throw new UsageError(`--shard ${text}: write k/n with 1 <= k <= n, e.g. --shard 2/4`);
  return { index, count };
}

/**
 * The conversations of shard k of n: every n-th conversation of the full plan, starting at
 * the k-th. Deterministic, so n machines given the same inputs split it without talking, and
 * `driftbench merge` can put the full plan back together in its original order.
 */
export function shardPlan(plan: Plan, s: { index: number; count: number }): Plan {
  return {
    ...plan,
    conversations: plan.conversations.filter((_, i) => i % s.count === s.index - 1),
    shard: { index: s.index, count: s.count, of: plan.conversations.length },
  };
}
