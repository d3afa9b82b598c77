import type { Attempt } from '../transcript/format.js';

/**
 * The one retry policy: every request driftbench sends (streamed turns, judge calls, batch and
 * count_tokens calls) goes through `withRetries`, and the SDK's own retries are off
 * (`maxRetries: 0` on the client), so the numbers below are the whole story. The README's
 * "Retries" section states them; test/replay/retry-policy.test.ts counts them.
 *
 * Which failures are retried follows the SDK's documented defaults (connection errors, 408, 409,
 * 429 and >= 500, and the server's `x-should-retry` header when it sends one), plus errors inside
 * a stream that had already begun, which the SDK does not retry by itself, and attempts that ran
 * out of time (timeouts.ts: no headers, no data, no end), which the SDK would not notice mid-stream.
 * https://github.com/anthropics/anthropic-sdk-typescript#retries
 * https://platform.claude.com/docs/en/api/errors
 */
export interface RetryPolicy {
  /** Retries after the first attempt; a request makes at most 1 + maxRetries attempts (but see 429s). */
  maxRetries: number;
  /** Backoff: baseDelayMs x 2^retry, capped at maxDelayMs, minus up to 25% jitter. */
  baseDelayMs: number;
  maxDelayMs: number;
  /**
   * A 429 means "slow down", not "failed": while the request's first attempt is less than this
   * long ago, a 429 does not use up a retry.
   */
  rateLimitPatienceMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxRetries: 4, baseDelayMs: 500, maxDelayMs: 8000, rateLimitPatienceMs: 10 * 60_000 };

/** The longest server-requested wait that is honoured as given (the SDK's limit too). */
const MAX_RETRY_AFTER_MS = 60_000;

/** Error types that no retry can fix, whether they come as an HTTP status or inside a stream. */
const FINAL_ERROR_TYPES = new Set([
  'invalid_request_error',
  'authentication_error',
  'permission_error',
  'not_found_error',
  'request_too_large',
  'billing_error',
  'response_too_large',
  // A stream without token counts (sdk-provider.ts): an endpoint not compatible enough, every time.
  'response_without_usage',
]);

/** Why one attempt failed, as the policy needs to know it. */
export type Failure =
  | { kind: 'http'; status: number; headers: Headers | undefined; errorType: string | null }
  | { kind: 'connection' }
  /** The response had begun (2xx) when the stream broke: an `event: error`, a cut connection, bad SSE. */
  | { kind: 'stream'; errorType: string | null }
  /**
   * Out of time (timeouts.ts): always retried, like a broken connection. `began`: the headers had
   * come, so the attempt may be billed, and the budget is asked before another (as for 'stream').
   */
  | { kind: 'timeout'; began: boolean }
  | { kind: 'aborted' };

export type Decision = { retry: false } | { retry: true; delayMs: number; usesRetry: boolean };

/**
 * Decides whether one failed attempt is retried, and after how long. Pure: the caller gives the
 * retries used so far, how long ago the first attempt started, the time (for a retry-after given
 * as a date) and a random number for jitter.
 */
export function decide(policy: RetryPolicy, f: Failure, state: { retriesUsed: number; sinceFirstMs: number; nowMs: number }, random: number): Decision {
  if (f.kind === 'aborted') return { retry: false };
  const retryable = isRetryable(f);
  if (!retryable) return { retry: false };
  const patient = f.kind === 'http' && f.status === 429 && state.sinceFirstMs < policy.rateLimitPatienceMs;
  if (!patient && state.retriesUsed >= policy.maxRetries) return { retry: false };
  const asked = f.kind === 'http' ? retryAfterMs(f.headers, state.nowMs) : null;
  const delayMs = asked ?? Math.min(policy.baseDelayMs * 2 ** state.retriesUsed, policy.maxDelayMs) * (1 - random * 0.25);
  return { retry: true, delayMs, usesRetry: !patient };
}

function isRetryable(f: Exclude<Failure, { kind: 'aborted' }>): boolean {
  if (f.kind === 'connection' || f.kind === 'timeout') return true;
  if (f.kind === 'stream') return f.errorType === null || !FINAL_ERROR_TYPES.has(f.errorType);
  // The server's own word wins, as in the SDK.
  const should = f.headers?.get('x-should-retry');
  if (should === 'true') return true;
  if (should === 'false') return false;
  return f.status === 408 || f.status === 409 || f.status === 429 || f.status >= 500;
}

/** A number of seconds or milliseconds as a header gives it: digits, perhaps a fraction (the SDK reads retry-after-ms with parseFloat). */
const DECIMAL = /^\d+(\.\d+)?$/;
/**
 * The three forms of an HTTP date a recipient must accept (RFC 9110, 5.6.7): IMF-fixdate, the
 * obsolete RFC 850 form and asctime's. Matched before Date.parse, which reads almost anything
 * ("soon 1" is a date in 2001 to it). https://www.rfc-editor.org/rfc/rfc9110#section-5.6.7
 */
