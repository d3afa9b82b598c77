import { createHash } from 'node:crypto';
import type { Scenario } from '../scenario/scenario.js';
import { isGenerated } from '../scenario/scenario.js';
import type { ConversationScore, Judged, Verdict } from '../schemas/scores.generated.js';
import { replyText, type Transcript } from '../transcript/format.js';
import type { Judge } from './judge.js';
import { probeStep } from './probes.js';
import { scoreCitations, scoreCost, scoreFirstDrift, scoreLatency, scoreSelfCorrections, type Prices } from './text-scorers.js';

export interface ScoreOptions {
  /** Judge step coherence (one judge call per step with an LLM judge). */
  coherence: boolean;
  /** The model's prices, for the cost it would have had without prompt caching. */
  prices?: Prices;
}

/** mem_fail from the judge's answer: YES when the answer differs from the rubric's pass answer. */
export function memFailValue(judgeVerdict: Verdict, passAnswer: 'YES' | 'NO'): Verdict {
  return judgeVerdict === 'unscored' ? 'unscored' : judgeVerdict === passAnswer ? 'NO' : 'YES';
}

/**
 * Which constraints the final answer honours. A constraint with probes on the final step is
 * judged by them; one the final step's trap tests is judged by the mem_fail verdict; any other
 * is unknown and left out of the fraction rather than counted as kept.
 */
export function constraintRetention(t: Transcript, s: Scenario, memFail: Verdict): ConversationScore['constraint_retention'] {
  const lastStep = [...s.steps].reverse().find((st) => isGenerated(s, st));
  const turn = lastStep && t.turns.find((x) => x.step === lastStep.step && x.response !== null);
  if (!lastStep || !turn) return { value: null, step: lastStep?.step ?? null, honoured: [], violated: [], unknown: s.constraints.map((c) => c.id) };
  const results = probeStep(s, lastStep.step, replyText(turn));
  const honoured: string[] = [];
  const violated: string[] = [];
  const unknown: string[] = [];
  for (const c of s.constraints) {
    const mine = results.filter((r) => r.constraint === c.id);
    if (mine.length > 0) (mine.every((r) => r.passed) ? honoured : violated).push(c.id);
    else if (lastStep.trap?.violates.includes(c.id) && memFail !== 'unscored') (memFail === 'YES' ? violated : honoured).push(c.id);
    else unknown.push(c.id);
  }
  const judged = honoured.length + violated.length;
  return { value: judged === 0 ? null : honoured.length / judged, step: lastStep.step, honoured, violated, unknown };
}

/**
 * Whether a conversation's judged steps can be judged: `refused` when the model refused at one
 * of them, `no_reply` when none of them was answered, else `judged` (a later step's failure or
 * cut-off does not take away the verdict on the steps that were answered).
 */
export function judgedOutcome(t: Transcript, s: Scenario): 'judged' | 'refused' | 'no_reply' {
  const turns = s.judge.steps.map((k) => t.turns.find((x) => x.step === k && x.kind !== 'distractor' && x.response !== null));
  if (turns.some((x) => x?.response?.stop_reason === 'refusal')) return 'refused';
  return turns.some((x) => x !== undefined) ? 'judged' : 'no_reply';
}

/** Every scorer on one transcript. Pure but for the judge, which the caller injects. */
export async function scoreConversation(t: Transcript, s: Scenario, text: string, judge: Judge, o: ScoreOptions): Promise<ConversationScore> {
  const passAnswer = s.judge.pass_answer ?? 'NO';
  // A judged reply that exists is judged, even when the conversation stopped later; a refusal at
  // a judged step is an outcome of its own; with no judged reply there is nothing to ask.
  const outcome = judgedOutcome(t, s);
  const judged: Judged = outcome === 'judged' ? await judge.memFail(t, s) : { verdict: 'unscored', votes: [] };
  const mem = memFailValue(judged.verdict, passAnswer);
  const by_step: Record<string, Judged> = {};
  if (o.coherence) {
    for (const turn of t.turns) {
      if (turn.kind !== 'generated' || turn.response === null || turn.step < 2) continue;
      const c = await judge.coherence(t, s, turn.step);
      if (c) by_step[String(turn.step)] = c;
    }
  }
  const scored = Object.values(by_step).filter((j) => j.verdict !== 'unscored');
  return {
    conversation_id: t.conversation_id,
    scenario_id: s.id,
    ...(s.family !== undefined ? { family: s.family } : {}),
    cell: t.cell,
    status: t.status,
    ...(t.imported ? { imported: true } : {}),
    transcript_sha256: createHash('sha256').update(text).digest('hex'),
    mem_fail: { value: mem, judge_verdict: judged.verdict, pass_answer: passAnswer, steps: s.judge.steps, judged, outcome },
    citations: scoreCitations(t, s),
    self_corrections: scoreSelfCorrections(t, s),
    constraint_retention: constraintRetention(t, s, mem),
    first_drift_step: scoreFirstDrift(t, s),
    step_coherence: { value: scored.length === 0 ? null : scored.filter((j) => j.verdict === 'YES').length / scored.length, by_step },
    latency: scoreLatency(t),
    cost: scoreCost(t, o.prices),
  };
}
