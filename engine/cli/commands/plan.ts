import { resolve } from 'node:path';
import { UsageError } from '../../errors.js';
import { loadProfiles } from '../../models/profiles.js';
import { groupBy, keyString, rowOf, scenarioCounts } from '../../report/aggregate.js';
import { loadScoredRun } from '../../report/build-report.js';
import { designEffect, iccAnova, planPower } from '../../stats/index.js';
import type { Output } from '../output.js';
import { ScenarioError } from '../../errors.js';
import { validateSuite } from '../../scenario/scenario-files.js';
import { VALIDATE_CAP } from '../../scenario/template.js';

export interface PlanOptions {
  /** The difference in mem_fail rate to detect, as a fraction (0.2 = 20 percentage points). */
  difference: number;
  baseline?: number;
  icc?: number;
  repeats: number;
  /** A scored run to take the within-scenario correlation and the baseline rate from. */
  run?: string;
  judge?: string;
  power: number;
  alpha: number;
  /** A suite to plan for (default: none): its families and instances, and the instances and repeats per family it needs. */
  scenarios?: string[];
}

/**
 * A stated default for the within-scenario correlation when there is no run to estimate it
 * from: the correlation at which issue 14's coverage simulation checks its intervals, a
 * moderate value for benchmark items (Miller 2024, "Adding Error Bars to Evals").
 */
export const DEFAULT_ICC = 0.35;
export const DEFAULT_BASELINE = 0.3;

/**
 * `driftbench plan`: before a run, how many scenarios (and repeats) give the power to detect a
 * difference between two cells compared by scenario. The correlation of repeats within a
 * scenario comes from a scored run when one is given, else a stated default; the design effect
 * is spelled out, and what repeats alone can buy is said, since with any correlation they have
 * a ceiling that only more scenarios pass.
 */
export async function planCommand(o: PlanOptions, deps: { output: Output; cwd: string }): Promise<void> {
  if (!(o.difference > 0 && o.difference < 1)) throw new UsageError('--difference: a difference in failure rate between 0 and 1, e.g. 0.2 for 20 percentage points');
  if (!Number.isInteger(o.repeats) || o.repeats < 1) throw new UsageError('--repeats: a whole number of repeats per scenario, 1 or more');
  let icc = o.icc;
  let baseline = o.baseline;
  let scenariosNow: number | undefined;
  let source = `the stated default (${DEFAULT_ICC}); pass a scored run to estimate it from data`;
  if (o.run !== undefined) {
    const run = await loadScoredRun(resolve(deps.cwd, o.run), o.judge, loadProfiles());
    const rows = run.scores.conversations.map((c) => rowOf(c, [], run.manifest.run_id));
    // The correlation is estimated within each cell (cells differ by design) and averaged.
    const estimates = [...groupBy(rows, (r) => keyString(r.key)).values()].map((rs) => iccAnova(scenarioCounts(rs))).filter((x): x is number => x !== null);
    const counts = scenarioCounts(rows);
    scenariosNow = counts.length;
    if (estimates.length > 0 && icc === undefined) {
      icc = estimates.reduce((a, b) => a + b, 0) / estimates.length;
      source = `estimated from ${run.manifest.run_id} (one-way ANOVA within each of ${estimates.length} cell(s), averaged)`;
    }
    const n = counts.reduce((a, c) => a + c.n, 0);
    if (baseline === undefined && n > 0) baseline = counts.reduce((a, c) => a + c.failed, 0) / n;
  } else if (icc !== undefined) {
    source = 'as given (--icc)';
  }
  icc ??= DEFAULT_ICC;
  baseline ??= DEFAULT_BASELINE;
  const p = planPower({ baseline, difference: o.difference, icc, repeats: o.repeats, alpha: o.alpha, power: o.power, scenariosNow });
  const pp = (x: number) => `${Math.round(x * 1000) / 10}%`;
  const lines = [
    `To detect a difference of ${Math.round(o.difference * 1000) / 10} percentage points in mem_fail (from a baseline of ${pp(baseline)}) between two cells compared by scenario, at alpha ${o.alpha} and power ${pp(o.power)}:`,
    `  within-scenario correlation (ICC): ${icc.toFixed(3)}, ${source}`,
    `  design effect at ${o.repeats} repeat(s) per scenario: 1 + (${o.repeats} - 1) x ${icc.toFixed(3)} = ${designEffect(o.repeats, icc).toFixed(2)}; each scenario is worth ${p.effectivePerScenario.toFixed(2)} independent conversations`,
    p.scenarios === null
      ? '  scenarios needed: more than any plan can reach at these settings'
      : `  scenarios needed: ${p.scenarios} (each answered ${o.repeats} time(s) in both cells)`,
  ];
  if (scenariosNow !== undefined) lines.push(`  the run given has ${scenariosNow} scenario(s): power there about ${pp(p.powerAtScenarios(scenariosNow))}`);
  lines.push(
    `  repeats alone: at ${p.repeatsAlone.scenarios} scenario(s), no number of repeats gives more than about ${pp(p.repeatsAlone.maxPower)} power; with a correlation above 0, more scenarios are the lever, not more repeats`,
  );
  if (o.scenarios !== undefined) lines.push(...(await suiteLines(o, { baseline, icc }, deps)));
  for (const line of lines) deps.output.out(line);
}

