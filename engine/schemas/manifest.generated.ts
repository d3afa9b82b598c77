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
  /**
   * What the run knew of each model when it started: the Models API's answer merged over the profile, or the profile alone (engine/models/capabilities.ts). Recorded so a run stays explainable after the API moves on.
   */
  models?: ResolvedModel[];
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
  efforts: ('default' | 'standard' | 'low' | 'medium' | 'high' | 'xhigh' | 'max')[];
  repeats: number;
  concurrency: number;
  max_retries?: number;
  conversations: {
    id: string;
    scenario: string;
    model: string;
    effort: 'default' | 'standard' | 'low' | 'medium' | 'high' | 'xhigh' | 'max';
    repeat: number;
    condition?: string;
    distance?: number;
    /**
     * tokens: `distance` is a token budget of near-miss padding (--distance 50k); absent: a count of distractor exchanges.
     */
    distance_unit?: 'tokens';
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
  /**
   * tokens: `distance` is a token budget of near-miss padding (--distance 50k); absent: a count of distractor exchanges.
   */
  distance_unit?: 'tokens';
}
/**
 * A model's capabilities as a run used them: from the Models API (merged over the profile) or from the profile alone. Recorded in the run manifest so the run can be explained later.
 */
export interface ResolvedModel {
  /**
   * The name the user gave.
   */
  requested: string;
  /**
   * The model id: the Models API's, else the profile's, else the name given.
   */
  id: string;
  /**
   * models-api: GET /v1/models/{id} (possibly cached); profile: engine/data/model-profiles.json, the endpoint having no Models API; none: neither knows the model.
   */
  source: 'models-api' | 'profile' | 'none';
  /**
   * When the Models API answered (RFC 3339); null unless source is models-api.
   */
  fetched_at: string | null;
  display_name: string | null;
  line: string | null;
  /**
   * The largest max_tokens the model takes.
   */
  max_tokens: number | null;
  max_input_tokens: number | null;
  /**
   * Items: A value of output_config.effort.
   */
  efforts: ('low' | 'medium' | 'high' | 'xhigh' | 'max')[];
  /**
   * From the profile: the Models API does not say.
   */
  default_effort: ('low' | 'medium' | 'high' | 'xhigh' | 'max') | null;
  /**
   * Items: A value of thinking.type.
   */
  thinking_types: ('adaptive' | 'enabled' | 'disabled' | 'between_tools')[];
  /**
   * From the profile: the Models API does not say.
   */
  display_default: ('summarized' | 'omitted') | null;
  /**
   * active: current; legacy: still served (the Models API says active) but superseded; deprecated: callable, with a retirement date; retired: requests fail. https://platform.claude.com/docs/en/about-claude/model-deprecations
   */
  lifecycle: 'active' | 'legacy' | 'deprecated' | 'retired';
  deprecated_at: string | null;
  retires_at: string | null;
}
