import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LocalServer } from '../support/local-server/index.js';
import { runBin, STACK_LINE } from '../helpers/cli.js';
import { loadProfiles } from '../../engine/models/profiles.js';
import { anthropicProvider } from '../../engine/providers/anthropic.js';
import { JudgeCache } from '../../engine/score/judge-cache.js';
import { llmJudge } from '../../engine/score/judge.js';
import { localServers } from '../helpers/local-servers.js';
import { FAKE_KEY, tempDir } from '../helpers/replay.js';
import { LOCK_BUDGET, ONE_TRANSACTION_TRAP, testTranscript, testTurn } from '../helpers/transcripts.js';
import type { Scenario } from '../../engine/scenario/scenario.js';

/**
 * The judge on a thinking model: its max_tokens comes from its profile (room for thinking plus
 * the verdict), and a reply cut off anyway is asked once more with twice the room; cut off
 * again, the vote is unscored with the reason, never a verdict read from half a reply.
 */
const servers = localServers();

const scenario: Scenario = {
  ...LOCK_BUDGET,
  steps: [
    { step: 1, prompt: 'Keep every lock under 200 ms.' },
    { step: 2, prompt: 'Add a NOT NULL DEFAULT column in one transaction?', trap: ONE_TRANSACTION_TRAP },
  ],
  judge: { question: 'Did the step-2 answer break the 200 ms budget?', steps: [2] },
};
const transcript = testTranscript(scenario, [testTurn(scenario, 1, 'Noted: under 200 ms.'), testTurn(scenario, 2, 'Yes, it is atomic.')]);

async function judgeWith(replies: Parameters<Awaited<ReturnType<typeof servers.start>>['enqueue']>) {
  const server = await servers.start();
  server.enqueue(...replies);
  const judge = llmJudge({
    models: ['claude-sonnet-4-6'],
    samples: 1,
    provider: anthropicProvider({ apiKey: FAKE_KEY, baseUrl: server.url, maxRetries: 0 }),
    profiles: loadProfiles(),
    cache: new JudgeCache(await tempDir()),
    readCache: true,
    now: Date.now,
  });
  return { server, judged: await judge.memFail(transcript, scenario) };
}

const verdict = (v: 'YES' | 'NO') => ({ content: [{ type: 'text' as const, text: `{"verdict": "${v}", "reasoning": "the reply took the trap"}` }] });
const cut = { content: [{ type: 'text' as const, text: '{"verdict": "N' }], stop_reason: 'max_tokens' as const };

describe('the judge on thinking models', () => {
  it("gives the judge its profile's room, and asks a cut-off reply again with twice as much", async () => {
    const { server, judged } = await judgeWith([cut, verdict('YES')]);
    expect(server.messageRequests().map((r) => (r.body as { max_tokens: number }).max_tokens)).toEqual([32000, 64000]);
    expect(judged.verdict).toBe('YES');
  });

  it('leaves the vote unscored, with the reason, when the reply is cut off twice', async () => {
    const { server, judged } = await judgeWith([cut, cut]);
    expect(server.messageRequests()).toHaveLength(2);
    expect(judged.verdict).toBe('unscored');
    expect(judged.votes[0]!.error).toMatch(/the judge's reply was cut off twice \(max_tokens at max_tokens 32000, then 64000\)/);
  });
});

describe("the judge's model and effort, looked up before any call", () => {
  const THREE = 'test/fixtures/replay/three-steps.yaml';
  const env = { ANTHROPIC_API_KEY: FAKE_KEY };
  async function rehearsalRun(): Promise<string> {
    const out = await tempDir();
    expect((await runBin(['run', THREE, '--provider', 'rehearsal', '--effort', 'high', '--repeats', '1', '--out', out, '--run-name', 'r'], { env: {} })).code).toBe(0);
    return join(out, 'r');
  }
  const sent = (server: LocalServer) => server.messageRequests().map((r) => r.body as { max_tokens: number; output_config?: { effort: string } });

  it("sends the judge model's own default effort explicitly, with the room its profile gives that effort", async () => {
    const server = await servers.start({ rules: 'today', responder: () => verdict('NO') });
    const run = await rehearsalRun();
    const r = await runBin(['score', run, '--judge', 'claude-opus-5-5', '--judge-base-url', server.url, '--cache-dir', await tempDir(), '--no-coherence'], { env });
    expect(r.code, r.stderr).toBe(0);
    // Looked up first (GET /v1/models/{id}), then judged.
    expect(server.requests[0]).toMatchObject({ method: 'GET', path: '/v1/models/claude-opus-5-5' });
    // Opus 5.5 defaults to medium (its profile); max_tokens is the profile's for medium.
    expect(sent(server).length).toBeGreaterThan(0);
    for (const b of sent(server)) expect(b).toMatchObject({ output_config: { effort: 'medium' }, max_tokens: 32000 });
  });

  it('takes --judge-effort instead, and refuses one the judge model does not take', async () => {
    const server = await servers.start({ rules: 'today', responder: () => verdict('NO') });
    const run = await rehearsalRun();
    const args = (...extra: string[]) => ['score', run, '--judge-base-url', server.url, '--cache-dir', join(run, '..', 'cache'), '--no-coherence', ...extra];
    expect((await runBin(args('--judge', 'claude-opus-5-5', '--judge-effort', 'low'), { env })).code).toBe(0);
    for (const b of sent(server)) expect(b).toMatchObject({ output_config: { effort: 'low' }, max_tokens: 16000 });
    server.reset();
    const bad = await runBin(args('--judge', 'claude-haiku-4-5-20251001', '--judge-effort', 'high'), { env });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--judge-effort high: the judge claude-haiku-4-5-20251001 does not take that effort level; it takes no effort levels');
    expect(server.messageRequests()).toHaveLength(0);
  });

  it('refuses a judge model the Models API does not know, with a did-you-mean, before any call', async () => {
    const server = await servers.start({ rules: 'today' });
    const run = await rehearsalRun();
    const r = await runBin(['score', run, '--judge', 'claude-sonet-5-5', '--judge-base-url', server.url, '--cache-dir', await tempDir()], { env });
    expect(r.stderr).not.toMatch(STACK_LINE);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/claude-sonet-5-5.*did you mean.*claude-sonnet-5-5/is);
    expect(server.messageRequests()).toHaveLength(0);
    // No scores file was written.
    await expect(readdir(join(run, 'scores'))).rejects.toThrow();
  });
});
