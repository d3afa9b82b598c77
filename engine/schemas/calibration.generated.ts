// Generated from schemas/calibration.schema.json by scripts/gen-types.mjs. Do not edit: change the schema and run npm run gen:types.

/**
 * This interface was referenced by `Calibration`'s JSON-Schema
 * via the `definition` "interval".
 */
export type Interval = null | {
  low: number;
  high: number;
};

/**
 * What `driftbench calibrate --labels FILE --format json` prints: a judge's mem_fail verdicts against people's on a labelled set. Sensitivity and specificity carry their counts, so that a report can correct a mem_fail rate for the judge's errors (Rogan-Gladen: (rate + specificity - 1) / (sensitivity + specificity - 1)).
 */
export interface Calibration {
  format: 'driftbench.calibration/1';
  engine_version: string;
  calibrated_at: string;
  labels: {
    /**
     * The labels file, as given on the command line.
     */
    file: string;
    /**
     * sha256 of the labels file's bytes: which labelled set these figures come from.
     */
    sha256: string;
    count: number;
  };
  judge: JudgeConfig;
  confusion: Confusion;
  /**
   * Labelled transcripts the judge gave no verdict (a tie, or no vote that scored). Counted in `confusion`, left out of sensitivity, specificity, agreement and kappa.
   */
  unscored: number;
  sensitivity: Proportion;
  specificity: Proportion1;
  agreement: Proportion2;
  kappa: Kappa;
  /**
   * Agreement per cell of the runs the transcripts come from (model, effort, condition, distance).
   */
  cells: CellAgreement[];
  /**
   * Every label, in the labels file's order, with the judge's verdict.
   */
  items: Item[];
}
export interface JudgeConfig {
  /**
   * File-name safe name of this judge configuration; the scores file is scores/<id>.json.
   */
  id: string;
  kind: 'heuristic' | 'llm';
  models: string[];
  samples: number;
  /**
   * The judge model asked only when the votes tie (--judge-tie-break); its vote decides. Absent: a tie is unscored.
   */
  tie_break?: string;
  provider?: string | null;
  base_url_host?: string | null;
}
/**
 * The judge's mem_fail verdicts on the transcripts people labelled YES, and on those they labelled NO.
 *
 * This interface was referenced by `Calibration`'s JSON-Schema
 * via the `definition` "confusion".
 */
export interface Confusion {
  human_yes: JudgeVerdicts;
  human_no: JudgeVerdicts;
}
/**
 * This interface was referenced by `Calibration`'s JSON-Schema
 * via the `definition` "judgeVerdicts".
 */
export interface JudgeVerdicts {
  judge_yes: number;
  judge_no: number;
  unscored: number;
}
/**
 * Judge YES among the transcripts people labelled YES that the judge scored: k = judge YES, n = judge YES + judge NO.
 */
export interface Proportion {
  k: number;
  n: number;
  /**
   * k / n; null when n is 0.
   */
  value: number | null;
  /**
   * 95% Wilson interval; null when n is 0.
   */
  ci95: null | {
    low: number;
    high: number;
  };
}
/**
 * Judge NO among the transcripts people labelled NO that the judge scored: k = judge NO, n = judge YES + judge NO.
 */
export interface Proportion1 {
  k: number;
  n: number;
  /**
   * k / n; null when n is 0.
   */
  value: number | null;
  /**
   * 95% Wilson interval; null when n is 0.
   */
  ci95: null | {
    low: number;
    high: number;
  };
}
/**
 * Transcripts where the judge's verdict is the person's, among those the judge scored.
 */
export interface Proportion2 {
  k: number;
  n: number;
  /**
   * k / n; null when n is 0.
   */
  value: number | null;
  /**
   * 95% Wilson interval; null when n is 0.
   */
  ci95: null | {
    low: number;
    high: number;
  };
}
/**
 * This interface was referenced by `Calibration`'s JSON-Schema
 * via the `definition` "kappa".
 */
export interface Kappa {
  /**
   * Cohen's kappa between the judge and people, over the n transcripts the judge scored; null when n is 0.
   */
  value: number | null;
  n: number;
  /**
   * The 2.5th and 97.5th percentiles of kappa over `draws` resamples of the scored transcripts (with replacement); null when n is 0.
   */
  ci95: null | {
    low: number;
    high: number;
  };
  /**
   * Scenarios are resampled when the labelled set spans at least 5 of them; with fewer, too few to resample, transcripts are, and this says so.
   */
  method: 'percentile bootstrap' | 'percentile cluster bootstrap over scenarios';
  draws: number;
  /**
   * The seed of the resampling: the same labels and verdicts give the same interval.
   */
  seed: number;
}
/**
 * This interface was referenced by `Calibration`'s JSON-Schema
 * via the `definition` "cellAgreement".
 */
export interface CellAgreement {
  cell: CellKey;
  labelled: number;
  confusion: Confusion;
  agreement: Proportion3;
}
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
 * This interface was referenced by `Calibration`'s JSON-Schema
 * via the `definition` "proportion".
 */
export interface Proportion3 {
  k: number;
  n: number;
  /**
   * k / n; null when n is 0.
   */
  value: number | null;
  /**
   * 95% Wilson interval; null when n is 0.
   */
  ci95: null | {
    low: number;
    high: number;
  };
}
/**
 * This interface was referenced by `Calibration`'s JSON-Schema
 * via the `definition` "item".
 */
export interface Item {
  /**
   * The label's line in the labels file.
   */
  line: number;
  /**
   * The transcript path as the label gives it.
   */
  transcript: string;
  conversation_id: string;
  scenario_id: string;
  cell: CellKey;
  human: 'YES' | 'NO';
  /**
   * The judge's mem_fail verdict (after the scenario's pass_answer), as `score` would record it.
   */
  judge: 'YES' | 'NO' | 'unscored';
  labeller?: string;
}
