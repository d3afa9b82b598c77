import { isGenerated, type LoadedScenario } from '../scenario/scenario.js';
import type { Verdict } from '../schemas/scores.generated.js';
import { completedTranscript, type Transcript, type Turn } from '../transcript/format.js';
import { cohensKappa } from './agreement.js';
import type { Judge } from './judge.js';
import { memFailValue } from './score-conversation.js';

export interface FixtureRow {
  scenario: string;
  /** mem_fail the judge gave the pass fixture (expected NO) and the fail fixture (expected YES). */
  pass: Verdict;
  fail: Verdict;
  correct: number;
  total: number;
  accuracy: number;
  kappa: number | null;
  /** The judge misclassified this scenario's own fixtures: fix the rubric or the fixture. */
  flagged: boolean;
}

export interface FixtureSmokeTest {
  judge: string;
  rows: FixtureRow[];
  accuracy: number;
  kappa: number | null;
  flagged: string[];
}

const ZERO = { input_tokens: 0, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, thinking_tokens: null };

/** A transcript made of a scenario's fixture replies, as if a model had given them. */
export function fixtureTranscript(l: LoadedScenario, variant: 'pass' | 'fail'): Transcript {
  const s = l.scenario;
  const turns: Turn[] = s.steps.map((st) => {
    const text = isGenerated(s, st) ? (s.fixtures?.[variant][String(st.step)] ?? '') : (st.reply ?? '');
    return {
      step: st.step,
      kind: isGenerated(s, st) ? 'generated' : 'prefilled',
      user: st.prompt,
      request: { params: {}, message_count: 0, messages_sha256: '0'.repeat(64), dropped: [], requested: { effort: 'standard', thinking: 'none' } },
      response: { id: null, model: `fixture:${variant}`, content: [{ type: 'text', text }], stop_reason: 'end_turn', stop_details: null, usage: ZERO },
      timing: { started_at: null, ttft_ms: null, latency_ms: null },
      attempts: [],
      cost_usd: 0,
      error: null,
    };
  });
  return completedTranscript({
    runId: 'calibration',
    conversationId: `${s.id}__fixture_${variant}`,
    scenario: { id: s.id, hash: l.hash, title: s.title },
    system: s.system ?? null,
    cell: { model: `fixture:${variant}`, effort: 'standard', repeat: 1 },
    provider: 'fixtures',
    turns,
  });
}

/**
 * The fixture smoke test: a judge on every scenario's pass and fail fixtures. The pass fixture
 * must get mem_fail NO and the fail fixture YES; a scenario whose judge gets its own fixtures
 * wrong is flagged, because no run of it can be trusted until the rubric or the fixture is fixed.
 *
 * A smoke test, not a measure of the judge: the fixtures are written to be clear-cut, and with
 * one YES and one NO per scenario the expected labels are half YES, so whenever every fixture
 * gets a verdict, chance agreement is exactly 1/2 and kappa is 2 x accuracy - 1: it says nothing
 * accuracy does not. How far a judge can be trusted is measured against people's verdicts on
 * real transcripts: `calibrate --labels` (calibrate-labels.ts).
 */
export async function fixtureSmokeTest(suite: readonly LoadedScenario[], judge: Judge): Promise<FixtureSmokeTest> {
  const rows: FixtureRow[] = [];
  const expected: Verdict[] = [];
  const got: Verdict[] = [];
  for (const l of suite.filter((x) => x.scenario.fixtures !== undefined)) {
    const passAnswer = l.scenario.judge.pass_answer ?? 'NO';
    const verdict = async (variant: 'pass' | 'fail') => memFailValue((await judge.memFail(fixtureTranscript(l, variant), l.scenario)).verdict, passAnswer);
    const pass = await verdict('pass');
    const fail = await verdict('fail');
    const exp: Verdict[] = ['NO', 'YES'];
    const correct = Number(pass === 'NO') + Number(fail === 'YES');
    expected.push(...exp);
    got.push(pass, fail);
    rows.push({ scenario: l.scenario.id, pass, fail, correct, total: 2, accuracy: correct / 2, kappa: cohensKappa(exp, [pass, fail]), flagged: correct < 2 });
  }
  return {
    judge: judge.config.id,
    rows,
    accuracy: got.length ? got.filter((v, i) => v === expected[i]).length / got.length : 0,
    kappa: cohensKappa(expected, got),
    flagged: rows.filter((r) => r.flagged).map((r) => r.scenario),
  };
}
