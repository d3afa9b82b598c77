import { loadSuite } from '../../scenario/scenario-files.js';
import { trapSteps } from '../../scenario/scenario.js';
import type { Output } from '../output.js';
import { boxTable } from '../../report/table.js';

/** `driftbench list`: the suite as a table. Invalid files fail the same way as `validate`. */
export async function listCommand(opts: { paths: string[] }, deps: { output: Output; cwd: string }): Promise<void> {
  const suite = await loadSuite(opts.paths, { cwd: deps.cwd });
  const rows = suite.map(({ scenario: s }) => [
    s.id,
    s.task ?? '',
    s.title,
    s.category,
    s.steps.length,
    s.constraints.length,
    trapSteps(s)
      .map((t) => t.step)
      .join(', ') || '-',
  ]);
  deps.output.out(boxTable(['id', 'task', 'title', 'category', 'steps', 'constraints', 'trap step'], rows, { width: deps.output.columns }));
  deps.output.out(`${suite.length} scenario${suite.length === 1 ? '' : 's'}`);
}
