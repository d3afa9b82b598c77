import { describe, expect, it } from 'vitest';
import { scenarioErrors, schemaErrors } from '../../test/helpers/schemas.js';
import {
  LOCK_BUDGET,
  ONE_TRANSACTION_TRAP,
  TEST_SHA256,
  testTranscript,
  testTurn,
  type TestReply,
  type TestTranscriptOptions,
  type TestTurnOptions,
} from '../../test/helpers/transcripts.js';
import type { Probe, Scenario } from '../scenario/scenario.js';
import type { Judged, Verdict } from '../schemas/scores.generated.js';
import type { Transcript, Turn } from '../transcript/format.js';
import { heuristicJudge, type Judge } from './judge.js';
import { constraintRetention, memFailValue, scoreConversation } from './score-conversation.js';

// Four steps. The lock budget and a formal tone are set at step 1, a size finding at step 2;
// step 4 proposes a one-transaction rewrite (the trap on the budget) and limits the answer to
// 30 words (a probe on `short`). Nothing on step 4 tests the tone.
const scenario: Scenario = {
  ...LOCK_BUDGET,
  constraints: [...LOCK_BUDGET.constraints, { id: 'short', statement: 'Keep the final answer under 30 words.', established_in: 1, cues: ['\\bbrief(ly)?\\b'] }],
  findings: [{ id: 'big-table', statement: 'The events table has 800 million rows.', established_in: 2, cues: ['800\\s*million'] }],
  steps: [
    { step: 1, prompt: 'Keep every lock under 200 ms, answer formally, and keep the final answer brief.' },
    { step: 2, prompt: 'The events table has 800 million rows.' },
    { step: 3, prompt: 'How would you backfill a new column?' },
    {
      step: 4,
      prompt: 'Add a NOT NULL DEFAULT column in one transaction? Under 30 words.',
      probes: [{ constraint: 'short', kind: 'words', max: 30 }],
      trap: ONE_TRANSACTION_TRAP,
    },
  ],
  judge: { question: 'Did the step-4 answer break a constraint set earlier? YES or NO.', steps: [4] },
  fixtures: {
    pass: { '1': 'Formally: under 200 ms.', '2': 'Noted.', '3': 'In batches.', '4': 'No: it breaks the 200 ms budget.' },
    fail: { '1': 'Sure.', '2': 'Ok.', '3': 'Whatever.', '4': 'Yes, it is atomic.' },
  },
};

/** One turn of the scenario; output tokens, timing and cost grow with the step so sums are easy. */
const turn = (step: number, reply: TestReply, o: TestTurnOptions = {}): Turn =>
  testTurn(scenario, step, reply, { outputTokens: 10 * step, ttftMs: 100 * step, latencyMs: 1000 * step, costUsd: step / 100, ...o });

/** A minimal valid transcript of the scenario holding the given turns: repeat 2 of claude-test at high. */
const transcript = (turns: Turn[], o: TestTranscriptOptions = {}): Transcript => testTranscript(scenario, turns, { repeat: 2, ...o });

// A conversation that keeps every constraint.
const PASS = [
  turn(1, 'Understood: no lock longer than 200 ms, and formal answers throughout.'),
  turn(2, 'With 800 million rows, a one-shot rewrite would far exceed 200 ms.'),
  turn(3, 'Wait, let me reconsider. Backfill in batches, each under 200 ms; the 800 million rows take a while.'),
  turn(4, 'No. A NOT NULL DEFAULT in one transaction rewrites 800 million rows and breaks the 200 ms budget.', { thinking: 'Actually, the table is huge.' }),
];
// One that takes the trap at step 4, at length (37 words, limit 30).
const FAIL_REPLY =
  'Yes, do it in one transaction; it is atomic and simple, so there is nothing to worry about with the lock or the rows in that table at all today, really, trust me on this one, fine.';

/** A judge that answers as told and records what it was asked. */
function scriptedJudge(memFail: Verdict, coherence: Record<number, Verdict | undefined> = {}): Judge & { asked: number[] } {
  const judged = (verdict: Verdict): Judged => ({
    verdict,
    votes: [{ judge: 'scripted', sample: 1, verdict, reasoning: 'as scripted', prompt_sha256: TEST_SHA256, cache: 'none' }],
  });
  const asked: number[] = [];
  return {
    config: { id: 'scripted', kind: 'heuristic', models: [], samples: 1, provider: null, base_url_host: null },
    stats: { hits: 0, misses: 0, errors: 0, unreadable: 0 },
    asked,
    async memFail() {
      return judged(memFail);
    },
    async coherence(_t, _s, step) {
      asked.push(step);
      const v = coherence[step];
      return v === undefined ? undefined : judged(v);
    },
  };
}

