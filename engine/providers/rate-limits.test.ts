import { describe, expect, it } from 'vitest';
import { parseRateLimits } from './rate-limits.js';

/**
 * Headers as the API sent them on 2025-08-21, one family per limit, from a recording published with
 * tidyllm's tests: https://rdrr.io/cran/tidyllm/src/tests/testthat/claude/api.anthropic.com/v1/messages-e050b5-POST.R
 */
const recorded = {
  'anthropic-ratelimit-input-tokens-limit': '80000',
  'anthropic-ratelimit-input-tokens-remaining': '80000',
  'anthropic-ratelimit-input-tokens-reset': '2025-08-21T12:40:59Z',
  'anthropic-ratelimit-output-tokens-limit': '16000',
  'anthropic-ratelimit-output-tokens-remaining': '16000',
  'anthropic-ratelimit-output-tokens-reset': '2025-08-21T12:41:00Z',
  'anthropic-ratelimit-requests-limit': '1000',
  'anthropic-ratelimit-requests-remaining': '999',
  'anthropic-ratelimit-requests-reset': '2025-08-21T12:40:59Z',
  'anthropic-ratelimit-tokens-limit': '96000',
  'anthropic-ratelimit-tokens-remaining': '96000',
  'anthropic-ratelimit-tokens-reset': '2025-08-21T12:40:59Z',
};

describe('parseRateLimits', () => {
  it('reads every family: limit, remaining, and the RFC 3339 reset as a time', () => {
    expect(parseRateLimits(new Headers(recorded))).toEqual({
      requests: { limit: 1000, remaining: 999, resetAtMs: Date.parse('2025-08-21T12:40:59Z') },
      'input-tokens': { limit: 80_000, remaining: 80_000, resetAtMs: Date.parse('2025-08-21T12:40:59Z') },
      'output-tokens': { limit: 16_000, remaining: 16_000, resetAtMs: Date.parse('2025-08-21T12:41:00Z') },
      tokens: { limit: 96_000, remaining: 96_000, resetAtMs: Date.parse('2025-08-21T12:40:59Z') },
    });
  });

  it('takes fractional seconds and offsets, as RFC 3339 allows, and only the families that are there', () => {
    const headers = new Headers({
      'anthropic-ratelimit-input-tokens-limit': '6000',
      'anthropic-ratelimit-input-tokens-remaining': '20',
      'anthropic-ratelimit-input-tokens-reset': '2026-11-29T11:00:00.800+01:00',
    });
    expect(parseRateLimits(headers)).toEqual({ 'input-tokens': { limit: 6000, remaining: 20, resetAtMs: Date.parse('2026-11-29T10:00:00.800Z') } });
  });

  it('drops a family with a missing or malformed figure rather than pace on half of it', () => {
    const family = (limit: string, remaining: string, reset: string) =>
      parseRateLimits(
        new Headers({ 'anthropic-ratelimit-requests-limit': limit, 'anthropic-ratelimit-requests-remaining': remaining, 'anthropic-ratelimit-requests-reset': reset }),
      );
    const reset = '2026-11-29T10:00:00Z';
    expect(family('50', '49', reset)).toEqual({ requests: { limit: 50, remaining: 49, resetAtMs: Date.parse(reset) } });
    expect(family('50', '', reset)).toEqual({});
    expect(family('0', '0', reset)).toEqual({}); // a limit of nothing paces nothing
    expect(family('50', '-1', reset)).toEqual({});
    expect(family('50', '4.5', reset)).toEqual({});
    expect(family('5e1', '49', reset)).toEqual({});
    expect(family('50', '49', 'Sun, 29 Nov 2026 10:00:00 GMT')).toEqual({}); // an HTTP date is not RFC 3339
    expect(family('50', '49', '2026-11-29')).toEqual({});
    expect(family('50', '49', '2026-13-45T10:00:00Z')).toEqual({}); // well shaped, no such day
    expect(parseRateLimits(new Headers())).toEqual({});
    expect(parseRateLimits(undefined)).toEqual({});
  });
});
