// Generated from schemas/manifest.schema.json by scripts/gen-types.mjs. Do not edit: change the schema and run npm run gen:types.

/**
 * manifest.json of a run directory: the plan, the engine, the times and the status.
 */
export interface RunManifest {
  format: 'driftbench.manifest/1';
  run_id: string;
  engine_version: string;
  created_at: string;
  updated_at: string;
  ended_at: string | null;
  /**
   * complete: every conversation complete. partial: the run finished, but some conversations were refused, cut off or errored. interrupted: stopped before the end (signal, crash or budget); resume continues it.
   */
  status: 'running' | 'complete' | 'partial' | 'interrupted';
  status_reason: string | null;
  plan: Plan;
  counts: {
    conversations: number;
    pending: number;
    complete: number;
    refused: number;
    max_tokens: number;
    errored: number;
    stopped: number;
  };
  /**
   * Message Batches of a --batch run, in order; kept so a resumed run collects a batch already paid for.
   */
  batches?: {
    id: string;
    step: number;
    round: number;
    /**
     * custom_id -> conversation id.
     */
    custom_ids: {
      [k: string]: string;
    };
    status: 'submitted' | 'collected';
  }[];
  /**
   * What the run has spent (or, for failed attempts, set aside as their worst case) so far.
   */
  spent_usd?: number;
}
/**
 * This interface was referenced by `RunManifest`'s JSON-Schema
 * via the `definition` "plan".
 */
export interface Plan {
  provider: string;
  base_url_host: string | null;
  axis?: string | null;
  scenarios: {
    id: string;
    hash: string;
    /**
     * The snapshot inside the run directory (scenarios/<id>.yaml).
     */
    file: string;
  }[];
  models: string[];
  efforts: ('standard' | 'low' | 'medium' | 'high' | 'xhigh' | 'max')[];
  repeats: number;
  concurrency: number;
  max_retries?: number;
  conversations: {
    id: string;
    scenario: string;
    model: string;
    effort: 'standard' | 'low' | 'medium' | 'high' | 'xhigh' | 'max';
    repeat: number;
    condition?: string;
    distance?: number;
  }[];
  /**
   * The endpoint's base URL without credentials, query or fragment; resume uses it.
   */
  base_url: string | null;
  /**
   * Request options that apply to every conversation (for example temperature asked for on the command line).
   */
  options?: {
    [k: string]: unknown;
  };
  /**
   * This run is shard index/count of a plan of `of` conversations (--shard).
   */
  shard?: {
    index: number;
    count: number;
    of: number;
  };
  /**
   * Whether a cache_control breakpoint was put on the newest turn.
   */
  prompt_cache?: boolean;
  /**
   * The hard budget of the run (--max-cost), or null.
   */
  max_cost_usd?: number | null;
  /**
   * stream: one request per turn; batch: one Message Batch per step for all conversations.
   */
  mode?: 'stream' | 'batch';
  /**
   * Memory conditions (--condition); baseline when absent.
   */
  conditions?: string[];
  /**
   * Distractor distances (--distance); 0 when absent.
   */
  distances?: number[];
}
