import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { echoResponder, startLocalServer, type LocalServer, type RecordedRequest, type Scripted } from '../support/local-server/index.js';
import { turnCost } from '../../engine/models/cost.js';
import { findProfile, loadProfiles } from '../../engine/models/profiles.js';
import type { RunManifest } from '../../engine/transcript/format.js';
import { binPath, repoRoot, runBin, STACK_LINE } from '../helpers/cli.js';
import { FAKE_KEY, readTranscripts, replayArgs, tempDir, THREE_STEPS } from '../helpers/replay.js';

const env = { ANTHROPIC_API_KEY: FAKE_KEY, DRIFTBENCH_BATCH_POLL_MS: '5' };
let server: LocalServer | undefined;
afterEach(async () => {
  expect(server?.unexpected() ?? []).toEqual([]);
  await server?.close();
  server = undefined;
});

describe('--batch', () => {
  it('advances steps in lockstep, one batch per step, retrying an expired and an errored request in the next batch', async () => {
    // The first batch item expires and the second errors; everything after succeeds.
    let n = 0;
    const echo = echoResponder();
    server = await startLocalServer({
      batchLatencyMs: 20,
      responder: (req: RecordedRequest): Scripted | undefined => {
        n++;
        if (n === 1) return { batch: 'expired' };
        if (n === 2) return { batch: 'errored', errorType: 'overloaded_error', message: 'Overloaded' };
        return echo(req);
      },
    });
    const out = await tempDir();
    const r = await runBin(replayArgs(server.url, '--repeats', '3', '--batch', '--out', out, '--run-name', 'b'), { env });
    expect(r.stderr).not.toMatch(STACK_LINE);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('3 conversations: 3 complete');

    // Step 1 in two batches (3 requests, then the 2 that failed), then one batch per step.
    const batches = server.batches();
    expect(batches.map((b) => b.requests.length)).toEqual([3, 2, 3, 3]);
    expect(server.messageRequests()).toHaveLength(0); // nothing went through the streaming endpoint
    // The step-2 requests carry each conversation's own step-1 reply.
    for (const req of batches[2]!.requests) {
      const messages = req.params.messages as Array<{ role: string; content: unknown }>;
      expect(messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user']);
      expect(JSON.stringify(messages[1]!.content)).toContain('Reply to turn 1');
    }

    const transcripts = await readTranscripts(join(out, 'b'));
    const prices = findProfile(loadProfiles(), 'claude-opus-4-7')!.prices;
    const outcomes = transcripts.map((t) => t.turns[0]!.attempts.map((a) => a.outcome));
    expect(outcomes.sort()).toEqual([['batch-errored', 'ok'], ['batch-expired', 'ok'], ['ok']].sort());
    for (const t of transcripts) {
      expect(t.status).toBe('complete');
      expect(t.turns).toHaveLength(3);
      for (const turn of t.turns) {
        expect(turn.batch?.id).toMatch(/^msgbatch_/);
        // Half price: the Message Batches discount.
        expect(turn.cost_usd).toBeCloseTo(turnCost(prices, turn.response!.usage)! / 2, 8);
        expect(turn.response!.content.some((b) => b.type === 'thinking')).toBe(true);
      }
    }
    const manifest = JSON.parse(await readFile(join(out, 'b', 'manifest.json'), 'utf8')) as RunManifest;
    expect(manifest.batches!.map((b) => [b.step, b.round, b.status])).toEqual([
      [1, 1, 'collected'],
      [1, 2, 'collected'],
      [2, 1, 'collected'],
      [3, 1, 'collected'],
    ]);

    // Scoring and reports do not care how the run was made.
    expect((await runBin(['score', join(out, 'b'), '--judge', 'heuristic'])).code).toBe(0);
    expect((await runBin(['report', join(out, 'b')])).code).toBe(0);
  });

  it('is resumable: a run killed while a batch is processing collects that batch instead of sending it again', async () => {
    server = await startLocalServer({ batchLatencyMs: 1500, responder: echoResponder() });
    const out = await tempDir();
    const child = spawn(process.execPath, [binPath, ...replayArgs(server.url, '--effort', 'standard', '--repeats', '2', '--batch', '--out', out, '--run-name', 'k')], {
      cwd: repoRoot,
      env: { PATH: process.env.PATH, ...env },
      stdio: 'ignore',
    });
    const exited = new Promise((r) => child.on('exit', r));
    // The run polls a batch only once its id is in the manifest (engine/replay/batch.ts): kill it
    // at the first poll, mid-batch.
    const early = exited.then((code) => Promise.reject(new Error(`the run exited (${String(code)}) before polling its batch`)));
    await Promise.race([server.waitForRequests(1, (r) => r.method === 'GET' && /^\/v1\/messages\/batches\/[^/]+$/.test(r.path)), early]);
    child.kill('SIGKILL');
    await exited;
    const before = JSON.parse(await readFile(join(out, 'k', 'manifest.json'), 'utf8')) as RunManifest;
    expect(before.batches).toEqual([expect.objectContaining({ step: 1, round: 1, status: 'submitted' })]);

    const r = await runBin(['run', '--resume', join(out, 'k'), '--base-url', server.url], { env });
    expect(r.code).toBe(0);
    expect(server.batches()).toHaveLength(3); // step 1 collected, not sent again; then steps 2 and 3
    expect(server.batches()[0]!.id).toBe(before.batches![0]!.id);
    const transcripts = await readTranscripts(join(out, 'k'));
    expect(transcripts.every((t) => t.status === 'complete' && t.turns.length === 3)).toBe(true);
  });

  it('needs a provider with the Message Batches API', async () => {
    server = await startLocalServer({ mode: 'openrouter' });
    const out = await tempDir();
    const r = await runBin(['run', THREE_STEPS, '--provider', 'openrouter', '--base-url', `${server.url}/api`, '--batch', '--out', out], { env: { OPENROUTER_API_KEY: FAKE_KEY } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--batch needs a provider with the Message Batches API; openrouter has none');
  });
});
