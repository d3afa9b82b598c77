// Generated from schemas/model-profiles.schema.json by scripts/gen-types.mjs. Do not edit: change the schema and run npm run gen:types.

/**
 * active: current; legacy: still served (the Models API says active) but superseded; deprecated: callable, with a retirement date; retired: requests fail. https://platform.claude.com/docs/en/about-claude/model-deprecations
 *
 * This interface was referenced by `ModelProfiles`'s JSON-Schema
 * via the `definition` "lifecycle".
 */
export type Lifecycle = 'active' | 'legacy' | 'deprecated' | 'retired';
/**
 * This interface was referenced by `ModelProfiles`'s JSON-Schema
 * via the `definition` "isoDate".
 */
export type IsoDate = string;
/**
 * A value of output_config.effort.
 *
 * This interface was referenced by `ModelProfiles`'s JSON-Schema
 * via the `definition` "effortLevel".
 */
export type EffortLevel = 'low' | 'medium' | 'high' | 'xhigh' | 'max';
/**
 * A value of thinking.type.
 *
 * This interface was referenced by `ModelProfiles`'s JSON-Schema
 * via the `definition` "thinkingType".
 */
export type ThinkingType = 'adaptive' | 'enabled' | 'disabled' | 'between_tools';
/**
 * A value of thinking.display.
 *
 * This interface was referenced by `ModelProfiles`'s JSON-Schema
 * via the `definition` "thinkingDisplay".
 */
export type ThinkingDisplay = 'summarized' | 'omitted';
/**
 * This interface was referenced by `ModelProfiles`'s JSON-Schema
 * via the `definition` "prices".
 */
export type Prices = null | {
  input: number;
  output: number;
  cache_write_5m: number;
  cache_write_1h: number;
  cache_read: number;
  /**
   * The Message Batches API's discount: 0.5 is half price.
   */
  batch_discount: number;
  /**
   * Prompt-length price tiers, lowest threshold first.
   */
  tiers?: PriceTier[];
};
/**
 * @minItems 1
 *
 * This interface was referenced by `ModelProfiles`'s JSON-Schema
 * via the `definition` "sources".
 */
export type Sources = [Source, ...Source[]];
/**
 * A documentation page, or a file of the installed SDK; ' (third-party)' marks a source that is not Anthropic's.
 *
 * This interface was referenced by `ModelProfiles`'s JSON-Schema
 * via the `definition` "source".
 */
export type Source = string;

/**
 * What each model accepts and costs, with the page each fact came from. The offline fallback for what the Models API says at run time (limits, efforts, thinking types, lifecycle), and the only record of what it does not say (prices, sampling rules, the default effort, the thinking-display default). The engine never sends a parameter a profile says the model rejects.
 */
export interface ModelProfiles {
  $schema?: string;
  /**
   * What applies to every profile: what null means, what the lifecycle words mean, why sampling is off everywhere.
   */
  notes?: string[];
  /**
   * @minItems 1
   */
  models: [Profile, ...Profile[]];
}
/**
 * retires_not_before: the date before which the model will not be retired, where a page promises one.
 *
 * This interface was referenced by `ModelProfiles`'s JSON-Schema
 * via the `definition` "profile".
 */