/**
 * The suite's side of the plan (issue 16): a run that mixes families clusters by family, so the
 * families are the units; what instances per family and repeats per instance buy there. Every
 * conversation of a family is taken to be as correlated as repeats of one scenario (the ICC
 * above), which is conservative: instances of a template differ more than repeats do.
 */
async function suiteLines(o: PlanOptions, at: { baseline: number; icc: number }, deps: { cwd: string }): Promise<string[]> {
  const suite = await validateSuite(o.scenarios!, { cwd: deps.cwd, instances: { cap: VALIDATE_CAP } });
  const problems = [...suite.verdicts.flatMap((v) => v.problems), ...suite.problems];
  if (problems.length > 0) throw new ScenarioError(problems);
  const families = suite.verdicts.length;
  const sizes = suite.verdicts.map((v) => v.template?.total ?? 1);
  const instances = sizes.reduce((a, b) => a + b, 0);
  const pp = (x: number) => `${Math.round(x * 1000) / 10}%`;
  const power = (perFamily: number, repeats: number, difference = o.difference) =>
    planPower({ baseline: at.baseline, difference, icc: at.icc, repeats: perFamily * repeats, alpha: o.alpha, power: o.power }).powerAtScenarios(families);
  const most = Math.min(...sizes);
  const options = [1, 2, 4, 8].filter((k) => k <= Math.max(1, most)).flatMap((k) => [1, 3, 5].map((r) => ({ k, r, conversations: families * k * r, power: power(k, r) })));
  const enough = options.filter((x) => x.power >= o.power).sort((a, b) => a.conversations - b.conversations)[0];
  const out = [
    `the suite (${o.scenarios!.join(', ')}): ${families} families, ${instances} instances; a run that mixes families treats each family as one cluster, so S = ${families} at most`,
    ...options.map((x) => `  ${x.k} instance(s) per family x ${x.r} repeat(s): ${x.conversations} conversations per cell, power about ${pp(x.power)}`),
  ];
  if (enough) out.push(`  enough: ${enough.k} instance(s) per family (run --instances ${enough.k}) and --repeats ${enough.r}, ${enough.conversations} conversations per cell`);
  else {
    const best = options.at(-1)!;
    let lo = 0;
    let hi = 1 - at.baseline;
    for (let i = 0; i < 40; i++) {
      const mid = (lo + hi) / 2;
      if (power(best.k, best.r, mid) >= o.power) hi = mid;
      else lo = mid;
    }
    out.push(
      `  not enough: no mix of instances and repeats reaches ${pp(o.power)} with ${families} families; at ${best.k} instance(s) x ${best.r} repeat(s) the smallest difference it detects is about ${pp(hi)}; more families are the lever`,
    );
  }
  return out;
}
