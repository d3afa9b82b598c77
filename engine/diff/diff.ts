import { diffWords } from 'diff';
import { cueRegExp, type Scenario } from '../scenario/scenario.js';
import type { StepSide, TranscriptDiff } from '../schemas/diff.generated.js';
import type { ConversationScore } from '../schemas/scores.generated.js';
import { replyText, thinkingText, type Transcript } from '../transcript/format.js';
import { probeStep } from '../score/probes.js';

export const DIFF_FORMAT = 'driftbench.diff/1';

export interface DiffSide {
  transcript: Transcript;
  score: ConversationScore | null;
}

function cites(s: Scenario, text: string): string[] {
  return s.constraints.filter((c) => c.cues.some((cue) => cueRegExp(cue).test(text))).map((c) => c.id);
}

function stepSide(s: Scenario, t: Transcript, step: number): StepSide {
  const turn = t.turns.find((x) => x.step === step && x.response !== null);
  if (!turn?.response) return null;
  const text = replyText(turn);
  return {
    stop_reason: turn.response.stop_reason,
    input_tokens: turn.response.usage.input_tokens,
    output_tokens: turn.response.usage.output_tokens,
    latency_ms: turn.timing.latency_ms,
    cost_usd: turn.cost_usd,
    cites: cites(s, text),
    probes_failed: [
      ...new Set(
        probeStep(s, step, text)
          .filter((r) => !r.passed)
          .map((r) => r.constraint),
      ),
    ],
    text,
    thinking: thinkingText(turn),
  };
}

const sideLabel = (t: Transcript) => `${t.cell.model}/${t.cell.effort}${t.cell.condition && t.cell.condition !== 'baseline' ? `/${t.cell.condition}` : ''}`;

/**
 * A step-aligned diff of two transcripts of one scenario: per step both sides' stop reason,
 * tokens, latency, cost, the constraints each cites and the probes each fails; the first step
 * where they diverge in a way that matters; and a word-level diff of the replies. Pure.
 */
export function diffTranscripts(scenario: Scenario, a: DiffSide, b: DiffSide): TranscriptDiff {
  const steps: TranscriptDiff['steps'] = scenario.steps.map((st) => {
    const sa = stepSide(scenario, a.transcript, st.step);
    const sb = stepSide(scenario, b.transcript, st.step);
    const text_diff = diffWords(sa?.text ?? '', sb?.text ?? '').map((c) => ({
      op: c.added ? ('insert' as const) : c.removed ? ('delete' as const) : ('equal' as const),
      text: c.value,
    }));
    return { step: st.step, prompt: st.prompt, judged: scenario.judge.steps.includes(st.step), a: sa, b: sb, text_diff };
  });
  const side = (d: DiffSide): TranscriptDiff['a'] => ({
    label: sideLabel(d.transcript),
    conversation_id: d.transcript.conversation_id,
    run_id: d.transcript.run_id,
    model: d.transcript.cell.model,
    effort: d.transcript.cell.effort,
    ...(d.transcript.cell.condition ? { condition: d.transcript.cell.condition } : {}),
    status: d.transcript.status,
    mem_fail: d.score?.mem_fail.value ?? null,
  });
  return { format: DIFF_FORMAT, scenario: scenario.id, a: side(a), b: side(b), steps, first_divergence: firstDivergence(steps, a, b) };
}

/**
 * The first step where the sides diverge in a way that matters: one side answers and the other
 * does not, one cites a constraint the other does not (or stops citing it), a probe passes on one
 * side and fails on the other, or, at a judged step, the mem_fail verdicts differ.
 */
export function firstDivergence(steps: TranscriptDiff['steps'], a: DiffSide, b: DiffSide): TranscriptDiff['first_divergence'] {
  const la = sideLabel(a.transcript);
  const lb = sideLabel(b.transcript);
  for (const st of steps) {
    if (!st.a !== !st.b) return { step: st.step, reason: `only ${st.a ? la : lb} answered step ${st.step}` };
    if (!st.a || !st.b) continue;
    const onlyA = st.a.cites.filter((c) => !st.b!.cites.includes(c));
    const onlyB = st.b.cites.filter((c) => !st.a!.cites.includes(c));
    if (onlyA.length || onlyB.length) {
      const parts = [onlyA.length && `${la} cites ${onlyA.join(', ')} and ${lb} does not`, onlyB.length && `${lb} cites ${onlyB.join(', ')} and ${la} does not`].filter(Boolean);
      return { step: st.step, reason: parts.join('; ') };
    }
    const pa = st.a.probes_failed.join(',');
    const pb = st.b.probes_failed.join(',');
    if (pa !== pb) return { step: st.step, reason: `probes fail differently: ${la} fails ${pa || 'none'}, ${lb} fails ${pb || 'none'}` };
    const va = a.score?.mem_fail.value;
    const vb = b.score?.mem_fail.value;
    if (st.judged && va && vb && va !== vb) return { step: st.step, reason: `the mem_fail verdict flips: ${la} ${va}, ${lb} ${vb}` };
  }
  return null;
}
