import type { RateLimitOptions, RateLimitStats } from './types.js';

export type Admission = { ok: true; headers: Record<string, string>; release: () => void } | { ok: false; headers: Record<string, string>; message: string };

/**
 * The rate limits of the emulated organization: a token bucket over requests per minute (the
 * API's algorithm, https://platform.claude.com/docs/en/api/rate-limits) and a cap on requests
 * in flight. Without options it admits everything and only counts.
 */
export class RateLimiter {
  readonly #rpm: number | undefined;
  readonly #concurrent: number | undefined;
  readonly #minRetryAfterS: number;
  /** Requests per millisecond. */
  readonly #rate: number;
  readonly #capacity: number;
  #tokens: number;
  #updatedAt: number;
  #inFlight = 0;
  #stats: RateLimitStats = { accepted: 0, rateLimited: 0, maxInFlight: 0 };

  constructor(
    opts: RateLimitOptions = {},
    private readonly now: () => number = Date.now,
  ) {
    this.#rpm = positive('requestsPerMinute', opts.requestsPerMinute);
    this.#concurrent = positive('concurrent', opts.concurrent);
    this.#minRetryAfterS = opts.retryAfterS ?? 1;
    this.#rate = (this.#rpm ?? 0) / 60_000;
    // A one-second burst: 60 rpm allows one request at once, 600 rpm ten.
    this.#capacity = Math.max(1, (this.#rpm ?? 0) / 60);
    this.#tokens = this.#capacity;
    this.#updatedAt = now();
  }

  /** Lets a request through (call release() once it is answered) or says why not. */
  admit(): Admission {
    const now = this.now();
    this.#refill(now);
    if (this.#concurrent !== undefined && this.#inFlight >= this.#concurrent) {
      return this.#refuse(now, this.#minRetryAfterS * 1000, `This request would exceed your organization's limit of ${this.#concurrent} concurrent requests.`);
    }
    // The epsilon forgives float error in a refill that waited exactly retry-after-ms.
    if (this.#rpm !== undefined && this.#tokens < 1 - 1e-9) {
      // Rounded up so that a client waiting exactly this long finds a whole token.
      const waitMs = Math.ceil((1 - this.#tokens) / this.#rate);
      return this.#refuse(now, waitMs, `This request would exceed your organization's rate limit of ${this.#rpm} requests per minute.`);
    }
    if (this.#rpm !== undefined) this.#tokens = Math.max(0, this.#tokens - 1);
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

  /** Forgets the counts and refills the bucket; requests still in flight stay counted. */
  reset(): void {
    this.#stats = { accepted: 0, rateLimited: 0, maxInFlight: this.#inFlight };
    this.#tokens = this.#capacity;
    this.#updatedAt = this.now();
  }

  #refuse(now: number, waitMs: number, message: string): Admission {
    this.#stats.rateLimited++;
    const headers = {
      ...this.#headers(now),
      'retry-after': String(Math.max(this.#minRetryAfterS, Math.ceil(waitMs / 1000))),
      'retry-after-ms': String(waitMs),
    };
    return { ok: false, headers, message };
  }

  #refill(now: number): void {
    this.#tokens = Math.min(this.#capacity, this.#tokens + (now - this.#updatedAt) * this.#rate);
    this.#updatedAt = now;
  }

  /** The anthropic-ratelimit-requests-* headers; none without a requests-per-minute limit. */
  #headers(now: number): Record<string, string> {
    if (this.#rpm === undefined) return {};
    const fullInMs = Math.ceil((this.#capacity - this.#tokens) / this.#rate);
    return {
      'anthropic-ratelimit-requests-limit': String(this.#rpm),
      'anthropic-ratelimit-requests-remaining': String(Math.floor(this.#tokens)),
      // RFC 3339: when the bucket will be full again.
      'anthropic-ratelimit-requests-reset': new Date(now + fullInMs).toISOString(),
    };
  }
}

function positive(name: string, value: number | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!(value > 0)) throw new Error(`local server: rateLimit.${name} must be > 0, got ${value}`);
  return value;
}
