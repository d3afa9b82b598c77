/** driftbench's programmatic API: the same functions the CLI calls. */
export { validateSuite, loadSuite } from './scenario/scenario-files.js';
export { validateScenarioBytes } from './scenario/validate.js';
export type { LoadedScenario, Scenario, Step, Constraint, Finding, Trap, Judge, Probe, StandingProbe } from './scenario/scenario.js';
export { citationWindow, historyOf, isGenerated, probesForStep, trapSteps } from './scenario/scenario.js';
export { DriftbenchError, ScenarioError, UsageError, formatProblem, type Problem } from './errors.js';
export { runCli } from './cli/run-cli.js';
