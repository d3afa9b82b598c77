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
    /**
     * The run's conversations, as its manifest counts them (counts.conversations).
     */
    conversations: number;
    /**
     * Of them, the conversations the scores file read holds, which are all this report covers of the run. Fewer than conversations: the report is partial, and --fail-if gates are refused unless --allow-partial.
     */
    scored: number;
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
    /**
     * Per family (a template and its instances); present when some family has several instances.
     */
    by_family?: GroupStats[];
    overall: GroupStats;
  };
  comparisons: Comparison[];
  fallback: Fallback;
  warnings: string[];
  gates: {
    expression: string;
    value: number | null;
    /**
     * The 95% interval the decision is made on, for rate and comparison gates.
     */
    interval: Interval | null;
    /**
     * fail: the whole interval is on the failing side (or, without an interval, the value is); pass: the whole interval is on the passing side; inconclusive: it straddles the threshold, or the value is unknown.
     */
    decision: 'pass' | 'fail' | 'inconclusive';
    /**
     * What the exit code follows: decision fail, or inconclusive under --fail-if-inconclusive, or a gate over no data, or a gate refused because the report does not cover every conversation of its runs (without --allow-partial).
     */
    failed: boolean;
    why?: string;
  }[];
  trends: Trend[];
  comparison_family: {
    /**
     * Comparisons and trends the Holm adjustment runs over (the primary comparison excluded).
     */
    size: number;
    adjustment: string;
    /**
     * The comparison declared with --primary, when there is one.
     */
    primary: string | null;
  };
  /**
   * Conversations without a mem_fail verdict, by reason, overall and per cell.
   */
  missing: {
    by_reason: {
      [k: string]: number;
    };
    by_cell: {
      cell: CellKey;
      by_reason: {
        [k: string]: number;
      };
    }[];
  };
  methods: {
    rate: string;
    comparison: string;
    trend: string;
    multiplicity: string;
    /**
     * Present when the rows mix instances of several templates: the family is the cluster.
     */
    cluster?: string;
  };
  /**
   * With --judge-calibration: the labelled-set calibration the corrected rates use.
   */
  judge_correction?: {
    calibration: string;
    labels_sha256: string;
    judge: string;
    sensitivity: {
      value: number | null;
      ci95: Interval | null;
    };
    specificity: {
      value: number | null;
      ci95: Interval | null;
    };
    method: string;
  };
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
   * The conversations counted, as run_id/conversation_id, so that several runs of one cell list each once.
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
  /**
   * tokens: `distance` is a token budget of near-miss padding (--distance 50k); absent: a count of distractor exchanges.
   */
  distance_unit?: 'tokens';
}
/**
 * mem_fail across scenarios. Scenarios are the unit of evidence: the rate is the mean of the per-scenario rates, and its interval is over scenarios.
 *
 * This interface was referenced by `Report`'s JSON-Schema
 * via the `definition` "rates".
 */
export interface Rates {
  /**
   * Scenarios with at least one verdict.
   */
  S: number;
  /**
   * Conversations with a YES/NO mem_fail verdict (judged replies count whether or not the conversation finished).
   */
  n: number;
  failed: number;
  /**
   * The mean of the per-scenario failure rates.
   */
  rate: number | null;
  /**
   * 95% interval of the rate: a t interval over the S scenario rates (S-1 df), or Wilson over the repeats of a single scenario; method says which.
   */
  ci95: Interval | null;
  method: string;
  /**
   * failed / n, for reference only: it weighs scenarios by their repeats and has no valid interval.
   */
  pooled_rate: number | null;
  /**
   * Judged conversations whose judge gave no verdict.
   */
  unscored: number;
  /**
   * Conversations the model refused at a judged step: an outcome of its own, neither pass nor failure.
   */
  refused: number;
  /**
   * Conversations that stopped before any judged step was answered.
   */
  no_reply: number;
  /**
   * Conversations that errored, were refused, cut off or never finished (judged or not).
   */
  not_finished: number;
  /**
   * When any conversation has no verdict: the rate counting every one of them as a pass (best) and as a failure (worst), by scenario as the rate is.
   */
  bounds: {
    best: number | null;
    worst: number | null;
  } | null;
  /**
   * With --judge-calibration: the rate corrected for the judge's measured error (Rogan-Gladen), and its interval widened to cover the uncertainty of the judge's sensitivity and specificity as well as the rate's.
   */
  corrected?: {
    rate: number | null;
    ci95: Interval | null;
  };
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
   * Scenarios both cells answered with verdicts: the pairs.
   */
  S: number;
  n_a: number;
  n_b: number;
  a_failed: number;
  b_failed: number;
  /**
   * Mean per-scenario rate of A over the paired scenarios.
   */
  a_rate: number | null;
  b_rate: number | null;
  /**
   * Mean over the paired scenarios of (rate A - rate B).
   */
  diff: number | null;
  /**
   * Paired t interval of diff over scenarios (S-1 df).
   */
  ci95: Interval | null;
  /**
   * Exact sign-flip permutation test over scenarios; never pairs by repeat.
   */
  p_value: number | null;
  /**
   * Holm-adjusted over the report's family of comparisons and trends; the primary comparison is not adjusted.
   */
  p_adjusted: number | null;
  /**
   * p_adjusted < 0.05.
   */
  significant: boolean;
  test: string;
  /**
   * Declared in advance with --primary: reported first, unadjusted.
   */
  primary: boolean;
  /**
   * Cochran-Mantel-Haenszel over these scenarios as strata: a narrower claim, on these scenarios only.
   */
  cmh: {
    p: number | null;
    odds_ratio: number | null;
  };
  /**
   * Conversations on either side, in the paired scenarios, with a turn answered by another model than the one requested; the sentence says so when there are any. 0 under --exclude-fallback.
   */
  fallback_conversations: number;
  /**
   * The comparison in plain words: the cells, S and n, the adjusted p, the interval of the difference, and what the data can and cannot support.
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
/**
 * mem_fail against distance for one model, effort and condition: per-scenario slopes, tested over scenarios.
 *
 * This interface was referenced by `Report`'s JSON-Schema
 * via the `definition` "trend".
 */
export interface Trend {
  cell: {
    model: string;
    effort: string;
    condition: string;
  };
  distances: number[];
  S: number;
  /**
   * Change in failure rate per distractor exchange, mean over scenarios.
   */
  slope: number | null;
  ci95: Interval | null;
  p_value: number | null;
  p_adjusted: number | null;
  significant: boolean;
  test: string;
  sentence: string;
}
