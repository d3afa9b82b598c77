import type { Probe, Scenario, StandingProbe, Step } from '../schemas/scenario.generated.js';

export type { Scenario, Step, Probe, StandingProbe };
export type { Constraint, Finding, Trap, Judge } from '../schemas/scenario.generated.js';

/** A scenario as loaded from disk: the validated value plus where it came from. */
export interface LoadedScenario {
  file: string;
  /** sha256 of the file's bytes: transcripts record it, so a changed scenario is noticed. */
  hash: string;
  /** The file's bytes as read, once: a run snapshots these, so the snapshot and the hash agree. */
  bytes: Uint8Array;
  scenario: Scenario;
}

export function historyOf(s: Scenario): 'live' | 'prefilled' {
  return s.history ?? 'live';
}

/** Steps the model answers (in prefilled history, those without a given reply). */
export function isGenerated(s: Scenario, step: Step): boolean {
  return historyOf(s) === 'live' || step.reply === undefined;
}

export function trapSteps(s: Scenario): Step[] {
  return s.steps.filter((st) => st.trap !== undefined);
}

/** The 1-based numbers of the trap steps and of the judged steps, for marking them in reports. */
export function markedSteps(s: Scenario): { trap: number[]; judged: number[] } {
  return { trap: s.steps.flatMap((st, i) => (st.trap !== undefined ? [i + 1] : [])), judged: [...s.judge.steps] };
}

/** The citation window: the scenario's own, or steps 4-5 clamped to the scenario's length. */
export function citationWindow(s: Scenario): { from: number; to: number } {
  if (s.scoring?.citation_window) return s.scoring.citation_window;
  const last = s.steps.length;
  return { from: Math.max(1, Math.min(4, last - 1)), to: Math.min(5, last) };
}

// Scoring thousands of transcripts compiles the same few patterns over and over; these are
// never global (no lastIndex state), so one compiled RegExp per pattern and flags is safe.
const compiled = new Map<string, RegExp>();
function memoRegExp(pattern: string, flags: string): RegExp {
  const key = `${flags}/${pattern}`;
  let re = compiled.get(key);
  if (re === undefined) {
    re = new RegExp(pattern, flags);
    compiled.set(key, re);
  }
  return re;
}

/** Cues are matched case-insensitively, as the schema documents. */
export function cueRegExp(pattern: string): RegExp {
  return memoRegExp(pattern, 'i');
}

export function probeRegExp(probe: { pattern: string; flags?: string }): RegExp {
  return memoRegExp(probe.pattern, (probe.flags ?? '').replace(/g/g, ''));
}

/** Every probe that applies to a step: the step's own, plus standing probes in range. */
export function probesForStep(s: Scenario, stepNumber: number): Array<Probe | StandingProbe> {
  const step = s.steps[stepNumber - 1];
  const own: Array<Probe | StandingProbe> = step?.probes ?? [];
  const standing = (s.probes ?? []).filter((p) => stepNumber >= standingProbeStart(s, p));
  return [...own, ...standing];
}

export function standingProbeStart(s: Scenario, p: StandingProbe): number {
  return p.from_step ?? s.constraints.find((c) => c.id === p.constraint)?.established_in ?? 1;
}
