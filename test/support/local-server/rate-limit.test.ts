import Anthropic, { RateLimitError } from '@anthropic-ai/sdk';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { echoResponder, type LocalServer } from './index.js';
import { localServers } from '../../helpers/local-servers.js';
import type { LocalServerOptions } from './types.js';

const MODEL = 'claude-sonnet-4-6';
const HI = [{ role: 'user' as const, content: 'Hi' }];
const reply = (text: string) => ({ content: [{ type: 'text' as const, text }] });

const { start: startServer } = localServers();
/** These tests are of the server's mechanics, under rules 'off' (any model, replies as scripted); 'today' is asked for by name. */
const start = (opts: LocalServerOptions = {}) => startServer({ rules: 'off', ...opts });

function clientFor(server: LocalServer, maxRetries = 0): Anthropic {
  return new Anthropic({ apiKey: 'test-key', baseURL: server.url, maxRetries });
}

describe('requests per minute', () => {
  it('answers 429 with retry headers once the bucket is empty, without consuming the queue', async () => {
    // 60 rpm: a bucket of one request, refilled one per second.
    const server = await start({ rateLimit: { requestsPerMinute: 60 } });
    server.enqueue(reply('First.'), reply('Kept for later.'));
    const client = clientFor(server);

    const first = await client.messages.create({ model: MODEL, max_tokens: 10, messages: HI }).withResponse();
    expect(first.data.content).toEqual([{ type: 'text', text: 'First.' }]);
    expect(first.response.headers.get('anthropic-ratelimit-requests-limit')).toBe('60');
    expect(first.response.headers.get('anthropic-ratelimit-requests-remaining')).toBe('0');
    const resetAt = Date.parse(first.response.headers.get('anthropic-ratelimit-requests-reset') ?? '');
    expect(resetAt - Date.now()).toBeGreaterThan(500);
    expect(resetAt - Date.now()).toBeLessThanOrEqual(1000);

    const error = await client.messages.create({ model: MODEL, max_tokens: 10, messages: HI }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitError);
    const e = error as RateLimitError;
    expect(e.type).toBe('rate_limit_error');
    expect(e.requestID).toBe('req_local_2');
    expect(e.headers.get('retry-after')).toBe('1');
    const waitMs = Number(e.headers.get('retry-after-ms'));
    expect(waitMs).toBeGreaterThan(500);
    expect(waitMs).toBeLessThanOrEqual(1000);
    expect(e.headers.get('anthropic-ratelimit-requests-remaining')).toBe('0');

    expect(server.requests.map((r) => [r.outcome, r.fault])).toEqual([
      ['reply', undefined],
      ['fault', 'rate-limit'],
    ]);
    expect(server.stats()).toEqual({ accepted: 1, rateLimited: 1, maxInFlight: 1 });

    // Waiting as long as retry-after-ms says is enough, and the refused request left its reply queued.
    await new Promise((resolve) => setTimeout(resolve, waitMs));
    const third = await client.messages.create({ model: MODEL, max_tokens: 10, messages: HI });
    expect(third.content).toEqual([{ type: 'text', text: 'Kept for later.' }]);
    expect(server.stats()).toMatchObject({ accepted: 2, rateLimited: 1 });
  });

  it('rounds retry-after up to whole seconds, and never below retryAfterS', async () => {
    // 6 rpm: one request every ten seconds.
    const slow = await start({ rateLimit: { requestsPerMinute: 6 }, responder: echoResponder() });
    const floor = await start({ rateLimit: { requestsPerMinute: 6, retryAfterS: 30 }, responder: echoResponder() });
    for (const [server, retryAfter] of [
      [slow, '10'],
      [floor, '30'],
    ] as const) {
      const client = clientFor(server);
      await client.messages.create({ model: MODEL, max_tokens: 10, messages: HI });
      const error = (await client.messages.create({ model: MODEL, max_tokens: 10, messages: HI }).catch((e: unknown) => e)) as RateLimitError;
      expect(error.headers.get('retry-after')).toBe(retryAfter);
      const waitMs = Number(error.headers.get('retry-after-ms'));
      expect(waitMs).toBeGreaterThan(9000);
      expect(waitMs).toBeLessThanOrEqual(10_000);
    }
  });

  it("lets a burst succeed through the SDK's own retries, each waiting retry-after-ms", async () => {
    // 600 rpm: a burst of ten, then one request per 100 ms.
    const server = await start({ rateLimit: { requestsPerMinute: 600 }, responder: echoResponder() });
    const client = clientFor(server, 5);
    const burst = Array.from({ length: 13 }, (_, i) => client.messages.create({ model: MODEL, max_tokens: 10, messages: [{ role: 'user', content: `Question ${i}` }] }));
    const replies = await Promise.all(burst);

    expect(replies.map((r) => r.content[0]?.type === 'text' && r.content[0].text)).toEqual(Array.from({ length: 13 }, (_, i) => `Reply to turn 1: Question ${i}`));
    const stats = server.stats();
    expect(stats.accepted).toBe(13);
    // Thirteen arrive within a burst of ten and a refill of one per 100 ms.
    expect(stats.rateLimited).toBeGreaterThanOrEqual(2);
    const log = server.messageRequests();
    expect(log.filter((r) => r.outcome === 'reply')).toHaveLength(13);
    expect(log.filter((r) => r.outcome === 'fault' && r.fault === 'rate-limit')).toHaveLength(stats.rateLimited);
    // Every 429 was followed by exactly one retry, which the SDK numbers in a header.
    expect(log.filter((r) => r.headers['x-stainless-retry-count'] === '0')).toHaveLength(13);
    expect(log.filter((r) => r.headers['x-stainless-retry-count'] !== '0')).toHaveLength(stats.rateLimited);
  });
});

