import type { RateLimitOptions, RateLimitStats } from './types.js';

export type Admission = { ok: true; headers: Record<string, string>; release: () => void } | { ok: false; headers: Record<string, string>; message: string };

/**
 * What a response shows: `configured` sends the headers of the limits that were set (requests
 * per minute, input tokens per minute); `all` sends every anthropic-ratelimit-* header, as
 * today's API does, with GENEROUS figures for a limit that was not set.
 */
export type HeaderPolicy = 'configured' | 'all';

/**
 * The limits shown when none was set. Not any tier's figures: only high enough that no test
 * comes near them. They are reported, never enforced.
 */
const GENEROUS = { requests: 4_000, inputTokens: 2_000_000, outputTokens: 400_000 };

/**
 * The rate limits of the emulated organization: token buckets over requests per minute and
 * input tokens per minute (the API's algorithm, https://platform.claude.com/docs/en/api/rate-limits)
 * and a cap on requests in flight. Without options it admits everything and only counts.
 * Header names and the RFC 3339 resets follow the Claude Platform on AWS mirror of that page,
 * https://docs.aws.amazon.com/claude-platform/latest/userguide/rate-limits.md; output tokens
 * are not limited, only reported.
 */
export class RateLimiter {
  readonly #requests: Bucket | undefined;
  readonly #inputTokens: Bucket | undefined;
  readonly #concurrent: number | undefined;
  readonly #minRetryAfterS: number;
  #inFlight = 0;
  #stats: RateLimitStats = { accepted: 0, rateLimited: 0, maxInFlight: 0 };

  constructor(
    opts: RateLimitOptions = {},
    private readonly headerPolicy: HeaderPolicy = 'configured',
    private readonly now: () => number = Date.now,
  ) {
    const rpm = positive('requestsPerMinute', opts.requestsPerMinute);
    const itpm = positive('inputTokensPerMinute', opts.inputTokensPerMinute);
    this.#requests = rpm === undefined ? undefined : new Bucket(rpm, now());
    this.#inputTokens = itpm === undefined ? undefined : new Bucket(itpm, now());
    this.#concurrent = positive('concurrent', opts.concurrent);
    this.#minRetryAfterS = opts.retryAfterS ?? 1;
  }

  /** Lets a request of `inputTokens` through (call release() once it is answered) or says why not. */
  admit(inputTokens = 0): Admission {
    const now = this.now();
    this.#requests?.refill(now);
    this.#inputTokens?.refill(now);
    if (this.#concurrent !== undefined && this.#inFlight >= this.#concurrent) {
      return this.#refuse(now, this.#minRetryAfterS * 1000, `This request would exceed your organization's limit of ${this.#concurrent} concurrent requests.`);
    }
    const requestsWait = this.#requests?.waitMs(1) ?? 0;
    const tokensWait = this.#inputTokens?.waitMs(inputTokens) ?? 0;
    if (requestsWait > 0 || tokensWait > 0) {
      const message =
        requestsWait >= tokensWait
          ? `This request would exceed your organization's rate limit of ${this.#requests?.perMinute} requests per minute.`
          : `This request would exceed your organization's rate limit of ${this.#inputTokens?.perMinute} input tokens per minute.`;
      return this.#refuse(now, Math.max(requestsWait, tokensWait), message);
    }
    this.#requests?.take(1);
    this.#inputTokens?.take(inputTokens);
    this.#inFlight++;
    this.#stats.accepted++;
    this.#stats.maxInFlight = Math.max(this.#stats.maxInFlight, this.#inFlight);
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      this.#inFlight--;
    };
    return { ok: true, headers: this.#headers(now), release };
  }

