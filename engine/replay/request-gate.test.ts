import { describe, expect, it } from 'vitest';
import { RequestGate, type GateClock } from './request-gate.js';

/** Lets every promise callback that is ready run (one real macrotask). */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A clock that moves only when the test moves it; each sleep wakes when the clock reaches its time. */
function fakeClock(): GateClock & { slept: number[]; advance(ms: number): Promise<void> } {
  let t = 0;
  const timers: Array<{ at: number; wake: () => void }> = [];
  const slept: number[] = [];
  return {
    now: () => t,
    sleep: (ms) => {
      slept.push(ms);
      return new Promise((wake) => timers.push({ at: t + ms, wake }));
    },
    slept,
    async advance(ms) {
      const until = t + ms;
      for (;;) {
        await settle();
        // Stable sort: sleepers due at the same time wake in the order they went to sleep.
        timers.sort((a, b) => a.at - b.at);
        const next = timers[0];
        if (next === undefined || next.at > until) break;
        timers.shift();
        t = next.at;
        next.wake();
      }
      t = until;
      await settle();
    },
  };
}

describe('RequestGate', () => {
  it('halves on a 429 at most once per retry-after window, and never below one', async () => {
    const clock = fakeClock();
    const g = new RequestGate(8, clock);
    g.observe(429, 2);
    expect(g.current).toBe(4);
    g.observe(429, 2); // the same window: the requests in flight saw the same limit
    expect(g.current).toBe(4);
    await clock.advance(1999);
    g.observe(429, 2);
    expect(g.current).toBe(4);
    await clock.advance(1);
    g.observe(429, 2);
    expect(g.current).toBe(2);
    await clock.advance(2000);
    g.observe(429, 2);
    await clock.advance(2000);
    g.observe(429, 2);
    expect(g.current).toBe(1);
    expect(g.low).toBe(1);
  });

  it('starts no request before retry-after has passed, waiting on its clock', async () => {
    const clock = fakeClock();
    const g = new RequestGate(8, clock);
    g.observe(429, 2);
    let started = false;
    const acquired = g.acquire().then(() => (started = true));
    await clock.advance(1999);
    expect(started).toBe(false);
    await clock.advance(1);
    expect(started).toBe(true);
    await acquired;
    expect(clock.slept).toEqual([2000]);
  });

  it('recovers one step per window of successes, up to the maximum; a 429 starts the count again', async () => {
    const clock = fakeClock();
    const g = new RequestGate(8, clock);
    g.observe(429, 1);
    expect(g.current).toBe(4);
    const succeed = (n: number) => {
      for (let i = 0; i < n; i++) g.observe(200, null);
    };
    succeed(3);
    expect(g.current).toBe(4);
    succeed(1);
    expect(g.current).toBe(5); // 4 successes at 4 allowed
    succeed(5 + 6 + 7);
    expect(g.current).toBe(8);
    succeed(100);
    expect(g.current).toBe(8); // never above the configured maximum
    succeed(7);
    await clock.advance(1000);
    g.observe(429, 1);
    expect(g.current).toBe(4);
    succeed(3);
    expect(g.current).toBe(4); // the 7 successes before the cut do not count
    g.observe(null, null); // a connection error is neither
    g.observe(500, null);
    expect(g.current).toBe(4);
    expect(g.low).toBe(4);
  });

  it('holds a request until one in flight is released, or until a success allows one more', async () => {
    const clock = fakeClock();
    const g = new RequestGate(2, clock);
    await g.acquire();
    await g.acquire();
    let third = false;
    const waiting = g.acquire().then(() => (third = true));
    await settle();
    expect(third).toBe(false);
    g.release();
    await waiting;

    const cut = new RequestGate(2, clock);
    cut.observe(429, 0); // no pause, but one request at a time
    await cut.acquire();
    let second = false;
    const next = cut.acquire().then(() => (second = true));
    await settle();
    expect(second).toBe(false);
    cut.observe(200, null);
    await next;
    expect(cut.current).toBe(2);
    expect(clock.slept).toEqual([]);
  });

  it.each([
    [1, [1000, 2000, 3000]],
    [10, [10_000, 12_000, 14_000]], // spaced at most 2 s apart, whatever retry-after says
    [0.001, [1, 6, 11]], // and at least 5 ms
  ])('spaces attempts paused by a 429 with retry-after %s s instead of releasing them together', async (retryAfterS, expected) => {
    const clock = fakeClock();
    const g = new RequestGate(8, clock);
    g.observe(429, retryAfterS);
    const resumed: number[] = [];
    const attempts = [1, 2, 3].map(() => g.paused().then(() => resumed.push(clock.now())));
    await clock.advance(20_000);
    await Promise.all(attempts);
    expect(resumed).toEqual(expected);
    // Once the last slot has passed, an attempt goes at once.
    await g.paused();
    expect(clock.slept).toHaveLength(3);
  });

  it('takes `now` alone as its second argument, as run.ts passes it', async () => {
    let now = 0;
    const g = new RequestGate(8, () => now);
    g.observe(429, 2);
    expect(g.current).toBe(4);
    now = 2000; // the pause is over on this clock: no wait, real or not
    let started = false;
    void g.acquire().then(() => (started = true));
    await settle();
    expect(started).toBe(true);
  });
});
