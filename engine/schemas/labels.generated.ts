// Generated from schemas/labels.schema.json by scripts/gen-types.mjs. Do not edit: change the schema and run npm run gen:types.

/**
 * One line of a labelled set, a JSONL file read by `driftbench calibrate --labels FILE`: a person's mem_fail verdict on one transcript. One label per transcript; blank lines are skipped.
 */
export interface Label {
  /**
   * The transcript file, relative to the labels file (or absolute): usually <run>/conversations/<id>.json, judged against the run's own scenario snapshots. A transcript outside a run directory is matched to the calibrate command's scenario paths.
   */
  transcript: string;
  /**
   * mem_fail as the person judged it, in the scores' terms: YES when a constraint established earlier was violated in the judged steps, NO when none was.
   */
  verdict: 'YES' | 'NO';
  /**
   * Who gave the verdict (a name or initials); recorded, not used.
   */
  labeller?: string;
  /**
   * Why, in the labeller's words; recorded, not used.
   */
  note?: string;
}
