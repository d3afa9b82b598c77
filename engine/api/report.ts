import { resolve } from 'node:path';
import { makeReport } from '../cli/commands/report.js';
import { UsageError } from '../errors.js';
import type { FallbackMode } from '../report/build-report.js';
import type { Report } from '../schemas/report.generated.js';
import { writeFileDurably } from '../transcript/atomic-write.js';
import { type CommonOptions, list, sideEffects } from './common.js';

export type ReportFormat = 'table' | 'markdown' | 'csv' | 'json' | 'html';

export interface ReportOptions extends CommonOptions {
  /** Which scores file of each run to read, by judge id. Default: the run's only one. */
  judge?: string;
  /** Also render the report in this format, into `rendered`. Default: none. */
  format?: ReportFormat;
  /** Write the rendering to this file (needs `format`). */
  out?: string;
  /** Gates, as `--fail-if` takes them (`"mem_fail > 0.2"`, ...). Their outcome is in `report.gates`. */
  failIf?: readonly string[];
  /** Conversations with turns another model answered: `include` (flagged, default) or `exclude`. */
  fallback?: FallbackMode;
  /** One comparison declared in advance, `"A vs B"`: reported first and not adjusted. */
  primary?: string;
  /** A gate whose interval straddles its threshold fails too. Default: false. */
  failIfInconclusive?: boolean;
  /** Gates decide on a report that covers only part of a run. Default: false (refused). */
  allowPartial?: boolean;
  /** A calibration file (`calibrate --labels --format json`) to correct rates for judge error. */
  judgeCalibration?: string;
}

export interface ReportResult {
  /** The report (`schemas/report.schema.json`): cells, rates, comparisons, gates, coverage. */
  report: Report;
  /** The report rendered in `format`, when one was asked for. */
  rendered?: string;
  /** The absolute path written, when `out` was given. */
  file?: string;
}

/**
 * Aggregates scored runs into a report, as `driftbench report` does: rates per cell with
 * intervals over scenarios, paired comparisons, gates. Gates do not throw: read
 * `report.gates[i].failed`.
 *
 * @param runs Scored run directories, relative to `opts.cwd`.
 * @throws TranscriptError when a run is missing, damaged or not scored yet.
 * @throws UsageError for a bad format, gate, `primary`, calibration file, or `out` without `format`.
 */
export async function report(runs: string | readonly string[], opts: ReportOptions = {}): Promise<ReportResult> {
  const { cwd, now, logger, output } = sideEffects(opts);
  if (opts.out !== undefined && opts.format === undefined) {
    throw new UsageError('report: out needs a format to render in');
  }
  const made = await makeReport(
    {
      runs: list(runs),
      judge: opts.judge,
      // The JSON reporter is the cheapest rendering; it is dropped when no format was asked for.
      format: opts.format ?? 'json',
      failIf: [...(opts.failIf ?? [])],
      fallback: opts.fallback,
      primary: opts.primary,
      failIfInconclusive: opts.failIfInconclusive,
      allowPartial: opts.allowPartial,
      judgeCalibration: opts.judgeCalibration,
    },
    { cwd, now, err: output.err },
  );
  const result: ReportResult = { report: made.report };
  if (opts.format !== undefined) result.rendered = made.text;
  if (opts.out !== undefined) {
    result.file = resolve(cwd, opts.out);
    await writeFileDurably(result.file, made.text);
    logger.info({ file: result.file }, 'report written');
  }
  return result;
}
