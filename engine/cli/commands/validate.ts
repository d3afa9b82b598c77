import { ScenarioError } from '../../errors.js';
import { trapSteps } from '../../scenario/scenario.js';
import { validateSuite } from '../../scenario/scenario-files.js';
import { VALIDATE_CAP } from '../../scenario/template.js';
import type { Output } from '../output.js';

export interface ValidateOptions {
  paths: string[];
}

/**
 * `driftbench validate`: one summary line per valid file on stdout; every problem in every
 * file is thrown at once as a ScenarioError, which the CLI prints and turns into exit code 2.
 */
export async function validateCommand(opts: ValidateOptions, deps: { output: Output; cwd: string }): Promise<void> {
  // Every combination of a template is checked, up to VALIDATE_CAP (then a seeded sample).
  const suite = await validateSuite(opts.paths, { cwd: deps.cwd, instances: { cap: VALIDATE_CAP } });
  const problems = [...suite.verdicts.flatMap((v) => v.problems), ...suite.problems];
  const badFiles = new Set(problems.map((p) => p.file));
  for (const v of suite.verdicts) {
    const s = v.scenarios?.[0]?.scenario;
    if (s === undefined || badFiles.has(v.file)) continue;
    const traps = trapSteps(s).map((t) => t.step);
    const what = v.template
      ? `template ${v.template.id}, ${v.template.sampled ? `a sample of ${v.template.chosen} of ${v.template.total} instances checked` : `${v.template.total} instance${v.template.total === 1 ? '' : 's'}`}`
      : s.id;
    deps.output.out(
      `${v.file}: ok: ${what}, ${s.steps.length} steps, ${s.constraints.length} constraint${s.constraints.length === 1 ? '' : 's'}, ${traps.length ? `trap at step ${traps.join(', ')}` : 'no trap'}`,
    );
  }
  if (problems.length > 0) {
    const n = problems.length;
    throw new ScenarioError(problems, { cause: `${n} problem${n === 1 ? '' : 's'} in ${badFiles.size} path${badFiles.size === 1 ? '' : 's'}` });
  }
  const templates = suite.verdicts.filter((v) => v.template);
  const instances = templates.reduce((n, v) => n + v.template!.total, 0);
  deps.output.out(
    `${suite.verdicts.length} scenario file${suite.verdicts.length === 1 ? '' : 's'} valid${templates.length > 0 ? ` (${templates.length} template${templates.length === 1 ? '' : 's'} with ${instances} instance${instances === 1 ? '' : 's'} in all)` : ''}`,
  );
}