describe('concurrent requests', () => {
  it('refuses a request above the limit while others are in flight, and admits it once they end', async () => {
    const server = await start({ rateLimit: { concurrent: 2 }, latency: { ttftMs: 300 }, responder: echoResponder() });
    const client = clientFor(server);
    const ask = (text: string) => client.messages.create({ model: MODEL, max_tokens: 10, messages: [{ role: 'user', content: text }] });
    const settled = await Promise.allSettled([ask('one'), ask('two'), ask('three')]);

    const refused = settled.filter((s): s is PromiseRejectedResult => s.status === 'rejected');
    expect(refused).toHaveLength(1);
    const error = refused[0]?.reason as RateLimitError;
    expect(error).toBeInstanceOf(RateLimitError);
    expect(error.headers.get('retry-after')).toBe('1');
    expect(error.headers.get('retry-after-ms')).toBe('1000');
    // No requests-per-minute limit, so no anthropic-ratelimit-requests-* headers.
    expect(error.headers.get('anthropic-ratelimit-requests-limit')).toBeNull();
    expect(server.stats()).toEqual({ accepted: 2, rateLimited: 1, maxInFlight: 2 });

    const later = await ask('four');
    expect(later.content).toEqual([{ type: 'text', text: 'Reply to turn 1: four' }]);
    expect(
      server
        .messageRequests()
        .map((r) => r.outcome)
        .sort(),
    ).toEqual(['fault', 'reply', 'reply', 'reply']);
  });

  it('holds a stream in flight until its last event', async () => {
    const server = await start({ rateLimit: { concurrent: 1 }, latency: { ttftMs: 50, perTokenMs: 50 }, responder: echoResponder() });
    const client = clientFor(server);
    const stream = client.messages.stream({ model: MODEL, max_tokens: 10, messages: [{ role: 'user', content: 'a b c d' }] });
    await new Promise<void>((resolve) => stream.once('text', () => resolve()));

    const during = await client.messages.create({ model: MODEL, max_tokens: 10, messages: HI }).catch((e: unknown) => e);
    expect(during).toBeInstanceOf(RateLimitError);
    await stream.finalMessage();
    const after = await client.messages.create({ model: MODEL, max_tokens: 10, messages: HI });
    expect(after.content[0]).toMatchObject({ type: 'text' });
    expect(server.messageRequests().map((r) => r.outcome)).toEqual(['reply', 'fault', 'reply']);
    expect(server.stats()).toEqual({ accepted: 2, rateLimited: 1, maxInFlight: 1 });
  });
});