export interface Profile {
  /**
   * The model id as the Anthropic API (and GET /v1/models) names it.
   */
  id: string;
  display_name: string;
  /**
   * Other names for the same model: the undated alias of a dated snapshot, OpenRouter's id (anthropic/claude-opus-5.5). The first anthropic/ alias is the one sent to OpenRouter.
   */
  aliases: string[];
  /**
   * Aliases guessed from a naming pattern and not seen in any source (each is also in aliases).
   */
  unverified_aliases?: string[];
  /**
   * The model line as the Models API names it (opus, sonnet, haiku, fable, mythos); null for rehearsal models.
   */
  line: string | null;
  lifecycle: Lifecycle;
  released: IsoDate | null;
  /**
   * When the deprecation was announced; null when unknown or not deprecated.
   */
  deprecated_at: IsoDate | null;
  /**
   * The scheduled (or past) retirement date.
   */
  retires_at: IsoDate | null;
  retires_not_before?: IsoDate;
  /**
   * The largest max_tokens the model takes (thinking included); null when unknown.
   */
  max_output_tokens: number | null;
  /**
   * The context window; null when unknown.
   */
  max_input_tokens: number | null;
  /**
   * Effort levels the model takes through output_config.effort; empty when it takes none.
   */
  efforts: EffortLevel[];
  /**
   * The level the model uses when no effort is sent; null for a model without effort.
   */
  default_effort: EffortLevel | null;
  /**
   * disable_max_effort: thinking can be turned off only at this effort or lower.
   */
  thinking: {
    /**
     * The thinking.type values the model accepts; any other is a 400.
     */
    types: ThinkingType[];
    /**
     * Thinking can be turned off (with disabled, or between_tools where that is what the model takes).
     */
    can_disable: boolean | null;
    disable_max_effort?: EffortLevel;
    /**
     * The model thinks when no thinking parameter is sent.
     */
    on_by_default: boolean | null;
    /**
     * thinking.display when none is sent: omitted returns thinking blocks with empty text. Null: unknown.
     */
    display_default: ThinkingDisplay | null;
  };
  /**
   * Whether each sampling parameter may be sent, and why.
   */
  sampling: {
    temperature: boolean;
    top_p: boolean;
    top_k: boolean;
    reason: string;
  };
  /**
   * Whether a role: system message inside messages is accepted; null when the sources disagree or say nothing.
   */
  mid_conversation_system: boolean | null;
  max_tokens: MaxTokens;
  expected_output_tokens: ExpectedOutputTokens;
  prices: Prices;
  /**
   * Fields (dotted paths) whose value is inferred, not read in a source; the note says from what.
   */
  unverified?: string[];
  note?: string;
  /**
   * The pages each group of facts came from.
   */
  sources: {
    id?: Sources;
    lifecycle?: Sources;
    limits?: Sources;
    efforts?: Sources;
    thinking?: Sources;
    sampling?: Sources;
    mid_conversation_system?: Sources;
    prices?: Sources;
    aliases?: Sources;
  };
}
/**
 * driftbench's max_tokens per effort level: room for thinking plus the reply, at most max_output_tokens. default: no effort parameter sent (the model's own default).
 *
 * This interface was referenced by `ModelProfiles`'s JSON-Schema
 * via the `definition` "maxTokens".
 */
export interface MaxTokens {
  default: number;
  low?: number;
  medium?: number;
  high?: number;
  xhigh?: number;
  max?: number;
}
/**
 * driftbench's guess at output tokens per turn at each effort level, for cost estimates (not a documented figure). default: no effort parameter sent.
 *
 * This interface was referenced by `ModelProfiles`'s JSON-Schema
 * via the `definition` "expectedOutputTokens".
 */
export interface ExpectedOutputTokens {
  default: number;
  low?: number;
  medium?: number;
  high?: number;
  xhigh?: number;
  max?: number;
}
/**
 * Rates for a request whose prompt (input + cache writes + cache reads) is longer than above_prompt_tokens: every token of that request, output included, is billed at these rates.
 *
 * This interface was referenced by `ModelProfiles`'s JSON-Schema
 * via the `definition` "priceTier".
 */
export interface PriceTier {
  above_prompt_tokens: number;
  input: number;
  output: number;
  cache_write_5m: number;
  cache_write_1h: number;
  cache_read: number;
}
/**
 * USD per million tokens.
 *
 * This interface was referenced by `ModelProfiles`'s JSON-Schema
 * via the `definition` "rates".
 */
export interface Rates {
  input: number;
  output: number;
  /**
   * A cache write with the default 5-minute TTL.
   */
  cache_write_5m: number;
  /**
   * A cache write with ttl: 1h.
   */
  cache_write_1h: number;
  cache_read: number;
}
/**
 * A model's capabilities as a run used them: from the Models API (merged over the profile) or from the profile alone. Recorded in the run manifest so the run can be explained later.
 *
 * This interface was referenced by `ModelProfiles`'s JSON-Schema
 * via the `definition` "resolvedModel".
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
  efforts: EffortLevel[];
  /**
   * From the profile: the Models API does not say.
   */
  default_effort: EffortLevel | null;
  thinking_types: ThinkingType[];
  /**
   * From the profile: the Models API does not say.
   */
  display_default: ThinkingDisplay | null;
  lifecycle: Lifecycle;
  deprecated_at: string | null;
  retires_at: string | null;
}
