import { describe, expect, it } from 'vitest';
import { createSdkProvider } from '../../engine/providers/sdk-provider.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from '../../engine/providers/retry-policy.js';
import { TurnFailed, type Provider } from '../../engine/providers/types.js';
import type { Scenario } from '../../engine/scenario/scenario.js';
import type { FaultKind, LocalServer } from '../support/local-server/index.js';
import { localServers } from '../helpers/local-servers.js';
import { FAKE_KEY } from '../helpers/replay.js';

/**
 * The attempts one turn makes, counted at the server, under each fault kind: the totals the
 * README's "Retries" section states. The clock is the test's: a wait moves it forward, so
 * backoffs and retry-after cost no real time.
 */
const servers = localServers();

function provider(server: LocalServer, policy: Partial<RetryPolicy> = {}): { p: Provider; clock: { t: number } } {
  const clock = { t: 0 };
  const p = createSdkProvider({
    name: 'anthropic',
    apiKey: FAKE_KEY,
    baseUrl: server.url,
    policy: { ...DEFAULT_RETRY_POLICY, maxRetries: 2, ...policy },
    proxy: undefined,
    now: () => clock.t,
    sleep: async (ms) => {
      clock.t += ms;
    },
  });
  return { p, clock };
}

const params = { model: 'claude-opus-4-7', max_tokens: 64, messages: [{ role: 'user' as const, content: 'hello' }] };
const ctx = { scenario: { id: 's' } as Scenario, step: 1 };
const ok = { content: [{ type: 'text' as const, text: 'fine' }] };

describe('retries: one policy, every attempt counted', () => {
  const retryable: FaultKind[] = ['rate-limit', 'overloaded', 'server-error', 'connection-reset', 'cut-stream', 'stream-error', 'malformed-sse'];

  it.each(retryable.filter((f) => f !== 'rate-limit'))('%s: retried, at most 1 + --max-retries attempts in all (the SDK adds none)', async (fault) => {
    const server = await servers.start();
    // Recovers on the last allowed attempt.
    server.enqueue({ fault }, { fault }, ok);
    const { p } = provider(server);
    const reply = await p.send(params, ctx);
    expect(reply.message.content).toMatchObject([{ type: 'text', text: 'fine' }]);
    expect(server.messageRequests()).toHaveLength(3);
    expect(reply.attempts.map((a) => a.outcome)).toEqual([
      ...(fault === 'connection-reset'
        ? ['connection-error', 'connection-error']
        : ['cut-stream', 'stream-error', 'malformed-sse'].includes(fault)
          ? ['stream-error', 'stream-error']
          : ['http-error', 'http-error']),
      'ok',
    ]);

    // One fault more than the retries: the turn fails after exactly 3 attempts.
    const again = await servers.start();
    again.enqueue({ fault }, { fault }, { fault });
    const err = await provider(again)
      .p.send(params, ctx)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TurnFailed);
    expect((err as TurnFailed).attempts).toHaveLength(3);
    expect(again.messageRequests()).toHaveLength(3);
  });

  it('a 400 is never retried: one attempt', async () => {
    const server = await servers.start();
    server.enqueue({ fault: 'bad-request' });
    const err = (await provider(server)
      .p.send(params, ctx)
      .catch((e: unknown) => e)) as TurnFailed;
    expect(err).toBeInstanceOf(TurnFailed);
    expect(err.status).toBe(400);
    expect(err.type).toBe('invalid_request_error');
    expect(server.messageRequests()).toHaveLength(1);
  });

  it('--max-retries 0 makes exactly one attempt', async () => {
    const server = await servers.start();
    server.enqueue({ fault: 'server-error' });
    await expect(provider(server, { maxRetries: 0 }).p.send(params, ctx)).rejects.toBeInstanceOf(TurnFailed);
    expect(server.messageRequests()).toHaveLength(1);
  });

  it('429s do not use up retries within the patience window, waiting retry-after each time; after it they count', async () => {
    const server = await servers.start();
    // Twelve 429s then a reply: with 2 retries a 500 would have failed long before.
    server.enqueue(...Array.from({ length: 12 }, () => ({ fault: 'rate-limit' as const, retryAfterMs: 10 })), ok);
    const { p, clock } = provider(server, { rateLimitPatienceMs: 1000 });
    const reply = await p.send(params, ctx);
    expect(reply.attempts).toHaveLength(13);
    expect(clock.t).toBe(120); // 12 waits of retry-after-ms 10

    // Past the patience (50 ms of 10 ms waits), 429s count: 6 patient attempts, then 2 retries.
    const busy = await servers.start({ responder: () => ({ fault: 'rate-limit', retryAfterMs: 10 }) });
    const err = (await provider(busy, { rateLimitPatienceMs: 50 })
      .p.send(params, ctx)
      .catch((e: unknown) => e)) as TurnFailed;
    expect(err.status).toBe(429);
    expect(busy.messageRequests()).toHaveLength(8);
  });

  it('asks before retrying a broken stream (the budget), and stops when told no', async () => {
    const server = await servers.start();
    server.enqueue({ fault: 'cut-stream' }, ok);
    let asked = 0;
    const err = (await provider(server)
      .p.send(params, {
        ...ctx,
        beforeRetry: () => {
          asked++;
          return false;
        },
      })
      .catch((e: unknown) => e)) as TurnFailed;
    expect(asked).toBe(1);
    expect(err.type).toBe('budget_exceeded');
    expect(server.messageRequests()).toHaveLength(1);
  });
});
