// Generated from schemas/model-profiles.schema.json by scripts/gen-types.mjs. Do not edit: change the schema and run npm run gen:types.

/**
 * This interface was referenced by `ModelProfiles`'s JSON-Schema
 * via the `definition` "effortLevel".
 */
export type EffortLevel = 'low' | 'medium' | 'high' | 'xhigh' | 'max';

/**
 * What each model accepts and costs. The engine never sends a parameter a profile says the model rejects.
 */
export interface ModelProfiles {
  $schema?: string;
  /**
   * @minItems 1
   */
  models: [Profile, ...Profile[]];
}
/**
 * This interface was referenced by `ModelProfiles`'s JSON-Schema
 * via the `definition` "profile".
 */
export interface Profile {
  /**
   * The model id as the Anthropic API names it.
   */
  id: string;
  /**
   * Other names for the same model, such as OpenRouter's (anthropic/claude-opus-4.7) or dated snapshots.
   */
  aliases?: string[];
  note?: string;
  /**
   * Whether each sampling parameter is accepted.
   */
  sampling: {
    temperature: boolean;
    top_p: boolean;
    top_k: boolean;
  };
  thinking: {
    modes: ('adaptive' | 'enabled')[];
    /**
     * Whether thinking.display is accepted (summarized / omitted).
     */
    display?: boolean;
  };
  /**
   * Effort levels the model takes through output_config.effort.
   */
  efforts: EffortLevel[];
  /**
   * max_tokens to send per effort level (standard: no effort parameter).
   */
  max_tokens: {
    standard: number;
    low?: number;
    medium?: number;
    high?: number;
    xhigh?: number;
    max?: number;
  };
  /**
   * Typical output tokens per turn at each effort level, for cost estimates.
   */
  expected_output_tokens?: {
    [k: string]: number;
  };
  prices: null | {
    input: number;
    cache_write_5m: number;
    cache_write_1h: number;
    cache_read: number;
    output: number;
  };
}
