import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TranscriptError } from '../errors.js';
import { validatorFor } from '../schemas/compile.js';
import type { Report } from '../schemas/report.generated.js';
import type { Scores } from '../schemas/scores.generated.js';
import { RunStore } from '../transcript/run-store.js';
import type { RunManifest } from '../transcript/format.js';
import { cells, comparisons, effectWarnings, rowOf, summaries, type Row } from './aggregate.js';
import { evaluateGates, type Gate } from './gate.js';

export const REPORT_FORMAT = 'driftbench.report/1';

export interface LoadedRun {
  dir: string;
  manifest: RunManifest;
  scores: Scores;
  scoresFile: string;
}

/**
 * A run directory and its scores under one judge. With no judge named, the run must have
 * exactly one scores file, or the newest is taken and said so.
 */
export async function loadScoredRun(dir: string, judge: string | undefined): Promise<LoadedRun> {
  const store = new RunStore(dir);
  const manifest = await store.readManifest();
  const scoresDir = store.path('scores');
  const files = (await readdir(scoresDir).catch(() => [] as string[])).filter((f) => f.endsWith('.json') && !/\.\d{8}T\d{6}Z\.json$/.test(f)).sort();
  if (files.length === 0) throw new TranscriptError(`${dir}: not scored yet; run: driftbench score ${dir}`);
  let file: string;
  if (judge !== undefined) {
    file = `${judge}.json`;
    if (!files.includes(file)) throw new TranscriptError(`${dir}: no scores of judge "${judge}"; this run has: ${files.map((f) => f.replace(/\.json$/, '')).join(', ')}`);
  } else if (files.length === 1) {
    file = files[0]!;
  } else {
    throw new TranscriptError(`${dir}: scored by several judges (${files.map((f) => f.replace(/\.json$/, '')).join(', ')}); pick one with --judge`);
  }
  const path = join(scoresDir, file);
  let data: unknown;
  try {
    data = JSON.parse(await readFile(path, 'utf8'));
  } catch (cause) {
    throw new TranscriptError(`${path}: not valid JSON: ${(cause as Error).message}`, { cause });
  }
  const validate = validatorFor<Scores>('scores');
  if (!validate(data)) throw new TranscriptError(`${path}: does not match schemas/scores.schema.json: ${validate.errors?.[0]?.instancePath} ${validate.errors?.[0]?.message}`);
  return { dir, manifest, scores: data, scoresFile: path };
}

export function rowsOf(runs: readonly LoadedRun[]): Row[] {
  return runs.flatMap((r) => r.scores.conversations.map(rowOf));
}

/** The report: every aggregate, comparison, warning and gate, from scored runs. Pure. */
export function buildReport(runs: readonly LoadedRun[], gates: readonly Gate[], now: () => number): Report {
  const rows = rowsOf(runs);
  const judges = [...new Set(runs.map((r) => r.scores.judge.id))];
  const warnings = effectWarnings(rows);
  const unscored = rows.filter((r) => r.score.mem_fail.value === 'unscored').length;
  if (unscored > 0) warnings.push(`${unscored} conversation(s) have no mem_fail verdict (unscored); they are left out of every rate`);
  const notFinished = rows.filter((r) => r.score.status !== 'complete').length;
  if (notFinished > 0) warnings.push(`${notFinished} conversation(s) did not finish (errored, refused, cut off or interrupted); they are left out of every rate`);
  const skipped = runs.reduce((n, r) => n + r.scores.skipped.length, 0);
  if (skipped > 0) warnings.push(`${skipped} transcript(s) could not be scored and are missing from this report (see the scores files' "skipped")`);
  return {
    format: REPORT_FORMAT,
    generated_at: new Date(now()).toISOString(),
    judge: judges.join(', '),
    runs: runs.map((r) => ({
      run_id: r.manifest.run_id,
      dir: r.dir,
      provider: r.manifest.plan.provider,
      status: r.manifest.status,
      conversations: r.manifest.counts.conversations,
    })),
    cells: cells(rows),
    summary: summaries(rows),
    comparisons: comparisons(rows),
    warnings,
    gates: evaluateGates(gates, rows),
  };
}