describe('anthropic-ratelimit-* headers and input tokens per minute', () => {
  const RFC_3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/u;
  const limits = (headers: Headers, family: string) => ({
    limit: headers.get(`anthropic-ratelimit-${family}-limit`),
    remaining: headers.get(`anthropic-ratelimit-${family}-remaining`),
    reset: headers.get(`anthropic-ratelimit-${family}-reset`),
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it("sends every family under rules 'today', with generous limits where none is set", async () => {
    const server = await start({ rules: 'today', responder: echoResponder() });
    const { response } = await clientFor(server).messages.create({ model: MODEL, max_tokens: 10, messages: HI }).withResponse();
    const expected = { requests: '4000', 'input-tokens': '2000000', 'output-tokens': '400000', tokens: '2400000' };
    for (const [family, limit] of Object.entries(expected)) {
      const sent = limits(response.headers, family);
      expect(sent).toEqual({ limit, remaining: limit, reset: expect.stringMatching(RFC_3339) });
    }
  });

  it('refuses input tokens over the per-minute limit with 429 and a retry-after in seconds', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    // 6,000 input tokens per minute: a bucket of 100, refilled at 100 a second.
    const server = await start({ rules: 'today', rateLimit: { inputTokensPerMinute: 6000 }, responder: echoResponder() });
    const client = clientFor(server);
    // The server's estimate: ceil(chars / 4).
    const ask = (tokens: number) => client.messages.create({ model: MODEL, max_tokens: 10, messages: [{ role: 'user', content: 'x'.repeat(tokens * 4) }] }).withResponse();

    const first = await ask(80);
    expect(limits(first.response.headers, 'input-tokens')).toEqual({ limit: '6000', remaining: '20', reset: new Date(Date.now() + 800).toISOString() });
    expect(limits(first.response.headers, 'tokens')).toMatchObject({ limit: String(6000 + 400_000), remaining: String(20 + 400_000) });

    const refused = (await ask(80).catch((e: unknown) => e)) as RateLimitError;
    expect(refused).toBeInstanceOf(RateLimitError);
    expect(refused.apiMessage).toBe("This request would exceed your organization's rate limit of 6000 input tokens per minute.");
    expect(refused.headers.get('retry-after-ms')).toBe('600');
    expect(refused.headers.get('retry-after')).toBe('1');

    vi.setSystemTime(Date.now() + 600);
    expect(limits((await ask(80)).response.headers, 'input-tokens').remaining).toBe('0');

    // A request larger than the bucket goes through once it is full, and leaves it in debt.
    vi.setSystemTime(Date.now() + 1000);
    await ask(300);
    const inDebt = (await ask(4).catch((e: unknown) => e)) as RateLimitError;
    expect(inDebt.headers.get('retry-after-ms')).toBe(String((4 + 200) * 10));
    expect(inDebt.headers.get('retry-after')).toBe('3');
    expect(server.stats()).toEqual({ accepted: 3, rateLimited: 2, maxInFlight: 1 });
    expect(server.messageRequests().map((r) => r.outcome)).toEqual(['reply', 'fault', 'reply', 'reply', 'fault']);
  });

  it("sends only the configured families under rules 'off'", async () => {
    const server = await start({ rateLimit: { inputTokensPerMinute: 60_000 }, responder: echoResponder() });
    const { response } = await clientFor(server).messages.create({ model: MODEL, max_tokens: 10, messages: HI }).withResponse();
    expect(limits(response.headers, 'input-tokens')).toMatchObject({ limit: '60000', remaining: String(1000 - 1) });
    expect(limits(response.headers, 'requests')).toEqual({ limit: null, remaining: null, reset: null });
  });
});
