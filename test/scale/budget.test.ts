import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startLocalServer, type LocalServer, type Scripted } from '../support/local-server/index.js';
import type { RunManifest, Transcript } from '../../engine/transcript/format.js';
import { runBin, STACK_LINE } from '../helpers/cli.js';
import { FAKE_KEY, readTranscripts, replayArgs, tempDir, THREE_STEPS } from '../helpers/replay.js';

let server: LocalServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** What a run has cost, by its transcripts: every turn's price plus every broken stream set aside. */
function spent(ts: readonly Transcript[]): number {
  return ts.reduce((n, t) => n + t.turns.reduce((m, x) => m + (x.cost_usd ?? 0) + x.attempts.reduce((k, a) => k + (a.charged_usd ?? 0), 0), 0), 0);
}

/**
 * Every turn bills 20,000 input and 8,000 output tokens of claude-opus-4-7 ($0.30), and one
 * request in five breaks: a cut stream, a mid-stream error, malformed SSE, a 429 or a 529.
 */
function expensiveFaultyResponder(seed: number): (req: unknown) => Scripted {
  let n = seed;
  const faults: Scripted[] = [
    { fault: 'cut-stream' },
    { fault: 'stream-error' },
    { fault: 'malformed-sse' },
    { fault: 'rate-limit', retryAfterMs: 5 },
    { fault: 'overloaded', retryAfterMs: 5 },
  ];
  return () => {
    n = (n * 1103515245 + 12345) % 2 ** 31;
    if (n % 5 === 0) return faults[(n >> 3) % faults.length]!;
    return { content: [{ type: 'text', text: 'A reply that keeps to the 200 ms budget.' }], usage: { input_tokens: 20000, output_tokens: 8000 } };
  };
}

