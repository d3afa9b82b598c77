import { describe, expect, it } from 'vitest';
import { Budget, worstCaseTurnCost } from './budget.js';
import { RequestGate } from './request-gate.js';

describe('Budget', () => {
  it('reserves only what fits, waits for turns in flight, and refuses once spent', async () => {
    const b = new Budget(1, 0);
    expect(b.reserve(0.6)).toBe(true);
    let second = false;
    const waiting = b.acquire(0.6).then((ok) => (second = ok));
    await Promise.resolve();
    expect(second).toBe(false); // waiting: 0.6 is reserved by a turn in flight
    b.settle(0.6, 0.1);
    expect(await waiting).toBe(true);
    b.settle(0.6, 0.5);
    expect(b.spentUsd).toBeCloseTo(0.6, 12);
    expect(await b.acquire(0.5)).toBe(false); // 0.6 + 0.5 > 1 even with nothing in flight
    expect(new Budget(null, 0).reserve(1e9)).toBe(true);
  });

  it('bounds a turn by its input at two characters a token and max_tokens of output', () => {
    const prices = { input: 5, cache_write_5m: 6.25, cache_write_1h: 10, cache_read: 0.5, output: 25 };
    const params = { model: 'm', max_tokens: 1000, messages: [{ role: 'user' as const, content: 'x'.repeat(1968) }] };
    // JSON of the messages (1998 chars) and of the absent system (2) is 2000 chars -> 1000 tokens at the dearest input price ($10/M) + 1000 * $25/M
    expect(worstCaseTurnCost(params, prices)).toBeCloseTo((1000 * 10 + 1000 * 25) / 1e6, 10);
    expect(worstCaseTurnCost(params, null)).toBeNull();
  });
});

describe('RequestGate', () => {
  it('halves on a 429, honours retry-after, and recovers one step per window of successes', async () => {
    let now = 0;
    const g = new RequestGate(8, () => now);
    g.observe(429, 2);
    expect(g.current).toBe(4);
    g.observe(429, 2); // same window: no second cut
    expect(g.current).toBe(4);
    let started = false;
    const p = g.acquire().then(() => (started = true));
    await new Promise((r) => setTimeout(r, 5));
    expect(started).toBe(false); // paused for retry-after
    now = 2000;
    await p;
    g.release();
    for (let i = 0; i < 4; i++) g.observe(200, null);
    expect(g.current).toBe(5);
    now = 5000;
    g.observe(429, 1);
    expect(g.current).toBe(2);
    expect(g.low).toBe(2);
  });
});
