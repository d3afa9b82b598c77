import { describe, expect, it } from 'vitest';
import { decide, DEFAULT_RETRY_POLICY, mayBeBilled, retryAfterMs, type Failure } from './retry-policy.js';

const policy = { ...DEFAULT_RETRY_POLICY, maxRetries: 2 };
const http = (status: number, headers: Record<string, string> = {}): Failure => ({ kind: 'http', status, headers: new Headers(headers), errorType: null });
const NOW = Date.parse('2026-11-29T10:00:00Z');
const fresh = { retriesUsed: 0, sinceFirstMs: 0, nowMs: NOW };

describe('the retry policy', () => {
  it('retries connection errors, 408, 409, 429 and 5xx (529 too), and nothing else that comes as a status', () => {
    for (const s of [408, 409, 429, 500, 502, 503, 529]) expect(decide(policy, http(s), fresh, 0).retry, `HTTP ${s}`).toBe(true);
    for (const s of [400, 401, 403, 404, 413, 422]) expect(decide(policy, http(s), fresh, 0).retry, `HTTP ${s}`).toBe(false);
    expect(decide(policy, { kind: 'connection' }, fresh, 0).retry).toBe(true);
    expect(decide(policy, { kind: 'aborted' }, fresh, 0).retry).toBe(false);
  });

  it("lets the server's x-should-retry header decide, as the SDK does", () => {
    expect(decide(policy, http(500, { 'x-should-retry': 'false' }), fresh, 0).retry).toBe(false);
    expect(decide(policy, http(400, { 'x-should-retry': 'true' }), fresh, 0).retry).toBe(true);
  });

  it('retries a broken stream unless its error is one no retry can fix', () => {
    expect(decide(policy, { kind: 'stream', errorType: 'overloaded_error' }, fresh, 0).retry).toBe(true);
    expect(decide(policy, { kind: 'stream', errorType: null }, fresh, 0).retry).toBe(true);
    expect(decide(policy, { kind: 'stream', errorType: 'invalid_request_error' }, fresh, 0).retry).toBe(false);
  });

  it('retries an attempt that ran out of time, before or after its headers, using up a retry; one after its headers may be billed', () => {
    for (const began of [false, true]) {
      expect(decide(policy, { kind: 'timeout', began }, fresh, 0)).toMatchObject({ retry: true, usesRetry: true });
      expect(decide(policy, { kind: 'timeout', began }, { ...fresh, retriesUsed: 2 }, 0)).toEqual({ retry: false });
    }
    expect(mayBeBilled({ kind: 'timeout', began: true })).toBe(true);
    expect(mayBeBilled({ kind: 'timeout', began: false })).toBe(false);
  });

  it('stops after maxRetries retries', () => {
    expect(decide(policy, http(500), { ...fresh, retriesUsed: 1 }, 0)).toMatchObject({ retry: true, usesRetry: true });
    expect(decide(policy, http(500), { ...fresh, retriesUsed: 2 }, 0)).toEqual({ retry: false });
  });

  it('backs off exponentially from 0.5 s, capped at 8 s, with up to 25% jitter taken off', () => {
    const delay = (retriesUsed: number, random: number) => (decide({ ...policy, maxRetries: 10 }, http(500), { ...fresh, retriesUsed }, random) as { delayMs: number }).delayMs;
    expect([0, 1, 2].map((n) => delay(n, 0))).toEqual([500, 1000, 2000]);
    expect(delay(0, 1)).toBe(375);
    expect(decide({ ...policy, maxRetries: 10 }, http(500), { ...fresh, retriesUsed: 6 }, 0)).toMatchObject({ delayMs: 8000 });
  });

  it('waits what the server asks (retry-after-ms, else retry-after in seconds or as a date) up to a minute', () => {
    const wait = (headers: Record<string, string>) => (decide(policy, http(529, headers), fresh, 0) as { delayMs: number }).delayMs;
    expect(wait({ 'retry-after-ms': '250', 'retry-after': '3' })).toBe(250);
    expect(wait({ 'retry-after-ms': '12.5' })).toBe(12.5);
    expect(wait({ 'retry-after': '3' })).toBe(3000);
    expect(wait({ 'retry-after-ms': 'soon', 'retry-after': '3' })).toBe(3000);
    // A date is taken against the caller's clock (nowMs), in each of the three forms RFC 9110 names.
    expect(wait({ 'retry-after': 'Sun, 29 Nov 2026 10:00:07 GMT' })).toBe(7000);
    expect(wait({ 'retry-after': 'Sunday, 29-Nov-26 10:00:08 GMT' })).toBe(8000);
    expect(wait({ 'retry-after': 'Sun Nov 29 10:00:09 2026' })).toBe(9000); // asctime: GMT, not local time
    expect(retryAfterMs(new Headers({ 'retry-after': 'Sun, 29 Nov 2026 10:00:07 GMT' }), NOW + 2000)).toBe(5000);
    // Longer than a minute, in the past, or nonsense (which Date.parse would read as a date): the backoff applies instead.
    const backoff = wait({});
    expect(backoff).toBe(500);
    const nonsense: Array<Record<string, string>> = [
      { 'retry-after': '3600' },
      { 'retry-after-ms': '60001' },
      { 'retry-after': 'Sun, 29 Nov 2026 09:59:59 GMT' },
      { 'retry-after': '-1' },
      { 'retry-after': '0x10' },
      { 'retry-after': '1e1' },
      { 'retry-after': 'soon' },
      { 'retry-after': 'soon 1' },
      { 'retry-after': 'later 2026' },
      { 'retry-after': '2026-11-29T10:00:07Z' },
    ];
    for (const headers of nonsense) {
      expect(retryAfterMs(new Headers(headers), NOW), JSON.stringify(headers)).toBeNull();
      expect(wait(headers), JSON.stringify(headers)).toBe(backoff);
    }
  });

  it('does not count a 429 against the retries while the first attempt is less than the patience ago', () => {
    expect(decide(policy, http(429), { ...fresh, retriesUsed: 2, sinceFirstMs: 1000 }, 0)).toMatchObject({ retry: true, usesRetry: false });
    expect(decide(policy, http(429), { ...fresh, retriesUsed: 2, sinceFirstMs: policy.rateLimitPatienceMs }, 0)).toEqual({ retry: false });
  });
});
