import { loadSuite } from '../../scenario/scenario-files.js';
import { calibrate, type Calibration } from '../../score/calibrate.js';
import type { Judge } from '../../score/judge.js';
import type { Output } from '../output.js';
import { boxTable } from '../../report/table.js';

const fmt = (x: number | null) => (x === null ? 'n/a' : x.toFixed(2));

/** `driftbench calibrate`: a judge against every scenario's own pass and fail fixtures. */
export async function calibrateCommand(o: { paths: string[] }, deps: { output: Output; cwd: string; judge: Judge }): Promise<Calibration> {
  const suite = await loadSuite(o.paths, { cwd: deps.cwd });
  const c = await calibrate(suite, deps.judge);
  deps.output.out(
    boxTable(
      ['scenario', 'pass fixture', 'fail fixture', 'accuracy', 'kappa', ''],
      c.rows.map((r) => [r.scenario, r.pass, r.fail, fmt(r.accuracy), fmt(r.kappa), r.flagged ? 'FLAGGED' : 'ok']),
    ),
  );
  deps.output.out(`judge ${c.judge}: accuracy ${fmt(c.accuracy)}, Cohen's kappa ${fmt(c.kappa)} over ${c.rows.length * 2} fixtures (expected: pass -> mem_fail NO, fail -> YES)`);
  for (const id of c.flagged) deps.output.out(`FLAGGED ${id}: the judge misclassifies this scenario's own fixtures; fix the rubric or the fixture before trusting a run of it`);
  return c;
}
