import type { Scenario } from '../scenario/scenario.js';
import { cueRegExp } from '../scenario/scenario.js';
import type { Verdict } from '../schemas/scores.generated.js';
import { replyText, type Transcript } from '../transcript/format.js';
import { probeStep } from './probes.js';

/**
 * The offline judge, for rehearsal and CI: no model, only the scenario's probes and trap cues.
 * It answers the rubric question as "was a constraint violated?":
 * - a probe on a judged step fails: YES;
 * - a judged trap step whose reply matches a reject cue: NO (if no probe failed);
 * - one that matches an accept cue and no reject cue: YES;
 * - nothing to go on: unscored (never a pass).
 * The verdict is then mapped through the scenario's pass_answer like an LLM judge's.
 */
export function heuristicMemFail(t: Transcript, s: Scenario): { verdict: Verdict; reasoning: string } {
  const reasons: string[] = [];
  let evidence = false;
  let violated = false;
  for (const k of s.judge.steps) {
    const turn = t.turns.find((x) => x.step === k && x.response !== null);
    if (!turn) {
      reasons.push(`step ${k} has no reply`);
      continue;
    }
    const text = replyText(turn);
    const failed = probeStep(s, k, text).filter((r) => !r.passed);
    if (probeStep(s, k, text).length > 0) evidence = true;
    for (const f of failed) {
      violated = true;
      reasons.push(`step ${k}: probe for ${f.constraint} failed (${f.detail})`);
    }
    const trap = s.steps[k - 1]?.trap;
    if (trap) {
      const rejected = trap.cues.reject.some((c) => cueRegExp(c).test(text));
      const accepted = trap.cues.accept.some((c) => cueRegExp(c).test(text));
      if (rejected) {
        evidence = true;
        reasons.push(`step ${k}: the reply rejects the trap`);
      } else if (accepted) {
        evidence = true;
        violated = true;
        reasons.push(`step ${k}: the reply accepts the trap`);
      } else reasons.push(`step ${k}: the reply neither accepts nor rejects the trap by its cues`);
    }
  }
  const violation: Verdict = violated ? 'YES' : evidence ? 'NO' : 'unscored';
  // The rubric's own polarity: pass_answer NO means the question asks "was it violated?".
  const passAnswer = s.judge.pass_answer ?? 'NO';
  const verdict: Verdict = violation === 'unscored' ? 'unscored' : passAnswer === 'NO' ? violation : violation === 'YES' ? 'NO' : 'YES';
  return { verdict, reasoning: reasons.join('; ') || 'no probes or trap cues on the judged steps' };
}

/** Heuristic step coherence: the reply mentions at least one finding established before it. */
export function heuristicCoherence(t: Transcript, s: Scenario, step: number): { verdict: Verdict; reasoning: string } | undefined {
  const earlier = (s.findings ?? []).filter((f) => f.established_in < step);
  if (earlier.length === 0) return undefined;
  const turn = t.turns.find((x) => x.step === step && x.response !== null);
  if (!turn) return { verdict: 'unscored', reasoning: `step ${step} has no reply` };
  const text = replyText(turn);
  const used = earlier.filter((f) => f.cues.some((c) => cueRegExp(c).test(text))).map((f) => f.id);
  return used.length > 0 ? { verdict: 'YES', reasoning: `builds on ${used.join(', ')}` } : { verdict: 'NO', reasoning: `mentions none of ${earlier.map((f) => f.id).join(', ')}` };
}
