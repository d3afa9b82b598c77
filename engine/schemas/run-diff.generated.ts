// Generated from schemas/run-diff.schema.json by scripts/gen-types.mjs. Do not edit: change the schema and run npm run gen:types.

/**
 * What `driftbench diff RUN_A RUN_B --format json` prints for two run directories: a summary (the pairs compared, the conversations left unmatched on each side, the mem_fail verdict flips by scenario), every pair with what changed, and the step-aligned diffs of the pairs shown (the changed ones, flips first; every pair with --all).
 */
export interface RunDiff {
  format: 'driftbench.run-diff/1';
  a: Run;
  b: Run;
  /**
   * How conversations were paired: the same scenario, repeat and cell (a rerun); else the same scenario, repeat, effort and condition (a model comparison); else scenario and repeat alone. Each conversation is in at most one pair.
   */
  matched_by: 'cell' | 'scenario-repeat-effort-condition' | 'scenario-repeat';
  summary: {
    /**
     * Pairs compared.
     */
    compared: number;
    /**
     * Pairs whose change is not none.
     */
    changed: number;
    by_change: {
      flip: number;
      divergence: number;
      text: number;
      none: number;
    };
    /**
     * Conversation ids on each side with no partner on the other.
     */
    unmatched: {
      a: string[];
      b: string[];
    };
    /**
     * One entry per scenario with at least one pair, in scenario order.
     */
    flips_by_scenario: {
      scenario: string;
      pairs: number;
      /**
       * Pairs with a YES or NO verdict on both sides: only these can flip.
       */
      scored: number;
      /**
       * A failed (mem_fail YES), B did not.
       */
      yes_to_no: number;
      /**
       * A did not fail, B did (mem_fail YES).
       */
      no_to_yes: number;
    }[];
  };
  /**
   * Every pair, flips first, then divergences, then text changes, then unchanged pairs.
   */
  pairs: Pair[];
  /**
   * changed: diffs holds the pairs whose change is not none; all (--all): every pair.
   */
  shown: 'changed' | 'all';
  /**
   * In the order of pairs.
   */
  diffs: TranscriptDiff[];
}
/**
 * This interface was referenced by `RunDiff`'s JSON-Schema
 * via the `definition` "run".
 */
export interface Run {
  /**
   * The path as given on the command line.
   */
  input: string;
  run_id: string | null;
  conversations: number;
}
/**
 * This interface was referenced by `RunDiff`'s JSON-Schema
 * via the `definition` "pair".
 */
export interface Pair {
  scenario: string;
  /**
   * A's conversation id.
   */
  a: string;
  /**
   * B's conversation id.
   */
  b: string;
  /**
   * flip: the mem_fail verdict is YES on one side and NO on the other. divergence: no flip, but a divergence that matters (one side answers a step the other does not, cites a constraint the other does not, or fails a probe the other passes). text: neither, but some step's reply differs. none: every reply is the same word for word and no verdict flips (thinking is not compared).
   */
  change: 'flip' | 'divergence' | 'text' | 'none';
  mem_fail_a: 'YES' | 'NO' | 'unscored' | null;
  mem_fail_b: 'YES' | 'NO' | 'unscored' | null;
}
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
  /**
   * This interface was referenced by `TranscriptDiff`'s JSON-Schema
   * via the `definition` "stepSide".
   */
  a: null | {
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
   * This interface was referenced by `TranscriptDiff`'s JSON-Schema
   * via the `definition` "stepSide".
   */
  b: null | {
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
   * Word-level diff from a's reply to b's reply.
   */
  text_diff: {
    op: 'equal' | 'delete' | 'insert';
    text: string;
  }[];
}