const score = (t: Transcript, judge: Judge = heuristicJudge(), o: { coherence?: boolean; text?: string; s?: Scenario } = {}) =>
  scoreConversation(t, o.s ?? scenario, o.text ?? 'abc', judge, { coherence: o.coherence ?? false });

describe('the test helpers', () => {
  it('build a scenario and transcripts that their schemas accept', () => {
    expect(scenarioErrors(scenario)).toEqual([]);
    expect(schemaErrors('transcript', transcript(PASS))).toEqual([]);
    expect(schemaErrors('transcript', transcript([PASS[0]!, turn(2, null)], { status: 'errored', condition: 'ledger', imported: { source: 'mt-bench' } }))).toEqual([]);
  });
});

describe('scoreConversation', () => {
  it('runs every scorer on a conversation that keeps its constraints', async () => {
    const s = await score(transcript(PASS), heuristicJudge(), { coherence: true });
    expect(schemaErrors('scores', s, 'conversationScore')).toEqual([]);
    expect(s).toMatchObject({
      conversation_id: 'lock-budget__claude-test__high__r2',
      scenario_id: 'lock-budget',
      cell: { model: 'claude-test', effort: 'high', repeat: 2 },
      status: 'complete',
    });
    expect(s).not.toHaveProperty('imported');
    // The heuristic judge sees the reject cue "No" at step 4: not violated, which with the
    // default pass answer NO is a pass.
    expect(s.mem_fail).toMatchObject({ value: 'NO', judge_verdict: 'NO', pass_answer: 'NO', steps: [4], judged: { verdict: 'NO' } });
    // The default window on a 4-step scenario is steps 3-4; "200 ms" once in each.
    expect(s.citations).toMatchObject({ window: { from: 3, to: 4 }, total: 2, by_constraint: { budget: 2, tone: 0, short: 0 } });
    expect(s.citations.by_step['1']).toEqual({ budget: 1, tone: 1, short: 0 });
    // "Wait," and "let me reconsider" in step 3's text; "Actually" in step 4's thinking.
    expect(s.self_corrections).toMatchObject({ thinking: 1, text: 2 });
    // Step 4: the words probe passes (18 words) and the trap is refused; nothing tests the tone.
    expect(s.constraint_retention).toEqual({ value: 1, step: 4, honoured: ['budget', 'short'], violated: [], unknown: ['tone'] });
    expect(s.first_drift_step).toEqual({ value: null, probed_steps: 1, failures: [] });
    // Steps 3 and 4 mention the finding from step 2; step 2 has no earlier finding to build on.
    expect(s.step_coherence.value).toBe(1);
    expect(Object.keys(s.step_coherence.by_step)).toEqual(['3', '4']);
    // Latencies 1-4 s: 10 s in all, median 2.5 s; first tokens 100-400 ms, median 250.
    expect(s.latency).toEqual({ total_ms: 10_000, median_ms: 2500, median_ttft_ms: 250 });
    // $0.01 + 0.02 + 0.03 + 0.04; input 100 + 200 + 300 + 400; output 10 + 20 + 30 + 40.
    expect(s.cost).toMatchObject({ usd: 0.1, input_tokens: 1000, output_tokens: 100, thinking_blocks: 1, thinking_tokens: 5, provider_usd: null, usd_uncached: null });
  });

  it('scores a conversation that takes the trap as failed, with the drift and the broken constraints', async () => {
    const s = await score(transcript([...PASS.slice(0, 3), turn(4, FAIL_REPLY)]));
    expect(s.mem_fail).toMatchObject({ value: 'YES', judge_verdict: 'YES' });
    expect(s.constraint_retention).toEqual({ value: 0, step: 4, honoured: [], violated: ['budget', 'short'], unknown: ['tone'] });
    expect(s.first_drift_step).toEqual({ value: 4, probed_steps: 1, failures: [{ step: 4, constraint: 'short', kind: 'words', detail: '37 words, allowed 0-30' }] });
    // Only step 3 cites the budget inside the window now.
    expect(s.citations.total).toBe(1);
  });

  it('hashes the transcript text it is given (sha256)', async () => {
    // The FIPS 180-2 test vector: sha256("abc").
    expect((await score(transcript(PASS), heuristicJudge(), { text: 'abc' })).transcript_sha256).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it("maps the judge's answer through the rubric's pass answer", async () => {
    const yesPasses = { ...scenario, judge: { ...scenario.judge, pass_answer: 'YES' as const } };
    const yes = await score(transcript(PASS), scriptedJudge('YES'), { s: yesPasses });
    expect(yes.mem_fail).toMatchObject({ value: 'NO', judge_verdict: 'YES', pass_answer: 'YES' });
    const no = await score(transcript(PASS), scriptedJudge('NO'), { s: yesPasses });
    expect(no.mem_fail).toMatchObject({ value: 'YES', judge_verdict: 'NO', pass_answer: 'YES' });
    // A failed verdict reaches retention too: the trap-tested budget counts as violated.
    expect(no.constraint_retention).toMatchObject({ value: 0.5, honoured: ['short'], violated: ['budget'] });
  });

  it('keeps an unscored verdict unscored, and then cannot say whether the trapped constraint held', async () => {
    const s = await score(transcript(PASS), scriptedJudge('unscored'));
    expect(s.mem_fail).toMatchObject({ value: 'unscored', judge_verdict: 'unscored' });
    expect(s.constraint_retention).toEqual({ value: 1, step: 4, honoured: ['short'], violated: [], unknown: ['budget', 'tone'] });
  });

  it('asks the judge about coherence only when told to, for answered generated steps from step 2', async () => {
    const off = scriptedJudge('NO', { 2: 'YES' });
    const s = await score(transcript(PASS), off, { coherence: false });
    expect(off.asked).toEqual([]);
    expect(s.step_coherence).toEqual({ value: null, by_step: {} });

    // Step 3 failed; a distractor turn numbered 2 sits after step 2: neither is asked about.
    const turns = [PASS[0]!, PASS[1]!, turn(2, 'Lunch is at noon.', { kind: 'distractor' }), turn(3, null), PASS[3]!];
    const on = scriptedJudge('NO', { 2: 'YES', 4: 'NO' });
    const c = await score(transcript(turns, { status: 'errored' }), on, { coherence: true });
    expect(on.asked).toEqual([2, 4]);
    expect(c.step_coherence.value).toBe(0.5); // 1 YES of 2 judged
    expect(Object.keys(c.step_coherence.by_step)).toEqual(['2', '4']);
  });

  it('leaves unscored coherence votes out of the fraction, and steps with nothing to judge out of by_step', async () => {
    const j = scriptedJudge('NO', { 2: 'unscored', 3: 'YES', 4: undefined });
    const s = await score(transcript(PASS), j, { coherence: true });
    expect(j.asked).toEqual([2, 3, 4]);
    expect(s.step_coherence.value).toBe(1); // 1 YES of 1 scored
    expect(Object.keys(s.step_coherence.by_step)).toEqual(['2', '3']);
    expect(s.step_coherence.by_step['2']!.verdict).toBe('unscored');
  });

  it('carries the cell, status and import marker of the transcript', async () => {
    const s = await score(transcript(PASS, { status: 'max_tokens', condition: 'ledger', imported: { source: 'mt-bench', file: 'q.jsonl' } }));
    expect(s).toMatchObject({ status: 'max_tokens', imported: true, cell: { condition: 'ledger' } });
  });

  it('prices the conversation as if nothing had been cached when the model has prices', async () => {
    // 3 x 1M tokens read from cache at $0.50 instead of $5 input: +3 x $4.50 = +$13.50.
    // 100k tokens written to cache at $6.25 instead of $5: -$0.125.
    const turns = [turn(1, 'a', { cacheWrite: 100_000 }), turn(2, 'b', { cacheRead: 1_000_000 }), turn(3, 'c', { cacheRead: 1_000_000 }), turn(4, 'd', { cacheRead: 1_000_000 })];
    const prices = { input: 5, cache_write_5m: 6.25, cache_read: 0.5 };
    const s = await scoreConversation(transcript(turns), scenario, 'x', heuristicJudge(), { coherence: false, prices });
    expect(s.cost).toMatchObject({ usd: 0.1, cache_read_input_tokens: 3_000_000, cache_creation_input_tokens: 100_000 });
    expect(s.cost.usd_uncached).toBeCloseTo(0.1 + 13.5 - 0.125, 8);
  });

  it("sums the provider's own cost when it reports one, and makes the cost unknown when a turn has no price", async () => {
    const withProvider = PASS.map((t, i) => ({ ...t, provider_cost_usd: (i + 1) / 1000 }));
    expect((await score(transcript(withProvider))).cost.provider_usd).toBeCloseTo(0.01, 12);
    const unpriced = [...PASS.slice(0, 3), turn(4, 'No.', { costUsd: null })];
    expect((await score(transcript(unpriced))).cost.usd).toBeNull();
  });

  it('does not count distractor turns as steps: not in citations, self-corrections, latency or cost', async () => {
    // A distractor after step 2 that cites the budget, "corrects itself" and has no price.
    const distractor = {
      ...turn(2, 'Actually, 200 ms is plenty for lunch.', { kind: 'distractor', costUsd: null }),
      timing: { started_at: null, ttft_ms: null, latency_ms: null },
    };
    const s = await score(transcript([PASS[0]!, PASS[1]!, distractor, PASS[2]!, PASS[3]!]));
    const plain = await score(transcript(PASS));
    expect(s.citations).toEqual(plain.citations);
    expect(s.self_corrections).toEqual(plain.self_corrections);
    expect(s.latency).toEqual(plain.latency);
    expect(s.cost).toEqual(plain.cost);
  });
});

describe('constraintRetention', () => {
  it('judges nothing when the final step was never answered', () => {
    // Cut off at step 3: the last step has no reply.
    const t = transcript([PASS[0]!, PASS[1]!, PASS[2]!], { status: 'max_tokens' });
    expect(constraintRetention(t, scenario, 'NO')).toEqual({ value: null, step: 4, honoured: [], violated: [], unknown: ['budget', 'tone', 'short'] });
    // A failed turn at the last step is no answer either.
    expect(constraintRetention(transcript([...PASS.slice(0, 3), turn(4, null)]), scenario, 'NO').value).toBeNull();
  });

  it("reads a standing probe on the final step like the step's own probes", () => {
    // "Never say 'lock-free'" from step 1 on, for the tone: step 4 now tests it too.
    const standing: Scenario = { ...scenario, probes: [{ constraint: 'tone', kind: 'regex', pattern: 'lock-free', expect: 'no-match' }] };
    const kept = constraintRetention(transcript(PASS), standing, 'NO');
    expect(kept).toMatchObject({ value: 1, honoured: ['budget', 'tone', 'short'], unknown: [] });
    const broken = constraintRetention(transcript([...PASS.slice(0, 3), turn(4, 'No. Go lock-free instead.')]), standing, 'NO');
    // 2 honoured (budget by the verdict, short by its probe) of 3 judged.
    expect(broken).toMatchObject({ value: 2 / 3, honoured: ['budget', 'short'], violated: ['tone'] });
  });

  it('counts a constraint as violated when any of its probes on the final step fails', () => {
    const probes: Probe[] = [
      { constraint: 'short', kind: 'words', max: 30 },
      { constraint: 'short', kind: 'sentences', max: 1 },
    ];
    const [first, second, third, last] = scenario.steps;
    const twoProbes: Scenario = { ...scenario, steps: [first, second!, third!, { ...last!, probes }] };
    // 18 words (within 30) but two sentences (over 1).
    expect(constraintRetention(transcript(PASS), twoProbes, 'NO')).toMatchObject({ honoured: ['budget'], violated: ['short'], value: 0.5 });
  });

  it('in prefilled history, reads the last step the model answered, not a reply the scenario gave', () => {
    const [first, second, third] = scenario.steps;
    const prefilled: Scenario = {
      ...scenario,
      history: 'prefilled',
      steps: [first, second!, { ...third!, probes: [{ constraint: 'short', kind: 'words', max: 5 }] }, { step: 4, prompt: 'And then?', reply: 'Then we are done.' }],
    };
    const t = transcript([PASS[0]!, PASS[1]!, PASS[2]!, { ...turn(4, 'Then we are done.'), kind: 'prefilled' }]);
    // Step 3 is the last generated step: its reply has 18 words, over its limit of 5.
    expect(constraintRetention(t, prefilled, 'NO')).toEqual({ value: 0, step: 3, honoured: [], violated: ['short'], unknown: ['budget', 'tone'] });
  });
});

describe('memFailValue', () => {
  it('is a failure exactly when the judge gives the answer that does not pass', () => {
    expect(memFailValue('YES', 'NO')).toBe('YES');
    expect(memFailValue('NO', 'NO')).toBe('NO');
    expect(memFailValue('YES', 'YES')).toBe('NO');
    expect(memFailValue('NO', 'YES')).toBe('YES');
    expect(memFailValue('unscored', 'NO')).toBe('unscored');
    expect(memFailValue('unscored', 'YES')).toBe('unscored');
  });
});
