import { relative, resolve } from 'node:path';
import { calibrationDocument, renderCalibrationTable } from '../../report/calibration.js';
import { boxTable } from '../../report/table.js';
import { loadSuite } from '../../scenario/scenario-files.js';
import { VALIDATE_CAP } from '../../scenario/template.js';
import { validatorFor } from '../../schemas/compile.js';
import type { Calibration } from '../../schemas/calibration.generated.js';
import { judgeLabelled } from '../../score/calibrate-labels.js';
import { type FixtureSmokeTest, fixtureSmokeTest } from '../../score/fixture-smoke-test.js';
import type { Judge } from '../../score/judge.js';
import { loadLabelledSet } from '../../score/labelled-set.js';
import { writeFileDurably } from '../../transcript/atomic-write.js';
import { loadRunScenarios } from '../../transcript/run-scenarios.js';
import type { Output } from '../output.js';

const fmt = (x: number | null) => (x === null ? 'n/a' : x.toFixed(2));

/** `driftbench calibrate` without --labels: the fixture smoke test, a judge against every scenario's own pass and fail fixtures. */
export async function calibrateCommand(o: { paths: string[] }, deps: { output: Output; cwd: string; judge: Judge }): Promise<FixtureSmokeTest> {
  // Every instance of a template (up to validate's cap): a rubric must hold for all its values.
  const suite = await loadSuite(o.paths, { cwd: deps.cwd, instances: { cap: VALIDATE_CAP } });
  const c = await fixtureSmokeTest(suite, deps.judge);
  deps.output.out(
    boxTable(
      ['scenario', 'pass fixture', 'fail fixture', 'accuracy', 'kappa', ''],
      c.rows.map((r) => [r.scenario, r.pass, r.fail, fmt(r.accuracy), fmt(r.kappa), r.flagged ? 'FLAGGED' : 'ok']),
      { width: deps.output.columns },
    ),
  );
  deps.output.out(
    `fixture smoke test, judge ${c.judge}: accuracy ${fmt(c.accuracy)}, Cohen's kappa ${fmt(c.kappa)} over ${c.rows.length * 2} fixtures (expected: pass -> mem_fail NO, fail -> YES)`,
  );
  deps.output.out(
    "a smoke test, not a measure of the judge: with one pass and one fail fixture per scenario, kappa is 2 x accuracy - 1; measure a judge against people's verdicts with calibrate --labels FILE",
  );
  for (const id of c.flagged) deps.output.out(`FLAGGED ${id}: the judge misclassifies this scenario's own fixtures; fix the rubric or the fixture before trusting a run of it`);
  return c;
}

export interface CalibrateLabelsOptions {
  /** The labels file (JSONL), relative to cwd. */
  labels: string;
  /** The suite for labelled transcripts outside a run directory. */
  scenarios: string[];
  format: 'table' | 'json';
  /** Write the output here instead of stdout. */
  out?: string;
  concurrency: number;
}

/**
 * `driftbench calibrate --labels FILE`: a judge against people's verdicts on labelled
 * transcripts. The labelled set is read and checked whole before the judge is made, so a bad
 * line costs no judge lookup and no call; then every transcript is judged through the same judge
 * and cache as `score`.
 */
export async function calibrateLabelsCommand(
  o: CalibrateLabelsOptions,
  deps: { output: Output; cwd: string; now: () => number; engineVersion: string; makeJudge: () => Promise<Judge> },
): Promise<Calibration> {
  let suite: Awaited<ReturnType<typeof loadSuite>> | undefined;
  const set = await loadLabelledSet(o.labels, {
    cwd: deps.cwd,
    suite: async () => {
      suite ??= await loadSuite(o.scenarios, { cwd: deps.cwd });
      return new Map(suite.map((l) => [l.scenario.id, l]));
    },
    loadRunScenarios: (store) => loadRunScenarios(store, undefined),
  });
  const judge = await deps.makeJudge();
  const judged = await judgeLabelled(set.items, judge, { concurrency: o.concurrency });
  const doc = calibrationDocument(judged, { file: set.file, sha256: set.sha256, judge: judge.config, engineVersion: deps.engineVersion, now: deps.now });
  // Validated where it leaves the program, like every file driftbench writes.
  const validate = validatorFor<Calibration>('calibration');
  if (!validate(doc)) throw new Error(`the calibration does not match schemas/calibration.schema.json: ${JSON.stringify(validate.errors?.slice(0, 2))}`);
  const text = o.format === 'json' ? JSON.stringify(doc, null, 2) : renderCalibrationTable(doc, o.out === undefined ? { width: deps.output.columns } : {});
  if (o.out !== undefined) {
    const file = resolve(deps.cwd, o.out);
    await writeFileDurably(file, `${text}\n`);
    deps.output.out(`wrote ${relative(deps.cwd, file).startsWith('..') ? file : relative(deps.cwd, file)}`);
  } else {
    deps.output.out(text);
  }
  if (judge.config.kind === 'llm') {
    const s = judge.stats;
    // On stderr: stdout may be the JSON document.
    deps.output.err(`judge calls: ${s.misses} made, ${s.hits} served from the cache${s.errors > 0 ? `, ${s.errors} failed (their votes are unscored)` : ''}`);
  }
  return doc;
}
