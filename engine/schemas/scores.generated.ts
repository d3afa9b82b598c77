// Generated from schemas/scores.schema.json by scripts/gen-types.mjs. Do not edit: change the schema and run npm run gen:types.

/**
 * This interface was referenced by `Scores`'s JSON-Schema
 * via the `definition` "verdict".
 */
export type Verdict = 'YES' | 'NO' | 'unscored';

/**
 * scores/<judge>.json in a run directory: every scorer's result for every conversation, under one judge configuration. Another judge writes another file beside it.
 */
export interface Scores {
  format: 'driftbench.scores/1';
  run_id: string;
  engine_version: string;
  scored_at: string;
  judge: JudgeConfig;
  /**
   * Scorer name -> version. A result is comparable only with results of the same version.
   */
  scorers: {
    [k: string]: string;
  };
  conversations: ConversationScore[];
  /**
   * Transcripts that could not be scored (truncated, hand-edited, unknown scenario), with why.
   */
  skipped: {
    file: string;
    reason: string;
  }[];
  /**
   * sha256 over every conversation's id and verdicts (mem_fail value, the judge's answer, every per-step verdict), in id order; two scores files with equal digests judged alike. Not timestamps, order or cache flags. Written last.
   */
  verdicts_sha256: string;
}
/**
 * This interface was referenced by `Scores`'s JSON-Schema
 * via the `definition` "judgeConfig".
 */
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
 * This interface was referenced by `Scores`'s JSON-Schema
 * via the `definition` "conversationScore".
 */
export interface ConversationScore {
  conversation_id: string;
  scenario_id: string;
  /**
   * The scenario's family (its template's id, or its own id). Reports group by it; statistics cluster by it when a run mixes families.
   */
  family?: string;
  /**
   * The transcript's cell: model, effort, repeat (and condition, distance).
   */
  cell: {
    model: string;
    effort: string;
    repeat: number;
    condition?: string;
    distance?: number;
    /**
     * tokens: `distance` is a token budget of padding; absent: a count of exchanges.
     */
    distance_unit?: 'tokens';
  };
  /**
   * The transcript's status (complete, refused, errored...).
   */
  status: string;
  imported?: boolean;
  transcript_sha256: string;
  mem_fail: {
    /**
     * YES: the model violated a constraint established earlier. NO: it kept them. unscored: no verdict (never a pass).
     */
    value: 'YES' | 'NO' | 'unscored';
    /**
     * The judge's answer to the rubric question, before pass_answer is applied.
     */
    judge_verdict: 'YES' | 'NO' | 'unscored';
    pass_answer: 'YES' | 'NO';
    steps: number[];
    /**
     * For imported datasets: the published verdict.
     */
    expected?: 'YES' | 'NO';
    judged: Judged;
    /**
     * judged: the judged steps' replies exist and the judge was asked, whether or not the conversation went on to finish. refused: the model refused at a judged step (the trap), an outcome of its own, never a pass or a failure. no_reply: no judged step was answered (the conversation stopped before), so there is nothing to judge. Absent in scores written before: judged.
     */
    outcome?: 'judged' | 'refused' | 'no_reply';
  };
  citations: {
    window: {
      from: number;
      to: number;
    };
    total: number;
    by_constraint: {
      [k: string]: number;
    };
    /**
     * Step number -> constraint id -> count, for every answered step.
     */
    by_step: {
      [k: string]: {
        [k: string]: number;
      };
    };
  };
  self_corrections: {
    thinking: number;
    text: number;
    by_step: {
      [k: string]: {
        thinking: number;
        text: number;
      };
    };
  };
  constraint_retention: {
    /**
     * Honoured / (honoured + violated) in the final answer; null when nothing could be judged.
     */
    value: number | null;
    step: number | null;
    honoured: string[];
    violated: string[];
    unknown: string[];
  };
  first_drift_step: {
    /**
     * The first step whose probes fail; null when none fails.
     */
    value: number | null;
    probed_steps: number;
    failures: {
      step: number;
      constraint: string;
      kind: string;
      detail: string;
    }[];
  };
  step_coherence: {
    /**
     * Fraction of judged steps whose reply builds on the earlier findings.
     */
    value: number | null;
    by_step: {
      [k: string]: Judged;
    };
  };
  latency: {
    total_ms: number | null;
    median_ms: number | null;
    median_ttft_ms: number | null;
  };
  cost: {
    usd: number | null;
    provider_usd: number | null;
    input_tokens: number;
    output_tokens: number;
    cache_creation_input_tokens: number;
    cache_read_input_tokens: number;
    thinking_tokens: number | null;
    /**
     * Thinking blocks returned over all turns; 0 when thinking was asked for is what a provider that dropped it looks like.
     */
    thinking_blocks: number;
    /**
     * What the conversation would have cost had every cached token been priced as plain input.
     */
    usd_uncached: number | null;
  };
}
/**
 * This interface was referenced by `Scores`'s JSON-Schema
 * via the `definition` "judged".
 */
export interface Judged {
  /**
   * The majority of the votes that are not unscored; on a tie, the tie-breaker's vote when there is one, else unscored; unscored when none scored.
   */
  verdict: 'YES' | 'NO' | 'unscored';
  votes: Vote[];
}
/**
 * This interface was referenced by `Scores`'s JSON-Schema
 * via the `definition` "vote".
 */
export interface Vote {
  /**
   * The judge model, or heuristic.
   */
  judge: string;
  sample: number;
  verdict: Verdict;
  reasoning: string;
  prompt_sha256: string;
  /**
   * hit: served from the judge cache; miss: judged now and cached; none: not cacheable (heuristic).
   */
  cache: 'hit' | 'miss' | 'none';
  error?: string;
  /**
   * tie-break: asked because the other votes tied; this vote decided. Absent: one of the panel's votes.
   */
  role?: 'tie-break';
}