const IMF_FIXDATE = /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/;
const RFC_850_DATE = /^[A-Z][a-z]+, \d{2}-[A-Z][a-z]{2}-\d{2} \d{2}:\d{2}:\d{2} GMT$/;
const ASCTIME_DATE = /^[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2} \d{4}$/;

function httpDateMs(text: string): number {
  if (IMF_FIXDATE.test(text) || RFC_850_DATE.test(text)) return Date.parse(text);
  // asctime names no zone; an HTTP date is always GMT, and Date.parse would take local time.
  if (ASCTIME_DATE.test(text)) return Date.parse(`${text} GMT`);
  return Number.NaN;
}

/**
 * The wait a server asked for: `retry-after-ms`, else `retry-after` as seconds or as an HTTP
 * date, taken against `nowMs` (the caller's clock). Null when absent, malformed, in the past, or
 * longer than a minute (then the backoff applies).
 * https://www.rfc-editor.org/rfc/rfc9110#section-10.2.3
 */
export function retryAfterMs(headers: Headers | undefined, nowMs: number): number | null {
  if (!headers) return null;
  const ms = headers.get('retry-after-ms')?.trim() ?? '';
  const text = headers.get('retry-after')?.trim() ?? '';
  const wait = DECIMAL.test(ms) ? Number(ms) : DECIMAL.test(text) ? Number(text) * 1000 : httpDateMs(text) - nowMs;
  return Number.isFinite(wait) && wait >= 0 && wait <= MAX_RETRY_AFTER_MS ? wait : null;
}

/** What `withRetries` needs from its caller besides the attempt itself. */
export interface RetryHooks {
  policy: RetryPolicy;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  random?: () => number;
  signal?: AbortSignal;
  /** Awaited before every attempt (a rate-limit pause). */
  beforeAttempt?: () => Promise<void>;
  /** Asked before a broken stream is retried; false stops (the budget cannot cover it). */
  beforeStreamRetry?: () => boolean | Promise<boolean>;
}

/** One attempt's result: a value, or a failure with the attempt record to keep. */
export type AttemptResult<T> = { ok: true; value: T } | { ok: false; failure: Failure; error: unknown };

export class RetriesExhausted extends Error {
  override readonly name = 'RetriesExhausted';
  constructor(
    readonly failure: Failure,
    readonly reason: 'final' | 'exhausted' | 'aborted' | 'budget',
    options: { cause: unknown },
  ) {
    super(reason, options);
  }
}

/**
 * Runs `attempt` until it succeeds or the policy says stop. Each call of `attempt` is exactly
 * one HTTP request. Throws RetriesExhausted with the last failure.
 */
export async function withRetries<T>(attempt: () => Promise<AttemptResult<T>>, h: RetryHooks): Promise<T> {
  const first = h.now();
  let retriesUsed = 0;
  for (;;) {
    await h.beforeAttempt?.();
    const r = await attempt();
    if (r.ok) return r.value;
    if (h.signal?.aborted || r.failure.kind === 'aborted') throw new RetriesExhausted({ kind: 'aborted' }, 'aborted', { cause: r.error });
    const now = h.now();
    const d = decide(h.policy, r.failure, { retriesUsed, sinceFirstMs: now - first, nowMs: now }, (h.random ?? Math.random)());
    if (!d.retry) throw new RetriesExhausted(r.failure, isFinal(r.failure) ? 'final' : 'exhausted', { cause: r.error });
    if (mayBeBilled(r.failure) && h.beforeStreamRetry && !(await h.beforeStreamRetry())) {
      throw new RetriesExhausted(r.failure, 'budget', { cause: r.error });
    }
    if (d.usesRetry) retriesUsed++;
    await h.sleep(d.delayMs);
  }
}

/** A failure after the response began: the provider may bill it, whatever came of it. */
export function mayBeBilled(f: Failure): boolean {
  return f.kind === 'stream' || (f.kind === 'timeout' && f.began);
}

function isFinal(f: Failure): boolean {
  return f.kind !== 'aborted' && !isRetryable(f);
}

/**
 * An attempt record for the transcript, from a failure: `at` is when the attempt started,
 * `nowMs` when its answer came (a retry-after given as a date counts from then).
 */
export function failedAttempt(at: number, f: Failure, message: string, requestId: string | null, responseStatus: number | null = null, nowMs: number = at): Attempt {
  // A timeout after the headers is a stream that broke (and may be billed); before them, a connection that did.
  const outcome: Attempt['outcome'] = f.kind === 'http' ? 'http-error' : mayBeBilled(f) ? 'stream-error' : 'connection-error';
  return {
    at: new Date(at).toISOString(),
    outcome,
    // A broken stream keeps the status its response began with (200).
    status: f.kind === 'http' ? f.status : responseStatus,
    request_id: requestId,
    ...(f.kind === 'http' ? { retry_after_s: secondsOrNull(retryAfterMs(f.headers, nowMs)) } : {}),
    message,
  };
}

const secondsOrNull = (ms: number | null) => (ms === null ? null : ms / 1000);
