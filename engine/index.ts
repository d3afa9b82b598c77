/**
 * driftbench's programmatic API (`import { validate, run, score, report, diff } from 'driftbench'`):
 * the stages as functions (engine/api/), the types of what they take and return, and the named
 * errors they throw. The CLI is `runCli`.
 */
export * from './api/index.js';
export { type Logger, type LogFn, silentLogger } from './log.js';
export { DriftbenchError, ScenarioError, UsageError, TranscriptError, ProviderError, LabelsError, RunInUseError, formatProblem, type Problem } from './errors.js';
export type { ReplayEvent } from './replay/events.js';
export type { RunManifest, Transcript } from './transcript/format.js';
export type { ScoreResult, ScoreSummary } from './score/score-run.js';
export type { JudgeConfig, Scores } from './schemas/scores.generated.js';
export type { Report } from './schemas/report.generated.js';
export type { RunDiff } from './schemas/run-diff.generated.js';
export type { TranscriptDiff } from './schemas/diff.generated.js';
export type { FallbackMode } from './report/build-report.js';
export type { EffortLevel } from './models/profiles.js';
export type { Timeouts } from './providers/timeouts.js';
export { validateSuite, loadSuite } from './scenario/scenario-files.js';
export { validateScenarioBytes } from './scenario/validate.js';
export type { LoadedScenario, Scenario, Step, Constraint, Finding, Trap, Judge, Probe, StandingProbe } from './scenario/scenario.js';
export { citationWindow, historyOf, isGenerated, probesForStep, trapSteps } from './scenario/scenario.js';
export { runCli } from './cli/run-cli.js';
