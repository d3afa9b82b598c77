import { ScenarioError } from '../../errors.js';
import { trapSteps } from '../../scenario/scenario.js';
import { validateSuite } from '../../scenario/scenario-files.js';
import type { Output } from '../output.js';

export interface ValidateOptions {
  paths: string[];
}

/**
 * `driftbench validate`: one summary line per valid file on stdout; every problem in every
 * file is thrown at once as a ScenarioError, which the CLI prints and turns into exit code 2.
 */
export async function validateCommand(opts: ValidateOptions, deps: { output: Output; cwd: string }): Promise<void> {
  const suite = await validateSuite(opts.paths, { cwd: deps.cwd });
  const problems = [...suite.verdicts.flatMap((v) => v.problems), ...suite.problems];
  const badFiles = new Set(problems.map((p) => p.file));
  for (const v of suite.verdicts) {
    if (!v.loaded || badFiles.has(v.file)) continue;
    const s = v.loaded.scenario;
    const traps = trapSteps(s).map((t) => t.step);
    deps.output.out(
      `${v.file}: ok: ${s.id}, ${s.steps.length} steps, ${s.constraints.length} constraint${s.constraints.length === 1 ? '' : 's'}, ${traps.length ? `trap at step ${traps.join(', ')}` : 'no trap'}`,
    );
  }
  if (problems.length > 0) {
    const n = problems.length;
    throw new ScenarioError(problems, { cause: `${n} problem${n === 1 ? '' : 's'} in ${badFiles.size} path${badFiles.size === 1 ? '' : 's'}` });
  }
  deps.output.out(`${suite.verdicts.length} scenario file${suite.verdicts.length === 1 ? '' : 's'} valid`);
}