describe('--max-cost', () => {
  it.each([1, 2, 3])('never goes over, with concurrency and faults (seed %i), and resume with a higher budget carries on', async (seed) => {
    server = await startLocalServer({ responder: expensiveFaultyResponder(seed) });
    const out = await tempDir();
    const args = replayArgs(server.url, '--effort', 'standard', '--repeats', '8', '--concurrency', '4', '--max-retries', '3', '--out', out, '--run-name', 'b');
    const env = { ANTHROPIC_API_KEY: FAKE_KEY, DRIFTBENCH_RETRY_BASE_MS: '1' };
    const first = await runBin([...args, '--max-cost', '2.50'], { env });
    expect(first.stderr).not.toMatch(STACK_LINE);
    expect(first.code).toBe(2); // interrupted: the budget ran out
    const run = join(out, 'b');
    const m1 = JSON.parse(await readFile(join(run, 'manifest.json'), 'utf8')) as RunManifest;
    const t1 = await readTranscripts(run);
    expect(spent(t1)).toBeLessThanOrEqual(2.5 + 1e-9);
    expect(m1.spent_usd!).toBeCloseTo(spent(t1), 8);
    expect(m1.status).toBe('interrupted');
    expect(m1.status_reason).toMatch(/^budget exhausted: \d+ conversation\(s\) stopped before a turn that could have gone over --max-cost \$2.5/);
    expect(t1.some((t) => t.status === 'stopped' && t.status_reason!.startsWith('budget:'))).toBe(true);
    expect(first.stdout).toContain(`resume with: driftbench run --resume ${run} --base-url ${server.url}`);

    const second = await runBin(['run', '--resume', run, '--base-url', server.url, '--max-cost', '12'], { env });
    expect(second.stderr).not.toMatch(STACK_LINE);
    const t2 = await readTranscripts(run);
    expect(spent(t2)).toBeLessThanOrEqual(12 + 1e-9);
    expect(spent(t2)).toBeGreaterThan(spent(t1));
    const m2 = JSON.parse(await readFile(join(run, 'manifest.json'), 'utf8')) as RunManifest;
    expect(m2.plan.max_cost_usd).toBe(12);
    expect(m2.counts.complete + m2.counts.errored + m2.counts.stopped).toBe(8);
  });

  it('refuses a budget for a model without a price', async () => {
    const r = await runBin(['run', THREE_STEPS, '--base-url', 'http://127.0.0.1:9', '--models', 'claude-mystery-9', '--max-cost', '5'], { env: { ANTHROPIC_API_KEY: FAKE_KEY } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--max-cost needs a price for every model, and claude-mystery-9 has none');
  });
});

describe('prompt caching', () => {
  it('prices cache reads and writes at the cache rates, and --no-prompt-cache sends no breakpoint', async () => {
    server = await startLocalServer({
      responder: () => ({
        content: [{ type: 'text', text: 'ok, 200 ms' }],
        usage: { input_tokens: 100, output_tokens: 50, cache_creation_input_tokens: 2000, cache_read_input_tokens: 10000 },
      }),
    });
    const out = await tempDir();
    const env = { ANTHROPIC_API_KEY: FAKE_KEY };
    expect((await runBin(replayArgs(server.url, '--models', 'claude-sonnet-4-6', '--effort', 'standard', '--repeats', '1', '--out', out, '--run-name', 'c'), { env })).code).toBe(
      0,
    );
    const [t] = await readTranscripts(join(out, 'c'));
    // Sonnet 4.6: $3 input, $3.75 cache write (5 min), $0.30 cache read, $15 output per million.
    expect(t!.turns[0]!.cost_usd).toBeCloseTo((100 * 3 + 2000 * 3.75 + 10000 * 0.3 + 50 * 15) / 1e6, 10);
    const bodies = server.messageRequests().map((r) => JSON.stringify(r.body));
    expect(bodies.every((b) => (b.match(/cache_control/g) ?? []).length === 1)).toBe(true);

    server.reset();
    expect(
      (
        await runBin(replayArgs(server.url, '--models', 'claude-sonnet-4-6', '--effort', 'standard', '--repeats', '1', '--no-prompt-cache', '--out', out, '--run-name', 'n'), {
          env,
        })
      ).code,
    ).toBe(0);
    expect(server.messageRequests().every((r) => !JSON.stringify(r.body).includes('cache_control'))).toBe(true);
    const m = JSON.parse(await readFile(join(out, 'n', 'manifest.json'), 'utf8')) as RunManifest;
    expect(m.plan.prompt_cache).toBe(false);

    // The report sets what the run cost against what it would have cost without caching.
    await runBin(['score', join(out, 'c'), '--judge', 'heuristic']);
    const report = await runBin(['report', join(out, 'c')]);
    const uncached = (3 * ((100 + 2000 + 10000) * 3 + 50 * 15)) / 1e6;
    expect(report.stdout).toContain(`without caching it would have cost $${uncached.toFixed(4)}`);
  });
});

describe('--dry-run', () => {
  it('prints the plan and its estimated cost per cell and in total, against --max-cost, using count_tokens', async () => {
    server = await startLocalServer();
    const r = await runBin(['run', THREE_STEPS, '--base-url', server.url, '--axis', 'model', '--repeats', '2', '--dry-run', '--max-cost', '0.01'], {
      env: { ANTHROPIC_API_KEY: FAKE_KEY },
    });
    expect(r.stderr).not.toMatch(STACK_LINE);
    expect(r.stdout).toContain('dry run: 4 conversations on anthropic, prompt caching on; nothing was sent but count_tokens requests');
    // Each cell takes two lines: model and effort, conversations and turns, tokens in and out, cost and uncached cost.
    expect(r.stdout).toMatch(/│ claude-opus-4-7 +│ 2 +│ [\d,]+ in +│ \$\d+\.\d{4} +│ count_tokens +│\n│ high +│ 6 turns +│ [\d,]+ out +│ \$\d+\.\d{4} uncached +│ +│/);
    expect(r.stdout).toMatch(/estimated total: \$\d+\.\d{4}/);
    expect(r.stdout).toContain('over --max-cost $0.01: the run would stop at the budget before finishing');
    expect(r.code).toBe(1);
    // Only count_tokens was asked: two calls per scenario and model, no message.
    expect(server.messageRequests()).toHaveLength(0);
    expect(server.requests.filter((q) => q.path.endsWith('/count_tokens'))).toHaveLength(4);
  });
});

describe('--shard and merge', () => {
  it('splits a plan deterministically, and the shards merge to exactly the full plan', async () => {
    const out = await tempDir();
    const base = ['run', THREE_STEPS, 'test/fixtures/replay/prefilled.yaml', '--provider', 'rehearsal', '--effort', 'standard,high', '--repeats', '3', '--out', out];
    expect((await runBin([...base, '--run-name', 'full'], { env: {} })).code).toBe(0);
    for (const k of [1, 2, 3]) expect((await runBin([...base, '--shard', `${k}/3`, '--run-name', `s${k}`], { env: {} })).code).toBe(0);
    const shardIds = await Promise.all([1, 2, 3].map(async (k) => (await readTranscripts(join(out, `s${k}`))).map((t) => t.conversation_id)));
    expect(shardIds.flat().sort()).toEqual((await readTranscripts(join(out, 'full'))).map((t) => t.conversation_id).sort());
    expect(new Set(shardIds.flat()).size).toBe(shardIds.flat().length);

    const merged = await runBin(['merge', join(out, 's2'), join(out, 's1'), join(out, 's3'), '--out', join(out, 'merged')]);
    expect(merged.code).toBe(0);
    expect(merged.stdout).toContain('merged 3 shards into');
    const full = JSON.parse(await readFile(join(out, 'full', 'manifest.json'), 'utf8')) as RunManifest;
    const m = JSON.parse(await readFile(join(out, 'merged', 'manifest.json'), 'utf8')) as RunManifest;
    expect(m.plan.conversations).toEqual(full.plan.conversations);
    expect(m.plan.shard).toBeUndefined();
    expect(m).toMatchObject({ status: 'complete', counts: { conversations: full.counts.conversations, complete: full.counts.complete } });
    // It scores and reports like a run made in one place.
    expect((await runBin(['score', join(out, 'merged'), '--judge', 'heuristic'])).code).toBe(0);
    const fullScore = await runBin(['score', join(out, 'full'), '--judge', 'heuristic']);
    expect(fullScore.code).toBe(0);
    type Cells = { cells: Array<{ scenario: string; cell: unknown; mem_fail: unknown; citations_median: unknown; conversations: string[] }> };
    // Conversations are listed run-qualified (run_id/conversation_id): the same ids under each run's own id.
    const pick = (r: Cells) => r.cells.map((c) => [c.scenario, c.cell, c.mem_fail, c.citations_median, c.conversations.map((id) => id.replace(/^[^/]+\//, ''))]);
    const a = JSON.parse((await runBin(['report', join(out, 'merged'), '--format', 'json'])).stdout) as Cells;
    const b = JSON.parse((await runBin(['report', join(out, 'full'), '--format', 'json'])).stdout) as Cells;
    expect(pick(a)).toEqual(pick(b));

    const missing = await runBin(['merge', join(out, 's1'), join(out, 's3'), '--out', join(out, 'm2')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('merge needs each of shards 1..3 exactly once; missing: 2');
    // Four runs of the binary: generous for a loaded machine.
  }, 90_000);
});
