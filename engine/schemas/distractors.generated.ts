// Generated from schemas/distractors.schema.json by scripts/gen-types.mjs. Do not edit: change the schema and run npm run gen:types.

/**
 * One topic of the distractor corpus (engine/data/distractors/<topic>.yaml): near-miss exchanges on the topic of a scenario, inserted as prefilled turns between the step that sets a constraint and the trap (--distance N).
 */
export interface Distractors {
  $schema?: string;
  topic: string;
  description?: string;
  /**
   * A scenario whose tags share one with these draws its distractors from this topic; `general` is the fallback.
   *
   * @minItems 1
   */
  tags: [string, ...string[]];
  /**
   * @minItems 50
   */
  exchanges: [
    {
      user: string;
      assistant: string;
    },
    {
      user: string;
      assistant: string;
    },
    {
      user: string;
      assistant: string;
    },
    {
      user: string;
      assistant: string;
    },
    {
      user: string;
      assistant: string;
    },
    {
      user: string;
      assistant: string;
    },
    {
      user: string;
      assistant: string;
    },
    {
      user: string;
      assistant: string;
    },
    {
      user: string;
      assistant: string;
    },
    {
      user: string;
      assistant: string;
    },
    {
      user: string;
      assistant: string;
    },
    {
      user: string;
      assistant: string;
    },
    {
      user: string;
      assistant: string;
    },
    {
      user: string;
      assistant: string;
    },
    {
      user: string;
      assistant: string;
    },
    {
      user: string;
      assistant: string;
    },
    {
      user: string;
      assistant: string;
    },
    {
      user: string;
      assistant: string;
    },
    {
      user: string;
      assistant: string;
    },
    {
      user: string;
      assistant: string;
    },
    {
      user: string;
      assistant: string;
    },
    {
      user: string;
      assistant: string;
    },
    {
      user: string;
      assistant: string;
    },
    {
      user: string;
      assistant: string;
    },
    {
      user: string;
      assistant: string;
    },
    {
      user: string;
      assistant: string;
    },
    {
      user: string;
      assistant: string;
    },
    {
      user: string;
      assistant: string;
    },
    {
      user: string;
      assistant: string;
    },
    {
      user: string;
      assistant: string;
    },
    {
      user: string;
      assistant: string;
    },
    {
      user: string;
      assistant: string;
    },
    {
      user: string;
      assistant: string;
    },
    {
      user: string;
      assistant: string;
    },
    {
      user: string;
      assistant: string;
    },
    {
      user: string;
      assistant: string;
    },
    {
      user: string;
      assistant: string;
    },
    {
      user: string;
      assistant: string;
    },
    {
      user: string;
      assistant: string;
    },
    {
      user: string;
      assistant: string;
    },
    {
      user: string;
      assistant: string;
    },
    {
      user: string;
      assistant: string;
    },
    {
      user: string;
      assistant: string;
    },
    {
      user: string;
      assistant: string;
    },
    {
      user: string;
      assistant: string;
    },
    {
      user: string;
      assistant: string;
    },
    {
      user: string;
      assistant: string;
    },
    {
      user: string;
      assistant: string;
    },
    {
      user: string;
      assistant: string;
    },
    {
      user: string;
      assistant: string;
    },
    ...{
      user: string;
      assistant: string;
    }[]
  ];
}
