import { validateSuite } from '../../scenario/scenario-files.js';
import { trapSteps } from '../../scenario/scenario.js';
import type { InstanceChoice } from '../../scenario/validate.js';
import { ScenarioError } from '../../errors.js';
import type { Output } from '../output.js';
import { boxTable } from '../../report/table.js';

/**
 * `driftbench list`: the suite as a table, a template as one row with its instance count.
 * Invalid files fail the same way as `validate`.
 */
export async function listCommand(opts: { paths: string[]; instances?: InstanceChoice }, deps: { output: Output; cwd: string }): Promise<void> {
  const suite = await validateSuite(opts.paths, { cwd: deps.cwd, ...(opts.instances ? { instances: opts.instances } : {}) });
  const problems = [...suite.verdicts.flatMap((v) => v.problems), ...suite.problems];
  if (problems.length > 0) throw new ScenarioError(problems);
  let count = 0;
  const rows = suite.verdicts.map((v) => {
    const s = v.scenarios![0]!.scenario;
    count += v.scenarios!.length;
    const t = v.template;
    return [
      t ? t.id : s.id,
      s.task ?? '',
      s.title,
      t ? `${t.chosen}${t.chosen < t.total ? ` of ${t.total}` : ''}` : '1',
      s.category,
      s.steps.length,
      s.constraints.length,
      trapSteps(s)
        .map((x) => x.step)
        .join(', ') || '-',
    ];
  });
  deps.output.out(boxTable(['id', 'task', 'title', 'instances', 'category', 'steps', 'constraints', 'trap step'], rows, { width: deps.output.columns }));
  deps.output.out(`${count} scenario${count === 1 ? '' : 's'} in ${suite.verdicts.length} famil${suite.verdicts.length === 1 ? 'y' : 'ies'}`);
}
