import type { Matrix } from '../schemas/matrix.generated.js';
import type { EffortLevel } from '../schemas/model-profiles.generated.js';

/**
 * An effort a run can ask for: a level of output_config.effort, or `default`, which sends no
 * effort so the model uses its own default (medium on Opus 5.5 and Haiku 5.5, high on the
 * others: https://platform.claude.com/docs/en/build-with-claude/effort?ref=vanja.io).
 * `standard` is the original benchmark's name for `default`, kept so its axes and transcripts
 * still read.
 */
export type Effort = Matrix['efforts'][number];
export type { EffortLevel };

/**
 * The efforts of schemas/matrix.schema.json and the levels of schemas/model-profiles.schema.json,
 * in order. A module of their own, free of ajv and the profiles file, so that the CLI's help can
 * list them without loading either; `satisfies` and the checks below fail the build when a
 * schema gains or loses a value and these lists do not follow.
 */
export const EFFORTS = ['default', 'standard', 'low', 'medium', 'high', 'xhigh', 'max'] as const satisfies readonly Effort[];
export const EFFORT_LEVELS = ['low', 'medium', 'high', 'xhigh', 'max'] as const satisfies readonly EffortLevel[];

type Missing<All, Listed> = Exclude<All, Listed> extends never ? true : never;
const _everyEffort: Missing<Effort, (typeof EFFORTS)[number]> = true;
const _everyLevel: Missing<EffortLevel, (typeof EFFORT_LEVELS)[number]> = true;
void _everyEffort;
void _everyLevel;
