import type { Problem } from '../errors.js';
import { type Scenario, trapSteps } from '../scenario/scenario.js';
import { VALIDATE_CAP } from '../scenario/template.js';
import { validateSuite } from '../scenario/scenario-files.js';
import { type CommonOptions, list, sideEffects } from './common.js';

export type ValidateOptions = CommonOptions;

/** A scenario file that passed every check. */
export interface ValidScenario {
  file: string;
  scenario: Scenario;
  /** The steps that carry a trap, 1-based, as `driftbench validate` prints them. */
  trapSteps: number[];
}

export interface ValidateResult {
  /** No problem anywhere: every file is valid and ids are unique across the suite. */
  ok: boolean;
  /** The files that passed, in the order read. */
  valid: ValidScenario[];
  /** Every problem in every file, as `file:line:col` records (`formatProblem` prints one). */
  problems: Problem[];
}

/**
 * Checks scenario files and folders against the schema and each other, as `driftbench validate`
 * does. Problems in the scenarios (a missing path, bad YAML, a schema or semantic error, a
 * duplicate id) are returned, never thrown: `ok` is false and `problems` holds every one.
 *
 * @param paths Scenario files or folders, relative to `opts.cwd`.
 * @throws Only on an unexpected failure (a bug, or a disk error other than a missing path).
 */
export async function validate(paths: string | readonly string[], opts: ValidateOptions = {}): Promise<ValidateResult> {
  const { cwd, logger } = sideEffects(opts);
  const suite = await validateSuite(list(paths), { cwd, instances: { cap: VALIDATE_CAP } });
  const problems = [...suite.verdicts.flatMap((v) => v.problems), ...suite.problems];
  const bad = new Set(problems.map((p) => p.file));
  const valid: ValidScenario[] = [];
  for (const v of suite.verdicts) {
    if (bad.has(v.file)) continue;
    // A template yields each of its instances (every combination up to validate's cap), each a plain scenario.
    for (const l of v.scenarios ?? []) valid.push({ file: v.file, scenario: l.scenario, trapSteps: trapSteps(l.scenario).map((t) => t.step) });
  }
  logger.debug({ files: suite.verdicts.length, valid: valid.length, problems: problems.length }, 'validated');
  return { ok: problems.length === 0, valid, problems };
}
