import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ProviderError } from '../../engine/errors.js';
import { createSdkProvider } from '../../engine/providers/sdk-provider.js';
import { DEFAULT_RETRY_POLICY } from '../../engine/providers/retry-policy.js';
import type { Timeouts } from '../../engine/providers/timeouts.js';
import { TurnFailed, type Provider } from '../../engine/providers/types.js';
import type { Scenario } from '../../engine/scenario/scenario.js';
import { echoResponder, type Fault, type LocalServer } from '../support/local-server/index.js';
import { runBin, STACK_LINE } from '../helpers/cli.js';
import { localServers } from '../helpers/local-servers.js';
import { FAKE_KEY, readTranscripts, replayArgs, tempDir } from '../helpers/replay.js';

/**
 * Streams that stall: the local server's four stall faults against the real SDK, with timeouts
 * of a fraction of a second. Each timed-out attempt is a retryable fault with its cause named,
 * recorded in the turn's attempts, and goes through the one retry policy. Nothing hangs: a test
 * that regressed would run into vitest's own timeout.
 */
const servers = localServers();

const SMALL: Timeouts = { headersMs: 300, idleMs: 300, attemptMs: 5_000 };

function provider(server: LocalServer, timeouts: Timeouts = SMALL, maxRetries = 2): Provider {
  let t = 0;
  return createSdkProvider({
    name: 'anthropic',
    apiKey: FAKE_KEY,
    baseUrl: server.url,
    policy: { ...DEFAULT_RETRY_POLICY, maxRetries },
    proxy: undefined,
    timeouts,
    now: () => Date.now() + t,
    sleep: async (ms) => {
      t += ms;
    },
  });
}

const params = { model: 'claude-opus-4-7', max_tokens: 64, messages: [{ role: 'user' as const, content: 'hello' }] };
const ctx = { scenario: { id: 's' } as Scenario, step: 1 };
const ok = { content: [{ type: 'text' as const, text: 'fine' }] };

describe('timeouts: a stalled attempt is a retryable fault with its cause', () => {
  const stalls: Array<[Fault, string, string]> = [
    [{ fault: 'stall' }, 'stream-error', 'no data for 0.3 s'],
    [{ fault: 'pings-only', everyMs: 50 }, 'stream-error', 'no data for 0.3 s'],
    [{ fault: 'trickle', everyMs: 100 }, 'stream-error', 'no data for 0.3 s'],
    [{ fault: 'no-headers' }, 'connection-error', 'no response headers within 0.3 s'],
  ];

  it.each(stalls)('%o: timed out, retried, and the next attempt answers', async (fault, outcome, cause) => {
    const server = await servers.start();
    server.enqueue(fault, ok);
    const started = performance.now();
    const reply = await provider(server).send(params, ctx);
    expect(performance.now() - started).toBeLessThan(3_000);
    expect(reply.message.content).toMatchObject([{ type: 'text', text: 'fine' }]);
    expect(server.messageRequests()).toHaveLength(2);
    expect(reply.attempts).toHaveLength(2);
    expect(reply.attempts[0]).toMatchObject({ outcome, message: expect.stringContaining(cause) });
    expect(reply.attempts[1]!.outcome).toBe('ok');
  });

  it('a stall on every attempt fails the turn after 1 + --max-retries attempts, as timeout_error with its cause', async () => {
    const server = await servers.start();
    server.enqueue({ fault: 'stall' }, { fault: 'pings-only', everyMs: 50 }, { fault: 'stall' });
    const err = (await provider(server)
      .send(params, ctx)
      .catch((e: unknown) => e)) as TurnFailed;
    expect(err).toBeInstanceOf(TurnFailed);
    expect(err.type).toBe('timeout_error');
    expect(err.message).toBe('timeout_error: no data for 0.3 s (--idle-timeout; pings do not count)');
    expect(err.attempts.map((a) => a.outcome)).toEqual(['stream-error', 'stream-error', 'stream-error']);
    expect(server.messageRequests()).toHaveLength(3);
  });

  it('a stream that keeps sending, too slowly to end, runs into the attempt deadline', async () => {
    // Events 80 ms apart never leave the stream idle for 300 ms; the whole reply would take 4 s.
    const server = await servers.start({ latency: { ttftMs: 0, perTokenMs: 80 } });
    const long = { content: [{ type: 'text' as const, text: Array.from({ length: 50 }, (_, i) => `w${i}`).join(' ') }] };
    server.enqueue(long);
    const err = (await provider(server, { ...SMALL, attemptMs: 600 }, 0)
      .send(params, ctx)
      .catch((e: unknown) => e)) as TurnFailed;
    expect(err).toBeInstanceOf(TurnFailed);
    expect(err.message).toBe('timeout_error: the attempt did not end within 0.6 s (--attempt-timeout)');
    expect(err.attempts).toMatchObject([{ outcome: 'stream-error', status: 200 }]);
  });

  it('a slow but steady stream within the limits is not cut', async () => {
    const server = await servers.start({ latency: { ttftMs: 150, perTokenMs: 100 } });
    server.enqueue({ content: [{ type: 'text', text: 'one two three four five' }] });
    const reply = await provider(server).send(params, ctx);
    expect(reply.attempts.map((a) => a.outcome)).toEqual(['ok']);
    expect(reply.message.content).toMatchObject([{ type: 'text', text: 'one two three four five' }]);
  });

  it('the budget is asked before a stream that timed out after its headers is retried; not before one that never began', async () => {
    const server = await servers.start();
    server.enqueue({ fault: 'no-headers' }, { fault: 'stall' }, ok);
    let asked = 0;
    const reply = await provider(server).send(params, {
      ...ctx,
      beforeRetry: () => {
        asked++;
        return true;
      },
    });
    expect(reply.attempts.map((a) => a.outcome)).toEqual(['connection-error', 'stream-error', 'ok']);
    expect(asked).toBe(1);
  });
});

