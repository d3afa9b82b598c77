import { describe, expect, it } from 'vitest';
import type { RateLimits } from '../providers/rate-limits.js';
import type { MessageParams } from '../providers/types.js';
import { RequestGate, type GateClock } from './request-gate.js';
import { demandOf } from './rate-pacer.js';

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

/** A turn of `tokens` estimated input tokens (four characters each) for `model`. */
const turn = (tokens: number, model = 'claude-opus-4-7', maxTokens = 100): MessageParams => ({
  model,
  max_tokens: maxTokens,
  messages: [{ role: 'user', content: 'x'.repeat(tokens * 4) }],
});

/**
 * One request through the gate's hooks, as the provider drives them: `sentAt` is when its attempt
 * was let through; `answer` hands it a response's rate limits and status, `fail` an attempt that
 * got no response.
 */
function request(g: RequestGate, clock: GateClock, params: MessageParams, signal?: AbortSignal) {
  const hooks = g.attemptHooks(params, signal);
  const r = {
    sentAt: null as number | null,
    sent: null as unknown as Promise<void>,
    answer(limits: RateLimits, status = 200) {
      hooks.onRateLimits(limits, status);
      hooks.onAttempt({ at: '', outcome: status === 200 ? 'ok' : 'http-error', status, retry_after_s: status === 429 ? 0 : null });
    },
    fail() {
      hooks.onAttempt({ at: '', outcome: 'connection-error', status: null });
    },
  };
  r.sent = hooks.beforeAttempt().then(() => {
    r.sentAt = clock.now();
  });
  return r;
}

/** Input tokens per minute as the headers state them: `perMinute`, `remaining` now, full again in `fullInMs`. */
const itpm = (perMinute: number, remaining: number, resetAtMs: number): RateLimits => ({ 'input-tokens': { limit: perMinute, remaining, resetAtMs } });

