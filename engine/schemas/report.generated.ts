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
   * The comparison in plain words.
   */
  sentence: string;
}
