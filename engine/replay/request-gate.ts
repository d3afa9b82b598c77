import { setTimeout as delay } from 'node:timers/promises';
import type { MessageParams, SendContext } from '../providers/types.js';
import { demandOf, RatePacer, type Ticket } from './rate-pacer.js';

/**
 * The gate's clock: what time it is, and how to wait. Tests pass a fake one, so pauses of
 * seconds take no time and happen in a known order.
 */
export interface GateClock {
  now: () => number;
  sleep: (ms: number) => Promise<void>;
}

/**
 * Adaptive concurrency for requests (AIMD, as TCP does for packets): on a 429 the number of
 * requests allowed in flight halves, at most once per retry-after window, and no new request
 * starts before retry-after has passed; after every `permits` successes one more is allowed,
 * up to the configured maximum. The retry policy retries the throttled request itself.
 *
 * Before that happens, every attempt is paced by what the API's rate-limit headers say
 * (rate-pacer.ts): requests wait for the limits to refill instead of being refused. The 429
 * rule is the safety net for what pacing gets wrong; a 429 whose headers show the limit it ran
 * into waits out retry-after but leaves the concurrency alone (the pacer has learnt from it).
 */
export class RequestGate {
  private permits: number;
  private inFlight = 0;
  private successes = 0;
  private pausedUntil = 0;
  /** How far apart attempts are spaced while a pause is in force: the server's own retry-after. */
  private spacing = 0;
  private lastCut = Number.NEGATIVE_INFINITY;
  private readonly waiters: Array<() => void> = [];
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly pacer: RatePacer;
  /** The lowest concurrency reached, for reports and benchmarks. */
  low: number;

  /** `clock` defaults to Date.now and real timers; a bare function is `now` alone (as run.ts passes it). */
  constructor(
    readonly max: number,
    clock: Partial<GateClock> | (() => number) = {},
  ) {
    const c = typeof clock === 'function' ? { now: clock } : clock;
    this.now = c.now ?? Date.now;
    this.sleep = c.sleep ?? ((ms) => delay(ms));
    this.permits = max;
    this.low = max;
    this.pacer = new RatePacer(this.now, this.sleep);
  }

  /**
   * The hooks one turn's requests go through (its SendContext): before every attempt, a 429
   * pause and then the pacer; after it, its response's rate limits and its status. `signal` is
   * the run's hard stop, which no request waits out.
   */
  attemptHooks(params: MessageParams, signal?: AbortSignal): Required<Pick<SendContext, 'beforeAttempt' | 'onRateLimits' | 'onAttempt'>> {
    const demand = demandOf(params);
    let ticket: Ticket | null = null;
    let paced = false;
    return {
      beforeAttempt: async () => {
        await this.paused();
        ticket = await this.pacer.take(params.model, demand, signal);
        paced = false;
      },
      onRateLimits: (limits, status) => {
        if (ticket) paced = this.pacer.observe(ticket, limits, status);
      },
      onAttempt: (a) => {
        this.observe(a.status ?? null, a.retry_after_s ?? null, paced ? 'paced' : 'cut');
        if (ticket) this.pacer.ended(ticket);
      },
    };
  }

  get current(): number {
    return this.permits;
  }

  async acquire(): Promise<void> {
    for (;;) {
      const wait = this.pausedUntil - this.now();
      if (this.inFlight < this.permits && wait <= 0) {
        this.inFlight++;
        return;
      }
      if (wait > 0) await this.sleep(wait);
      else await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  /**
   * Every HTTP attempt (the SDK's own retries too) waits here while a rate-limit pause is in
   * force. Waiters get successive slots spaced by the server's retry-after, instead of all
   * firing at once when the pause ends and tripping the limit again together.
   */
  async paused(): Promise<void> {
    const now = this.now();
    if (now >= this.pausedUntil) return;
    const slot = this.pausedUntil;
    this.pausedUntil += this.spacing;
    await this.sleep(slot - now);
  }

  release(): void {
    this.inFlight--;
    this.wake();
  }

  /**
   * Every HTTP attempt's status, as the provider sees it. `on429` is 'paced' for a 429 whose
   * rate-limit headers explain it: the pacer has adjusted, so retry-after is waited out but the
   * concurrency is not cut.
   */
  observe(status: number | null, retryAfterS: number | null, on429: 'cut' | 'paced' = 'cut'): void {
    if (status === 429) {
      const now = this.now();
      const pause = (retryAfterS ?? 1) * 1000;
      const window = Math.max(250, pause);
      this.spacing = Math.min(2000, Math.max(5, pause));
      this.pausedUntil = Math.max(this.pausedUntil, now + pause);
      if (on429 === 'cut' && now - this.lastCut >= window) {
        this.permits = Math.max(1, Math.floor(this.permits / 2));
        this.low = Math.min(this.low, this.permits);
        this.lastCut = now;
        this.successes = 0;
      }
    } else if (status !== null && status >= 200 && status < 300) {
      if (++this.successes >= this.permits && this.permits < this.max) {
        this.permits++;
        this.successes = 0;
        this.wake();
      }
    }
  }

  private wake(): void {
    while (this.waiters.length > 0 && this.inFlight < this.permits) this.waiters.shift()!();
    if (this.waiters.length > 0 && this.inFlight === 0) this.waiters.shift()!();
  }
}
