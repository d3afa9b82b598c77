import { describe, expect, it } from 'vitest';
import { scenarioErrors, schemaErrors } from '../../test/helpers/schemas.js';
import { LOCK_BUDGET, ONE_TRANSACTION_TRAP, testTranscript, testTurn, type TestReply, type TestTranscriptOptions, type TestTurnOptions } from '../../test/helpers/transcripts.js';
import type { Scenario } from '../scenario/scenario.js';
import type { TranscriptDiff } from '../schemas/diff.generated.js';
import type { ConversationScore, Verdict } from '../schemas/scores.generated.js';
import type { Block, Transcript, Turn } from '../transcript/format.js';
import { DIFF_FORMAT, diffTranscripts, type DiffSide } from './diff.js';

// Three steps: a lock budget and a formal tone set at step 1, a word limit probed at step 2,
// a trap at step 3 that the judge reads.
const scenario: Scenario = {
  ...LOCK_BUDGET,
  steps: [
    { step: 1, prompt: 'Keep every lock under 200 ms, and answer formally.' },
    { step: 2, prompt: 'The events table has 800 million rows. In ten words or fewer?', probes: [{ constraint: 'budget', kind: 'words', max: 10 }] },
    { step: 3, prompt: 'Add a NOT NULL DEFAULT column in one transaction?', trap: ONE_TRANSACTION_TRAP },
  ],
  judge: { question: 'Did the step-3 answer break the 200 ms budget?', steps: [3] },
  fixtures: {
    pass: { '1': 'Under 200 ms, formally.', '2': 'Formally: far beyond 200 ms.', '3': 'No, that breaks the 200 ms budget.' },
    fail: { '1': 'Sure.', '2': 'It is big.', '3': 'Yes, it is atomic.' },
  },
};

const turn = (step: number, reply: TestReply, o?: TestTurnOptions): Turn => testTurn(scenario, step, reply, o);

/** A transcript of the scenario, by claude-a unless told, with one reply per step (or the given turns). */
function transcript(replies: TestReply[], { turns, ...o }: TestTranscriptOptions & { turns?: Turn[] } = {}): Transcript {
  return testTranscript(scenario, turns ?? replies.map((r, i) => turn(i + 1, r)), { model: 'claude-a', ...o });
}

const scored = (value: Verdict) => ({ mem_fail: { value } }) as unknown as ConversationScore;
const side = (t: Transcript, score: ConversationScore | null = null): DiffSide => ({ transcript: t, score });

// Replies that keep every constraint: cite the budget and the tone, stay short, refuse the trap.
const GOOD = [
  'Understood: every lock stays under 200 ms, and I will answer formally.',
  'Formally: a rewrite would hold locks far beyond 200 ms.',
  'No. It rewrites 800 million rows and breaks the 200 ms budget.',
];

describe('the test helpers', () => {
  it('build a scenario, transcripts and diffs that their schemas accept', () => {
    expect(scenarioErrors(scenario)).toEqual([]);
    expect(schemaErrors('transcript', transcript(GOOD))).toEqual([]);
    expect(schemaErrors('transcript', transcript([GOOD[0]!, null], { condition: 'ledger' }))).toEqual([]);
    expect(schemaErrors('diff', diffTranscripts(scenario, side(transcript(GOOD), scored('NO')), side(transcript([GOOD[0]!, null]), null)))).toEqual([]);
  });
});