  stats(): RateLimitStats {
    return { ...this.#stats };
  }

  /** Forgets the counts and refills the buckets; requests still in flight stay counted. */
  reset(): void {
    this.#stats = { accepted: 0, rateLimited: 0, maxInFlight: this.#inFlight };
    this.#requests?.fill(this.now());
    this.#inputTokens?.fill(this.now());
  }

  #refuse(now: number, waitMs: number, message: string): Admission {
    this.#stats.rateLimited++;
    const headers = {
      ...this.#headers(now),
      // Whole seconds, as the API sends it; the SDK prefers the exact retry-after-ms.
      'retry-after': String(Math.max(this.#minRetryAfterS, Math.ceil(waitMs / 1000))),
      'retry-after-ms': String(waitMs),
    };
    return { ok: false, headers, message };
  }

  #headers(now: number): Record<string, string> {
    const all = this.headerPolicy === 'all';
    const headers: Record<string, string> = {};
    if (this.#requests !== undefined || all) Object.assign(headers, family('requests', view(this.#requests, GENEROUS.requests, now)));
    if (this.#inputTokens !== undefined || all) {
      const input = view(this.#inputTokens, GENEROUS.inputTokens, now);
      const output = view(undefined, GENEROUS.outputTokens, now);
      // tokens-* is input and output combined (the AWS mirror's wording).
      const combined = { limit: input.limit + output.limit, remaining: input.remaining + output.remaining, resetAt: Math.max(input.resetAt, output.resetAt) };
      Object.assign(headers, family('input-tokens', input), family('output-tokens', output), family('tokens', combined));
    }
    return headers;
  }
}

interface LimitView {
  limit: number;
  remaining: number;
  /** When the bucket will be full again. */
  resetAt: number;
}

function view(bucket: Bucket | undefined, generous: number, now: number): LimitView {
  if (bucket === undefined) return { limit: generous, remaining: generous, resetAt: now };
  return { limit: bucket.perMinute, remaining: bucket.remaining(), resetAt: now + bucket.fullInMs() };
}

function family(name: string, v: LimitView): Record<string, string> {
  return {
    [`anthropic-ratelimit-${name}-limit`]: String(v.limit),
    [`anthropic-ratelimit-${name}-remaining`]: String(v.remaining),
    // RFC 3339.
    [`anthropic-ratelimit-${name}-reset`]: new Date(v.resetAt).toISOString(),
  };
}

/**
 * A bucket holding one second's worth of the limit (at least 1), refilled continuously: 60 rpm
 * allows one request at once, 600 rpm ten. A cost larger than the bucket is let through when
 * the bucket is full and leaves it in debt, so the long-run rate is the limit whatever the sizes.
 */
class Bucket {
  /** Units per millisecond. */
  readonly #rate: number;
  readonly #capacity: number;
  #level: number;
  #updatedAt: number;

  constructor(
    readonly perMinute: number,
    now: number,
  ) {
    this.#rate = perMinute / 60_000;
    this.#capacity = Math.max(1, perMinute / 60);
    this.#level = this.#capacity;
    this.#updatedAt = now;
  }

  refill(now: number): void {
    this.#level = Math.min(this.#capacity, this.#level + (now - this.#updatedAt) * this.#rate);
    this.#updatedAt = now;
  }

  fill(now: number): void {
    this.#level = this.#capacity;
    this.#updatedAt = now;
  }

  /** 0 when `cost` can be taken now, else how long until it can, rounded up so waiting exactly that long is enough. */
  waitMs(cost: number): number {
    const needed = Math.min(cost, this.#capacity);
    // The epsilon forgives float error in a refill that waited exactly retry-after-ms.
    if (this.#level >= needed - 1e-9) return 0;
    return Math.ceil((needed - this.#level) / this.#rate);
  }

  take(cost: number): void {
    this.#level = cost <= this.#capacity ? Math.max(0, this.#level - cost) : this.#level - cost;
  }

  remaining(): number {
    return Math.max(0, Math.floor(this.#level));
  }

  fullInMs(): number {
    return Math.ceil((this.#capacity - this.#level) / this.#rate);
  }
}

function positive(name: string, value: number | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!(value > 0)) throw new Error(`local server: rateLimit.${name} must be > 0, got ${value}`);
  return value;
}
