// Generated from schemas/matrix.schema.json by scripts/gen-types.mjs. Do not edit: change the schema and run npm run gen:types.

/**
 * A run matrix: which models and effort levels to cross with the scenarios. Axis presets (engine/data/axes.json) and --matrix files use this format.
 */
export interface Matrix {
  $schema?: string;
  description?: string;
  /**
   * @minItems 1
   */
  models: [string, ...string[]];
  /**
   * default sends no effort (the model uses its own default); standard is the original benchmark's name for default.
   *
   * @minItems 1
   */
  efforts: [
    'default' | 'standard' | 'low' | 'medium' | 'high' | 'xhigh' | 'max',
    ...('default' | 'standard' | 'low' | 'medium' | 'high' | 'xhigh' | 'max')[]
  ];
  repeats?: number;
  /**
   * Scenario task codes or ids to run; all when absent.
   */
  tasks?: string[];
  /**
   * Instances per template (run --instances): default every combination, up to 24.
   */
  instances?: number;
  /**
   * The seed that draws instances from a template (run --seed); default 0.
   */
  seed?: number;
}
