import { describe, expect, it } from 'vitest';
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
