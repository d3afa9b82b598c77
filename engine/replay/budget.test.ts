import { describe, expect, it } from 'vitest';
import { Budget, worstCaseTurnCost, type Reservation } from './budget.js';

describe('Budget', () => {
  it('reserves only what fits, waits for turns in flight, and refuses once spent', async () => {
    const b = new Budget(1, 0);
    const first = b.reserve(0.6);
    expect(first).not.toBeNull();
    let second: Reservation | null | undefined;
    const waiting = b.acquire(0.6).then((r) => (second = r));
    await Promise.resolve();
    expect(second).toBeUndefined(); // waiting: 0.6 is reserved by a turn in flight
    first!.settle(0.1);
    expect(await waiting).not.toBeNull();
    expect(b.reserved).toBeCloseTo(0.6, 12);
    second!.settle(0.5);
    expect(b.spentUsd).toBeCloseTo(0.6, 12);
    expect(b.reserved).toBe(0);
    expect(await b.acquire(0.5)).toBeNull(); // 0.6 + 0.5 > 1 even with nothing in flight
    expect(new Budget(null, 0).reserve(1e9)).not.toBeNull();
  });

  it('settles a reservation once: a second settle, or a spendAll after a settle, changes nothing', () => {
    const b = new Budget(10, 0);
    const r = b.reserve(2)!;
    r.settle(0.5);
    r.settle(0.5);
    r.spendAll();
    expect(b.spentUsd).toBeCloseTo(0.5, 12);
    expect(b.reserved).toBe(0);
    const broken = b.reserve(3)!;
    broken.spendAll(); // a stream that broke after it began: the whole reservation counts as spent
    expect(b.spentUsd).toBeCloseTo(3.5, 12);
    expect(b.reserved).toBe(0);
  });

  it('bounds a turn by its input at two characters a token and max_tokens of output', () => {
    const prices = { input: 5, cache_write_5m: 6.25, cache_write_1h: 10, cache_read: 0.5, output: 25, batch_discount: 0.5 };
    const params = { model: 'm', max_tokens: 1000, messages: [{ role: 'user' as const, content: 'x'.repeat(1968) }] };
    // JSON of the messages (1998 chars) and of the absent system (2) is 2000 chars -> 1000 tokens at the dearest input price ($10/M) + 1000 * $25/M
    expect(worstCaseTurnCost(params, prices)).toBeCloseTo((1000 * 10 + 1000 * 25) / 1e6, 10);
    expect(worstCaseTurnCost(params, null)).toBeNull();
  });
});
