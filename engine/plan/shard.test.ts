import { describe, expect, it } from 'vitest';
import { UsageError } from '../errors.js';
import type { Plan } from './plan.js';
import { parseShard, shardPlan } from './shard.js';

describe('shards', () => {
  it('parses k/n and refuses anything else with the fix', () => {
    expect(parseShard(' 2/4 ')).toEqual({ index: 2, count: 4 });
    for (const bad of ['0/4', '5/4', '2/0', '2', 'a/b', '-1/3']) expect(() => parseShard(bad)).toThrow(UsageError);
    expect(() => parseShard('5/4')).toThrow(/write k\/n with 1 <= k <= n/);
  });

  it('deals every conversation to exactly one shard, in plan order, and remembers the whole', () => {
    const conversations = Array.from({ length: 7 }, (_, i) => ({ id: `c${i}` }));
    const plan = { conversations } as unknown as Plan;
    const shards = [1, 2, 3].map((index) => shardPlan(plan, { index, count: 3 }));
    expect(shards.map((s) => s.conversations.map((c) => c.id))).toEqual([
      ['c0', 'c3', 'c6'],
      ['c1', 'c4'],
      ['c2', 'c5'],
    ]);
    expect(shards.every((s) => s.shard?.of === 7 && s.shard.count === 3)).toBe(true);
  });
});