describe('driftbench run with stalls (the real binary)', () => {
  const FAST = ['--idle-timeout', '0.3', '--connect-timeout', '0.3', '--attempt-timeout', '5'];
  const env = { ANTHROPIC_API_KEY: FAKE_KEY, DRIFTBENCH_RETRY_BASE_MS: '1' };

  it('a stalled turn is retried and the conversation completes; the timed-out attempt is in the transcript with its cause', async () => {
    const server = await servers.start({ responder: echoResponder() });
    server.enqueue({ fault: 'pings-only', everyMs: 50 });
    const out = await tempDir();
    const r = await runBin(replayArgs(server.url, '--repeats', '1', '--out', out, '--run-name', 'stall', ...FAST), { env });
    expect(r.stderr).not.toMatch(STACK_LINE);
    expect(r.code).toBe(0);
    const [t] = await readTranscripts(join(out, 'stall'));
    expect(t!.status).toBe('complete');
    expect(t!.turns[0]!.attempts).toMatchObject([{ outcome: 'stream-error', status: 200, message: 'no data for 0.3 s (--idle-timeout; pings do not count)' }, { outcome: 'ok' }]);
  });

  it('a server that stalls every attempt: the conversation is errored with the cause, exit 2, nothing hangs', async () => {
    const server = await servers.start();
    server.enqueue({ fault: 'no-headers' }, { fault: 'stall' });
    const out = await tempDir();
    const started = performance.now();
    const r = await runBin(replayArgs(server.url, '--repeats', '1', '--max-retries', '1', '--out', out, '--run-name', 'dead', ...FAST), { env });
    expect(r.stderr).not.toMatch(STACK_LINE);
    expect(r.code).toBe(2);
    expect(performance.now() - started).toBeLessThan(15_000);
    const [t] = await readTranscripts(join(out, 'dead'));
    expect(t!.status).toBe('errored');
    expect(t!.status_reason).toBe('step 1 failed after 2 attempt(s): timeout_error: no data for 0.3 s (--idle-timeout; pings do not count)');
    expect(t!.turns[0]!.attempts).toMatchObject([
      { outcome: 'connection-error', status: null, message: 'no response headers within 0.3 s (--connect-timeout)' },
      { outcome: 'stream-error', status: 200, message: 'no data for 0.3 s (--idle-timeout; pings do not count)' },
    ]);
  });

  it('a timeout of 0 or not a number is refused before anything is sent', async () => {
    for (const [flag, value] of [
      ['--idle-timeout', '0'],
      ['--attempt-timeout', 'soon'],
      ['--connect-timeout', '-1'],
    ] as const) {
      const r = await runBin(['run', '--dry-run', flag, value], { env: {} });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`${flag} must be a number of seconds above 0`);
    }
  });

  it('the LLM judge of score takes the same timeouts: a stalled judge call is retried', async () => {
    const server = await servers.start({ responder: echoResponder() });
    const out = await tempDir();
    expect((await runBin(replayArgs(server.url, '--repeats', '1', '--out', out, '--run-name', 'j'), { env })).code).toBe(0);
    const verdict = { content: [{ type: 'text' as const, text: '{"reasoning": "kept", "verdict": "NO"}' }] };
    server.enqueue({ fault: 'stall' }, verdict);
    const before = server.messageRequests().length;
    const cache = await tempDir();
    const r = await runBin(
      ['score', join(out, 'j'), '--judge', 'claude-sonnet-4-6', '--judge-base-url', server.url, '--cache-dir', cache, '--no-coherence', '--max-retries', '1', ...FAST],
      {
        env,
      },
    );
    expect(r.stderr).not.toMatch(STACK_LINE);
    expect(r.code).toBe(0);
    const judged = server.messageRequests().slice(before);
    // The first judge call stalled and was asked again; the scores hold no unscored vote.
    expect(judged.map((q) => q.outcome)).toEqual(['fault', 'reply']);
    expect(r.stdout).toContain('mem_fail: 0 YES, 1 NO, 0 unscored');
  });
});

describe('a batch results file that stalls', () => {
  it('fails with the cause once it goes quiet for the idle timeout, after the lines that came', async () => {
    const server = await servers.start({ stallBatchResults: true });
    server.enqueue(ok, ok);
    const p = provider(server);
    const batch = await p.batches!.create([
      { custom_id: 'a', params },
      { custom_id: 'b', params },
    ]);
    expect(await p.batches!.status(batch.id)).toBe('ended');
    const seen: string[] = [];
    const err = await (async () => {
      for await (const line of p.batches!.results(batch.id)) seen.push(line.custom_id);
    })().catch((e: unknown) => e);
    expect(seen).toEqual(['a']);
    expect(err).toBeInstanceOf(ProviderError);
    expect((err as Error).message).toBe(`batch ${batch.id}: reading its results: no data for 0.3 s (--idle-timeout; pings do not count); resume the run to collect them again`);
  });
});