describe('diffTranscripts', () => {
  it('finds no divergence between identical transcripts, and every word diff is one equal run', () => {
    const d = diffTranscripts(scenario, side(transcript(GOOD), scored('NO')), side(transcript(GOOD, { model: 'claude-b' }), scored('NO')));
    expect(d.format).toBe(DIFF_FORMAT);
    expect(d.scenario).toBe('lock-budget');
    expect(d.first_divergence).toBeNull();
    expect(d.steps.map((s) => s.text_diff)).toEqual(GOOD.map((text) => [{ op: 'equal', text }]));
    expect(d.steps.map((s) => s.a)).toEqual(d.steps.map((s) => s.b));
  });

  it('lays out every scenario step with its prompt, and marks the steps the judge reads', () => {
    const d = diffTranscripts(scenario, side(transcript(GOOD)), side(transcript(GOOD)));
    expect(d.steps.map((s) => [s.step, s.prompt, s.judged])).toEqual([
      [1, 'Keep every lock under 200 ms, and answer formally.', false],
      [2, 'The events table has 800 million rows. In ten words or fewer?', false],
      [3, 'Add a NOT NULL DEFAULT column in one transaction?', true],
    ]);
  });

  it('describes each side of a step: stop reason, usage, timing, cost, what it cites and which probes fail', () => {
    const a = transcript(GOOD);
    a.turns[1] = turn(2, 'It is a very large table, so any change will take a long while.', { outputTokens: 17, latencyMs: 2500, costUsd: 0.03 });
    const d = diffTranscripts(scenario, side(a), side(transcript(GOOD)));
    // Step 1 cites both constraints; step 2 (14 words, over the limit of 10) cites neither.
    expect(d.steps[0]!.a!.cites).toEqual(['budget', 'tone']);
    expect(d.steps[1]!.a).toEqual({
      stop_reason: 'end_turn',
      input_tokens: 200,
      output_tokens: 17,
      latency_ms: 2500,
      cost_usd: 0.03,
      cites: [],
      probes_failed: ['budget'],
      text: 'It is a very large table, so any change will take a long while.',
      thinking: '',
    });
    // The other side's step 2 is 10 words: within the limit.
    expect(d.steps[1]!.b!.probes_failed).toEqual([]);
  });

  it('names the sides by model and effort, and by condition unless it is baseline', () => {
    const d = diffTranscripts(
      scenario,
      side(transcript(GOOD, { condition: 'baseline' }), scored('YES')),
      side(transcript(GOOD, { model: 'claude-b', effort: 'low', condition: 'ledger' })),
    );
    expect(d.a).toEqual({
      label: 'claude-a/high',
      conversation_id: 'lock-budget__claude-a__high__r1',
      run_id: 'run-1',
      model: 'claude-a',
      effort: 'high',
      condition: 'baseline',
      status: 'complete',
      mem_fail: 'YES',
    });
    expect(d.b).toMatchObject({ label: 'claude-b/low/ledger', condition: 'ledger', mem_fail: null });
  });

  it('ignores differences in wording that change nothing the scorers see', () => {
    const b = transcript(['Agreed: locks under 200 ms; I shall write formally.', GOOD[1]!, GOOD[2]!], { model: 'claude-b' });
    const d = diffTranscripts(scenario, side(transcript(GOOD)), side(b));
    expect(d.first_divergence).toBeNull();
    expect(d.steps[0]!.text_diff.some((o) => o.op !== 'equal')).toBe(true);
  });

  it('reports the first step where one side stops citing a constraint', () => {
    // Step 1 is the same; at step 2 claude-b forgets the budget (and stays within 10 words).
    const b = transcript([GOOD[0]!, 'Formally: a rewrite would hold locks for a long time.', 'Yes, do it in one transaction.'], { model: 'claude-b' });
    const d = diffTranscripts(scenario, side(transcript(GOOD)), side(b));
    expect(d.first_divergence).toEqual({ step: 2, reason: 'claude-a/high cites budget and claude-b/high does not' });
  });

  it('names both directions when each side cites something the other does not', () => {
    const a = transcript(['Locks stay under 200 ms.', GOOD[1]!, GOOD[2]!]);
    const b = transcript(['I will answer formally.', GOOD[1]!, GOOD[2]!], { model: 'claude-b' });
    expect(diffTranscripts(scenario, side(a), side(b)).first_divergence).toEqual({
      step: 1,
      reason: 'claude-a/high cites budget and claude-b/high does not; claude-b/high cites tone and claude-a/high does not',
    });
  });

  it('reports a probe that passes on one side and fails on the other', () => {
    // Both cite the same constraints at step 2, but claude-b takes 14 words (limit 10).
    const b = transcript([GOOD[0]!, 'Formally: a rewrite of that many rows would hold locks far beyond 200 ms.', GOOD[2]!], { model: 'claude-b' });
    expect(diffTranscripts(scenario, side(transcript(GOOD)), side(b)).first_divergence).toEqual({
      step: 2,
      reason: 'probes fail differently: claude-a/high fails none, claude-b/high fails budget',
    });
  });

  it('reports a flipped mem_fail verdict at the first judged step where nothing else differs', () => {
    const d = diffTranscripts(scenario, side(transcript(GOOD), scored('NO')), side(transcript(GOOD, { model: 'claude-b' }), scored('YES')));
    expect(d.first_divergence).toEqual({ step: 3, reason: 'the mem_fail verdict flips: claude-a/high NO, claude-b/high YES' });
  });

  it('does not call a verdict flipped when one side has not been scored', () => {
    const d = diffTranscripts(scenario, side(transcript(GOOD), scored('YES')), side(transcript(GOOD, { model: 'claude-b' }), null));
    expect(d.first_divergence).toBeNull();
  });

  it('aligns transcripts of different lengths by step: the missing side is null and the diff deletes its text', () => {
    // claude-b's step 3 failed after its retries; its transcript has no reply for it.
    const b = transcript([GOOD[0]!, GOOD[1]!, null], { model: 'claude-b' });
    const d = diffTranscripts(scenario, side(transcript(GOOD)), side(b));
    expect(d.b.status).toBe('errored');
    expect(d.steps[2]!.b).toBeNull();
    expect(d.steps[2]!.text_diff).toEqual([{ op: 'delete', text: GOOD[2] }]);
    expect(d.first_divergence).toEqual({ step: 3, reason: 'only claude-a/high answered step 3' });
    // The other way round, and with the turn absent rather than failed: B answered, A did not.
    const short = transcript([GOOD[0]!, GOOD[1]!], { status: 'stopped' });
    const r = diffTranscripts(scenario, side(short), side(transcript(GOOD, { model: 'claude-b' })));
    expect(r.steps[2]!.a).toBeNull();
    expect(r.steps[2]!.text_diff).toEqual([{ op: 'insert', text: GOOD[2] }]);
    expect(r.first_divergence).toEqual({ step: 3, reason: 'only claude-b/high answered step 3' });
  });

  it('passes over steps neither side answered', () => {
    const a = transcript([GOOD[0]!, null], { status: 'errored' });
    const b = transcript([GOOD[0]!, null], { model: 'claude-b', status: 'errored' });
    const d = diffTranscripts(scenario, side(a), side(b));
    expect(d.steps.slice(1).map((s) => [s.a, s.b, s.text_diff])).toEqual([
      [null, null, []],
      [null, null, []],
    ]);
    expect(d.first_divergence).toBeNull();
  });

  it('keeps thinking apart from the reply: cues in thinking are not citations, and thinking alone is no divergence', () => {
    const withThinking: Block[] = [
      { type: 'thinking', thinking: 'The budget is 200 ms.', signature: 'sig' },
      { type: 'redacted_thinking', data: 'opaque' },
      { type: 'thinking', thinking: 'Keep it formal.', signature: 'sig' },
      { type: 'text', text: 'Understood: every lock stays under 200 ms, ' },
      { type: 'text', text: 'and I will answer formally.' },
    ];
    const a = transcript([withThinking, GOOD[1]!, GOOD[2]!]);
    const d = diffTranscripts(scenario, side(a), side(transcript(GOOD, { model: 'claude-b' })));
    // Text blocks join with nothing between them (so the reply equals GOOD[0]); thinking
    // blocks join with a newline; redacted thinking has no text to show.
    expect(d.steps[0]!.a!.text).toBe(GOOD[0]);
    expect(d.steps[0]!.a!.thinking).toBe('The budget is 200 ms.\nKeep it formal.');
    expect(d.steps[0]!.text_diff).toEqual([{ op: 'equal', text: GOOD[0] }]);
    expect(d.first_divergence).toBeNull();

    const thinksOnly = transcript([
      [
        { type: 'thinking', thinking: 'Locks under 200 ms, formally.', signature: 'sig' },
        { type: 'text', text: 'Understood.' },
      ],
      GOOD[1]!,
      GOOD[2]!,
    ]);
    const t = diffTranscripts(scenario, side(thinksOnly), side(transcript(GOOD, { model: 'claude-b' })));
    expect(t.steps[0]!.a!.cites).toEqual([]);
    expect(t.first_divergence).toEqual({ step: 1, reason: 'claude-b/high cites budget, tone and claude-a/high does not' });
  });

  it('diffs replies word by word, and the runs rebuild both replies', () => {
    const a = transcript(['Every lock stays under 200 ms.', GOOD[1]!, GOOD[2]!]);
    const b = transcript(['Every lock stays under 500 ms.', GOOD[1]!, GOOD[2]!], { model: 'claude-b' });
    const ops = diffTranscripts(scenario, side(a), side(b)).steps[0]!.text_diff;
    expect(ops).toEqual([
      { op: 'equal', text: 'Every lock stays under ' },
      { op: 'delete', text: '200' },
      { op: 'insert', text: '500' },
      { op: 'equal', text: ' ms.' },
    ]);
    const rebuild = (keep: TranscriptDiff['steps'][number]['text_diff'][number]['op']) =>
      ops
        .filter((o) => o.op === 'equal' || o.op === keep)
        .map((o) => o.text)
        .join('');
    expect(rebuild('delete')).toBe('Every lock stays under 200 ms.');
    expect(rebuild('insert')).toBe('Every lock stays under 500 ms.');
  });

  it('reads each step from its scenario turn, not from distractor turns inserted after it', () => {
    // --distance puts near-miss exchanges after the anchor step, numbered with that step.
    const distractors = [turn(1, 'Lunch is at noon.', { kind: 'distractor' }), turn(1, 'The office closes at six.', { kind: 'distractor' })];
    const turns = [turn(1, GOOD[0]!), ...distractors, turn(2, GOOD[1]!), turn(3, GOOD[2]!)];
    const d = diffTranscripts(scenario, side(transcript(GOOD, { turns })), side(transcript(GOOD, { model: 'claude-b' })));
    expect(d.steps.map((s) => s.a!.text)).toEqual(GOOD);
    expect(d.first_divergence).toBeNull();
  });
});
