// Generated from schemas/report.schema.json by scripts/gen-types.mjs. Do not edit: change the schema and run npm run gen:types.

/**
 * This interface was referenced by `Report`'s JSON-Schema
 * via the `definition` "interval".
 */
export type Interval = null | {
  low: number;
  high: number;
};

/**
 * What `driftbench report --format json` prints: aggregated cells, summaries, paired comparisons and warnings for one or more scored runs. Every other format renders this.
 */
export interface Report {
  format: 'driftbench.report/1';
  generated_at: string;
  /**
   * The scores file (judge id) the report reads.
   */
  judge: string;
  runs: {
    run_id: string;
    dir: string;
    provider: string;
    status: string;
    conversations: number;
  }[];
  /**
   * One row per scenario and cell (model, effort, condition, distance).
   */
  cells: CellStats[];
  summary: {
    by_model: GroupStats[];
    by_effort: GroupStats[];
    by_condition: GroupStats[];
    by_distance: GroupStats[];
    overall: GroupStats;
  };
  comparisons: Comparison[];
  fallback: Fallback;
  warnings: string[];
  gates: {
    expression: string;
    value: number | null;
    failed: boolean;
  }[];
}
/**
 * This interface was referenced by `Report`'s JSON-Schema
 * via the `definition` "cellStats".
 */
export interface CellStats {
  scenario: string;
  cell: CellKey;
  mem_fail: Rates;
  citations_median: number | null;
  /**
   * Median over conversations of total latency.
   */
  latency_median_ms: number | null;
  cost_median_usd: number | null;
  /**
   * What the median conversation would have cost with every cached token priced as input.
   */
  cost_uncached_median_usd?: number | null;
  output_tokens_median: number | null;
  /**
   * Thinking blocks returned, over all conversations of the cell.
   */
  thinking_blocks: number;
  retention_mean: number | null;
  first_drift_median: number | null;
  coherence_mean: number | null;
  /**
   * Step -> median citations of all constraints in that step's reply.
   */
  citations_by_step: {
    [k: string]: number;
  };
  /**
   * Conversation ids in the cell.
   */
  conversations: string[];
  /**
   * Conversations of this scenario and cell with a turn answered by another model than the one requested: counted in the figures, or left out of them (and of `conversations`) under --exclude-fallback (see fallback.mode).
   */
  fallback_conversations: number;
}
/**
 * This interface was referenced by `Report`'s JSON-Schema
 * via the `definition` "cellKey".
 */
export interface CellKey {
  model: string;
  effort: string;
  condition: string;
  distance: number;
}
/**
 * This interface was referenced by `Report`'s JSON-Schema
 * via the `definition` "rates".
 */
export interface Rates {
  /**
   * Conversations with a YES/NO mem_fail verdict.
   */
  n: number;
  failed: number;
  rate: number | null;
  /**
   * 95% Wilson interval of the mem_fail rate.
   */
  ci95: null | {
    low: number;
    high: number;
  };
  unscored: number;
  /**
   * Conversations that errored, were refused, cut off or never finished.
   */
  not_finished: number;
}
/**
 * This interface was referenced by `Report`'s JSON-Schema
 * via the `definition` "groupStats".
 */
export interface GroupStats {
  group: string;
  mem_fail: Rates;
  latency_median_ms: number | null;
  cost_median_usd: number | null;
  cost_total_usd?: number | null;
  cost_uncached_total_usd?: number | null;
  citations_median: number | null;
  output_tokens_median: number | null;
}
/**
 * This interface was referenced by `Report`'s JSON-Schema
 * via the `definition` "comparison".
 */
export interface Comparison {
  axis: 'model' | 'effort' | 'condition' | 'distance';
  a: CellKey;
  b: CellKey;
  /**
   * Conversations paired by scenario and repeat, both with a verdict.
   */
  pairs: number;
  a_failed: number;
  b_failed: number;
  /**
   * Pairs where only A failed (McNemar's b).
   */
  only_a: number;
  /**
   * Pairs where only B failed (McNemar's c).
   */
  only_b: number;
  /**
   * Exact two-sided McNemar p-value.
   */
  p_value: number;
  /**
   * p < 0.05.
   */
  significant: boolean;
  pairs_needed: number | null;
  /**
   * About how many repeats per scenario a paired test needs to detect the observed difference (alpha 0.05, power 0.8).
   */
  repeats_needed: number | null;
  /**
   * Paired conversations, on either side, with a turn answered by another model than the one requested; the sentence says so when there are any. 0 under --exclude-fallback.
   */
  fallback_conversations: number;
  /**
   * The comparison in plain words.
   */
  sentence: string;
}
/**
 * Turns answered by another model than the one requested (a server-side fallback). Another name for the same model (an alias and its dated id, an OpenRouter id) is not one: names are compared through the model profiles and the ids the run's Models API gave.
 *
 * This interface was referenced by `Report`'s JSON-Schema
 * via the `definition` "fallback".
 */
export interface Fallback {
  /**
   * included: such conversations count in every figure, and each comparison that contains some says so. excluded (--exclude-fallback): they are left out of every figure, comparison, warning count and gate, whole, because the turns after a fallback build on its answer.
   */
  mode: 'included' | 'excluded';
  /**
   * One entry per cell (model, effort, condition, distance) with such turns.
   */
  cells: FallbackCell[];
  conversations: FallbackConversation[];
}
/**
 * This interface was referenced by `Report`'s JSON-Schema
 * via the `definition` "fallbackCell".
 */
export interface FallbackCell {
  cell: CellKey;
  /**
   * Conversations with at least one such turn.
   */
  conversations: number;
  turns: number;
  /**
   * The models that answered instead, as the provider named them.
   */
  answered_by: string[];
}
/**
 * This interface was referenced by `Report`'s JSON-Schema
 * via the `definition` "fallbackConversation".
 */
export interface FallbackConversation {
  run_id: string;
  conversation_id: string;
  scenario: string;
  cell: CellKey;
  /**
   * The model as sent (the transcript's model_requested).
   */
  requested: string;
  /**
   * The turns another model answered, at least one.
   */
  turns: {
    step: number;
    answered_by: string;
  }[];
}
