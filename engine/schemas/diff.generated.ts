// Generated from schemas/diff.schema.json by scripts/gen-types.mjs. Do not edit: change the schema and run npm run gen:types.

/**
 * This interface was referenced by `TranscriptDiff`'s JSON-Schema
 * via the `definition` "stepSide".
 */
export type StepSide = null | {
  stop_reason: string | null;
  input_tokens: number;
  output_tokens: number;
  latency_ms: number | null;
  cost_usd: number | null;
  /**
   * Constraint ids this reply cites.
   */
  cites: string[];
  /**
   * Constraint ids whose probes fail on this reply.
   */
  probes_failed: string[];
  text: string;
  thinking: string;
};

/**
 * What `driftbench diff --format json` prints for one pair of transcripts of the same scenario: a step-aligned comparison, the first divergence that matters, and a word-level diff of each step's reply.
 */
export interface TranscriptDiff {
  format: 'driftbench.diff/1';
  scenario: string;
  a: Side;
  b: Side;
  /**
   * The first step where the sides diverge in a way that matters: one cites a constraint the other stops citing, or a verdict flips.
   */
  first_divergence: null | {
    step: number;
    reason: string;
  };
  steps: Step[];
}
/**
 * This interface was referenced by `TranscriptDiff`'s JSON-Schema
 * via the `definition` "side".
 */
export interface Side {
  /**
   * How the side is named in output, e.g. claude-opus-4-7/high.
   */
  label: string;
  conversation_id: string;
  run_id: string;
  model: string;
  effort: string;
  condition?: string;
  status: string;
  /**
   * From the run's scores, when it has been scored.
   */
  mem_fail: 'YES' | 'NO' | 'unscored' | null;
}
/**
 * This interface was referenced by `TranscriptDiff`'s JSON-Schema
 * via the `definition` "step".
 */
export interface Step {
  step: number;
  prompt: string;
  /**
   * The judge reads this step.
   */
  judged: boolean;
  a: StepSide;
  b: StepSide;
  /**
   * Word-level diff from a's reply to b's reply.
   */
  text_diff: {
    op: 'equal' | 'delete' | 'insert';
    text: string;
  }[];
}