describe('RequestGate pacing on the rate-limit headers', () => {
  it('estimates what a request takes: the prompt at four characters a token, max_tokens of output', () => {
    const params: MessageParams = {
      model: 'm',
      max_tokens: 500,
      system: [{ type: 'text', text: 'x'.repeat(40) }],
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'x'.repeat(400) }] },
        {
          role: 'assistant',
          content: [
            { type: 'thinking', thinking: 'x'.repeat(80), signature: 's' },
            { type: 'text', text: 'x'.repeat(80) },
          ],
        },
        { role: 'user', content: 'x'.repeat(3) },
      ],
    };
    expect(demandOf(params)).toEqual({ requests: 1, 'input-tokens': 151, 'output-tokens': 500, tokens: 651 });
  });

  it("holds the first burst until one response has stated the limits, then spreads it at the limit's rate", async () => {
    const clock = fakeClock();
    const g = new RequestGate(8, clock);
    // 6,000 input tokens a minute: 100 a second, the bucket holding one second's worth.
    const rs = [1, 2, 3, 4].map(() => request(g, clock, turn(100)));
    await clock.advance(0);
    expect(rs.map((r) => r.sentAt)).toEqual([0, null, null, null]); // one probe, whatever the concurrency
    await clock.advance(200);
    // The probe's headers: its 100 tokens emptied the bucket, which will be full again in a second.
    rs[0]!.answer(itpm(6000, 0, 1000));
    await clock.advance(10_000);
    // 100 tokens a second, counted from when the headers arrived (when the server counted is not
    // known, so the refill before is not credited): one request every second.
    expect(rs.map((r) => r.sentAt)).toEqual([0, 1200, 2200, 3200]);
    expect(clock.slept).toEqual([1000, 1000, 1000]); // one wake-up at a time, not one timer per waiter
  });

  it("takes the server's figures over its own: more left lets a waiting request go at once, a stale response changes nothing", async () => {
    const clock = fakeClock();
    const g = new RequestGate(8, clock);
    const probe = request(g, clock, turn(100));
    await clock.advance(0);
    probe.answer(itpm(6000, 100, 0)); // the bucket is full after the probe: another client's tokens came back
    const a = request(g, clock, turn(100));
    const b = request(g, clock, turn(100));
    await clock.advance(0);
    expect([a.sentAt, b.sentAt]).toEqual([0, null]); // a took the 100; b needs a second of refill
    await clock.advance(300);
    a.answer(itpm(6000, 100, 0)); // a was not counted against this limit after all
    await clock.advance(0);
    expect(b.sentAt).toBe(300);
    // The probe's headers again, now older than a's: ignored, so c waits for b's 100 to refill.
    probe.answer(itpm(6000, 100, 0));
    const c = request(g, clock, turn(100));
    await clock.advance(999);
    expect(c.sentAt).toBeNull();
    await clock.advance(1);
    expect(c.sentAt).toBe(1300);
  });

  it('takes off what requests let through after the answered one will take: the server had not counted them yet', async () => {
    const clock = fakeClock();
    const g = new RequestGate(8, clock);
    const probe = request(g, clock, turn(10));
    await clock.advance(0);
    probe.answer(itpm(60_000, 1000, 0)); // 1,000 a second; the bucket is full
    const sent = [1, 2, 3, 4].map(() => request(g, clock, turn(200)));
    await clock.advance(0);
    expect(sent.map((r) => r.sentAt)).toEqual([0, 0, 0, 0]); // 800 of 1,000
    // The first one's headers: 800 left after it, so the other three (600) leave 200.
    sent[0]!.answer(itpm(60_000, 800, 200));
    const next = request(g, clock, turn(300));
    await clock.advance(99);
    expect(next.sentAt).toBeNull();
    await clock.advance(1);
    expect(next.sentAt).toBe(100);
  });

  it('gives back what a refused request took: the API did not count it', async () => {
    const clock = fakeClock();
    const g = new RequestGate(8, clock);
    const probe = request(g, clock, turn(10));
    await clock.advance(0);
    probe.answer(itpm(6000, 100, 0));
    const refused = request(g, clock, turn(100));
    await clock.advance(0);
    const waiting = request(g, clock, turn(100));
    await clock.advance(100);
    expect(waiting.sentAt).toBeNull();
    refused.answer({}, 429); // no headers on this 429: the copy alone says the 100 are back
    await clock.advance(0);
    expect(waiting.sentAt).toBe(100);
    expect(g.current).toBe(4); // and the 429 rule still halves the concurrency
  });

  it('does not pace an endpoint that states no limits, and lets the next request probe when a probe got no answer', async () => {
    const clock = fakeClock();
    const g = new RequestGate(8, clock);
    const rs = [1, 2, 3].map(() => request(g, clock, turn(100)));
    await clock.advance(0);
    rs[0]!.fail(); // a reset connection: nothing learnt
    await clock.advance(0);
    expect(rs.map((r) => r.sentAt)).toEqual([0, 0, null]);
    rs[1]!.answer({}, 500); // an error without headers says nothing either
    await clock.advance(0);
    expect(rs[2]!.sentAt).toBe(0);
    rs[2]!.answer({}); // a success without headers: this endpoint has no rate-limit headers
    const more = [1, 2, 3].map(() => request(g, clock, turn(1_000_000)));
    await clock.advance(0);
    expect(more.map((r) => r.sentAt)).toEqual([0, 0, 0]);
    expect(clock.slept).toEqual([]);
  });

  it('waits for the slowest of the limits: requests a minute, input and output tokens', async () => {
    const clock = fakeClock();
    const g = new RequestGate(8, clock);
    const probe = request(g, clock, turn(10));
    await clock.advance(0);
    probe.answer({
      requests: { limit: 60, remaining: 0, resetAtMs: 1000 }, // one a second, the next in a second
      ...itpm(600_000, 10_000, 0), // never short here
      'output-tokens': { limit: 90_000, remaining: 1500, resetAtMs: 0 }, // 1,500 a second, full now
    });
    // max_tokens counts against the output limit when a request starts: 2,000 is more than the
    // bucket, so each waits for a full bucket and leaves it 500 short, 1,334 ms of refill.
    const rs = [1, 2, 3, 4].map(() => request(g, clock, turn(10, 'claude-opus-4-7', 2000)));
    await clock.advance(10_000);
    // The first waits on the requests limit, the others on the output limit.
    expect(rs.map((r) => r.sentAt)).toEqual([1000, 2334, 3668, 5002]);
  });

  it('lets a request larger than a bucket go once the bucket is full, and refills no higher than its capacity', async () => {
    const clock = fakeClock();
    const g = new RequestGate(8, clock);
    const probe = request(g, clock, turn(10));
    await clock.advance(0);
    probe.answer(itpm(6000, 50, 500)); // 100 a second, a bucket of 100, half full
    const big = request(g, clock, turn(250));
    const after = request(g, clock, turn(50));
    await clock.advance(10_000);
    // 500 ms to fill the bucket, then 250 taken leaves it 150 in debt: 2 s more for 50.
    expect([big.sentAt, after.sentAt]).toEqual([500, 2500]);
    // Idle for a minute: the bucket is full, 100, not 6,000 (the API's per-minute limit over one second).
    await clock.advance(60_000);
    const burst = [1, 2, 3].map(() => request(g, clock, turn(50)));
    await clock.advance(0);
    expect(burst.map((r) => r.sentAt)).toEqual([70_000, 70_000, null]);
  });

  it('paces each model on its own, as the API limits each model', async () => {
    const clock = fakeClock();
    const g = new RequestGate(8, clock);
    const opus = request(g, clock, turn(100, 'claude-opus-4-7'));
    const sonnet = request(g, clock, turn(100, 'claude-sonnet-4-6'));
    await clock.advance(0);
    expect([opus.sentAt, sonnet.sentAt]).toEqual([0, 0]); // each model's probe
    opus.answer(itpm(6000, 0, 1000));
    sonnet.answer(itpm(6000, 100, 0));
    const [o2, s2] = [request(g, clock, turn(100, 'claude-opus-4-7')), request(g, clock, turn(100, 'claude-sonnet-4-6'))];
    await clock.advance(2000);
    expect([o2.sentAt, s2.sentAt]).toEqual([1000, 0]);
  });

  it('lets waiting requests go at once when the run is stopped hard: they fail as aborted rather than wait for a limit', async () => {
    const clock = fakeClock();
    const g = new RequestGate(8, clock);
    const probe = request(g, clock, turn(100));
    await clock.advance(0);
    probe.answer(itpm(6000, 0, 1000));
    const stop = new AbortController();
    const waiting = [1, 2].map(() => request(g, clock, turn(100), stop.signal));
    const other = request(g, clock, turn(100));
    await clock.advance(500);
    expect(waiting.map((r) => r.sentAt)).toEqual([null, null]);
    stop.abort();
    await clock.advance(0);
    expect(waiting.map((r) => r.sentAt)).toEqual([500, 500]);
    const late = request(g, clock, turn(100), stop.signal);
    await clock.advance(0);
    expect(late.sentAt).toBe(500);
    // The others keep their place: nothing was taken for the stopped ones.
    await clock.advance(500);
    expect(other.sentAt).toBe(1000);
  });

  it('counts an older request still unanswered when a younger one is answered first: it may have been overtaken', async () => {
    const clock = fakeClock();
    const g = new RequestGate(8, clock);
    const probe = request(g, clock, turn(10));
    await clock.advance(0);
    probe.answer(itpm(60_000, 1000, 0)); // 1,000 a second; full
    const [a, b] = [request(g, clock, turn(200)), request(g, clock, turn(200))];
    await clock.advance(0);
    // b overtook a: the server counted b alone when it answered it.
    b.answer(itpm(60_000, 800, 200));
    const c = request(g, clock, turn(700));
    await clock.advance(99);
    expect(c.sentAt).toBeNull(); // 800 less a's 200 leaves 600: 100 ms short of 700
    await clock.advance(1);
    expect(c.sentAt).toBe(100);
    a.answer(itpm(60_000, 600, 400)); // older than b's figures: changes nothing
    expect(g.current).toBe(8);
  });

  it('does not cut the concurrency for a 429 its headers explain, and does for one they do not', async () => {
    const clock = fakeClock();
    const g = new RequestGate(8, clock);
    const probe = request(g, clock, turn(10));
    await clock.advance(0);
    probe.answer(itpm(6000, 100, 0));
    const explained = request(g, clock, turn(100));
    await clock.advance(0);
    explained.answer(itpm(6000, 40, 600), 429); // another client took 60 of the 100
    expect(g.current).toBe(8);
    // The pacer learnt the 40: a request of 100 waits 600 ms, not the 0 ms its own copy said.
    const next = request(g, clock, turn(100));
    await clock.advance(599);
    expect(next.sentAt).toBeNull();
    await clock.advance(1);
    expect(next.sentAt).toBe(600);
    // A 429 with every limit holding enough (a cap on concurrent requests, say) is the gate's.
    await clock.advance(400);
    next.answer(itpm(6000, 100, 0), 429);
    expect(g.current).toBe(4);
  });
});
