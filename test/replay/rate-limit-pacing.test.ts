import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY_POLICY } from '../../engine/providers/retry-policy.js';
import type { RateLimits } from '../../engine/providers/rate-limits.js';
import { createSdkProvider } from '../../engine/providers/sdk-provider.js';
import { TurnFailed } from '../../engine/providers/types.js';
import type { Scenario } from '../../engine/scenario/scenario.js';
import { runBin } from '../helpers/cli.js';
import { localServers } from '../helpers/local-servers.js';
import { FAKE_KEY, readTranscripts, replayArgs, tempDir } from '../helpers/replay.js';
import { echoResponder } from '../support/local-server/index.js';
import { estimateInputTokens } from '../support/local-server/tokens.js';

/**
 * Pacing on the anthropic-ratelimit-* headers, end to end: the real SDK and the real binary
 * against the local server's token buckets (test/support/local-server/rate-limit.ts).
 */
const servers = localServers();

describe('the rate-limit headers reach the request gate', () => {
  it('from a success as soon as its stream begins, and from a 429', async () => {
    // 60 requests a minute: a bucket of one request, refilled one a second.
    const server = await servers.start({ rateLimit: { requestsPerMinute: 60 }, responder: echoResponder() });
    const provider = createSdkProvider({
      name: 'anthropic',
      apiKey: FAKE_KEY,
      baseUrl: server.url,
      // No patience for 429s: the second request is refused once, and that is the end of it.
      policy: { ...DEFAULT_RETRY_POLICY, maxRetries: 0, rateLimitPatienceMs: 0 },
      proxy: undefined,
      now: Date.now,
      sleep: async () => {},
    });
    const seen: Array<{ limits: RateLimits; status: number; streamed: boolean }> = [];
    let streamed = false;
    const ctx = {
      scenario: { id: 's' } as Scenario,
      step: 1,
      onRateLimits: (limits: RateLimits, status: number) => seen.push({ limits, status, streamed }),
      onAttempt: () => {
        streamed = true;
      },
    };
    const params = { model: 'claude-opus-4-7', max_tokens: 64, messages: [{ role: 'user' as const, content: 'hello' }] };

    await provider.send(params, ctx);
    streamed = false;
    const refused = await provider.send(params, ctx).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(TurnFailed);
    expect((refused as TurnFailed).status).toBe(429);

    const requests = { limit: 60, remaining: 0, resetAtMs: expect.any(Number) };
    // The success's headers came before its attempt ended (before the body was read).
    // Today's API sends every family's headers; the requests limit is the one set here.
    expect(seen).toEqual([
      { limits: expect.objectContaining({ requests }), status: 200, streamed: false },
      { limits: expect.objectContaining({ requests }), status: 429, streamed: false },
    ]);
    expect(Object.keys(seen[0]!.limits).sort()).toEqual(['input-tokens', 'output-tokens', 'requests', 'tokens']);
    const resetInMs = seen[0]!.limits.requests!.resetAtMs - Date.now();
    expect(resetInMs).toBeGreaterThan(0);
    expect(resetInMs).toBeLessThanOrEqual(1000);
    expect(server.stats()).toMatchObject({ accepted: 1, rateLimited: 1 });
  });
});

describe('driftbench run under an input-tokens-per-minute limit', () => {
  it('paces its requests to the limit: every conversation completes and almost nothing is refused', async () => {
    // 60,000 input tokens a minute: 1,000 a second, in a bucket of one second's worth. The 60
    // turns below ask for about 3,600 tokens, all within a few hundred ms if nothing held them back.
    const ITPM = 60_000;
    const server = await servers.start({ rateLimit: { inputTokensPerMinute: ITPM }, latency: { ttftMs: 20 }, responder: echoResponder() });
    const out = await tempDir();
    const r = await runBin(['--log-level', 'warn', ...replayArgs(server.url, '--repeats', '20', '--concurrency', '20', '--out', out, '--run-name', 'paced')], {
      env: { ANTHROPIC_API_KEY: FAKE_KEY },
    });
    expect(r.code, r.stderr).toBe(0);

    const transcripts = await readTranscripts(`${out}/paced`);
    expect(transcripts).toHaveLength(20);
    expect(transcripts.map((t) => t.status)).toEqual(Array(20).fill('complete'));
    const replies = server.messageRequests().filter((q) => q.outcome === 'reply');
    expect(replies).toHaveLength(60);

    // At most 2% of the requests refused (one in 60); without pacing the first burst alone is refused by the dozen.
    const { rateLimited } = server.stats();
    expect(rateLimited).toBeLessThanOrEqual(1);

    // And the limit did bind: what the server admitted, less the full bucket it started with,
    // took at least as long as the limit allows for it (with a little slack for timer rounding).
    const tokens = replies.reduce((n, q) => n + estimateInputTokens(q.body as Record<string, unknown>), 0);
    const spanMs = replies.at(-1)!.arrivedMs - replies[0]!.arrivedMs;
    const perMs = ITPM / 60_000;
    expect(tokens - 1000).toBeGreaterThan(2000);
    expect(spanMs).toBeGreaterThanOrEqual(((tokens - 1000) / perMs) * 0.95);
  }, 30_000);
});
