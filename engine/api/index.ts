/**
 * The programmatic API: one function per stage (validate, run, score, report, diff), each the
 * CLI command of that name with its side effects as options. Nothing here prints: what the CLI
 * would print goes to an injected logger (silent by default) and the results are returned.
 */
export { validate, type ValidateOptions, type ValidateResult, type ValidScenario } from './validate.js';
export { run, type RunOptions, type RunResult } from './run.js';
export { score, type ScoreOptions } from './score.js';
export { report, type ReportFormat, type ReportOptions, type ReportResult } from './report.js';
export { diff, type DiffFormat, type DiffOptions, type DiffResult } from './diff.js';
export type { CommonOptions } from './common.js';
