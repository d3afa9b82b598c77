import { readFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { UsageError } from '../../errors.js';
import { diffTranscripts } from '../../diff/diff.js';
import { loadSides, pairSides, type Side } from '../../diff/pairs.js';
import { loadProfiles } from '../../models/profiles.js';
import { buildReport, loadScoredRun, type FallbackMode } from '../../report/build-report.js';
import { parseGate } from '../../report/gate.js';
import { REPORTERS, type RenderInput } from '../../report/reporters/index.js';
import type { Report } from '../../schemas/report.generated.js';
import type { TranscriptDiff } from '../../schemas/diff.generated.js';
import { writeFileDurably } from '../../transcript/atomic-write.js';
import type { Output } from '../output.js';
import { gateLine } from '../../report/reporters/common.js';
import { resolveRuns } from '../latest-run.js';
import { applyJudgeCorrection } from '../../report/judge-correction.js';
import type { Calibration } from '../../schemas/calibration.generated.js';
import { validatorFor } from '../../schemas/compile.js';
import { markedSteps } from '../../scenario/scenario.js';

export interface ReportOptions {
  runs: string[];
  judge?: string;
  format: string;
  out?: string;
  failIf: string[];
  /** Conversations with turns another model answered: counted and flagged (default), or left out. */
  fallback?: FallbackMode;
  /** --primary "A vs B": one comparison declared in advance, reported first and not adjusted. */
  primary?: string;
  /** --fail-if-inconclusive: a gate whose interval straddles its threshold fails too. */
  failIfInconclusive?: boolean;
  /** --allow-partial: gates decide on a report that covers only some conversations of a run, instead of being refused. */
  allowPartial?: boolean;
  /** --judge-calibration FILE: calibrate --labels --format json output, to correct rates for judge error. */
  judgeCalibration?: string;
}

/** Side-by-side diffs in the HTML report: one per comparison and scenario, first repeat. */
const MAX_DIFFS = 60;

/** `driftbench report`: aggregates scored runs. Returns the report; gates decide the exit code. */
export async function reportCommand(o: ReportOptions, deps: { output: Output; cwd: string; now: () => number }): Promise<Report> {
  // Printed to the terminal: fitted to its width; written to a file (--out, html): natural width.
  const width = o.out === undefined && o.format !== 'html' ? deps.output.columns : undefined;
  const { report, text, dirs } = await makeReport(o, { cwd: deps.cwd, now: deps.now, err: deps.output.err, width });
  const out = o.out ?? (o.format === 'html' ? join(dirs[0]!, 'report.html') : undefined);
  const show = (p: string) => (relative(deps.cwd, p).startsWith('..') ? p : relative(deps.cwd, p));
  if (out !== undefined) {
    await writeFileDurably(resolve(deps.cwd, out), text);
    deps.output.out(`wrote ${show(resolve(deps.cwd, out))}`);
  } else {
    deps.output.out(text.replace(/\n$/, ''));
  }
  if (o.format !== 'table' || out !== undefined) {
    for (const g of report.gates) deps.output.err(`gate ${gateLine(g)}`);
  }
  return report;
}

/**
 * The report of scored runs and its rendering in `o.format`, written nowhere: `report` prints
 * or writes it, the programmatic API returns it. `err` hears which run `latest` was taken as.
 */
export async function makeReport(
  o: Omit<ReportOptions, 'out'>,
  deps: { cwd: string; now: () => number; err: (line: string) => void; width?: number | undefined },
): Promise<{ report: Report; text: string; dirs: string[] }> {
  const reporter = REPORTERS[o.format];
  if (!reporter) throw new UsageError(`--format ${o.format}: choose one of ${Object.keys(REPORTERS).join(', ')}`);
  const gates = o.failIf.map(parseGate);
  const dirs = (await resolveRuns(o.runs, { cwd: deps.cwd, err: deps.err })).map((r) => resolve(deps.cwd, r));
  const profiles = loadProfiles();
  const runs = await Promise.all(dirs.map((d) => loadScoredRun(d, o.judge, profiles)));
  const built = buildReport(runs, gates, deps.now, {
    fallback: o.fallback ?? 'include',
    primary: o.primary,
    failIfInconclusive: o.failIfInconclusive,
    allowPartial: o.allowPartial,
  });
  const report = o.judgeCalibration === undefined ? built : applyJudgeCorrection(built, await readCalibration(resolve(deps.cwd, o.judgeCalibration)), o.judgeCalibration);
  let extras: RenderInput['extras'];
  if (reporter.needsExtras) {
    const sides = (await Promise.all(dirs.map((d) => loadSides(d, runs.find((r) => r.dir === d)!.scores.judge.id, async () => new Map(), { skipUnreadable: true })))).flat();
    // Every transcript is shown (the left-out ones marked); the diffs, like the comparisons, pair only those counted.
    const leftOut = new Set(report.fallback.mode === 'excluded' ? report.fallback.conversations.map((c) => `${c.run_id}\0${c.conversation_id}`) : []);
    extras = {
      transcripts: sides.map((s) => ({ transcript: s.transcript, score: s.score })),
      diffs: comparisonDiffs(
        report,
        sides.filter((s) => !leftOut.has(`${s.transcript.run_id}\0${s.transcript.conversation_id}`)),
      ),
      title: `driftbench report: ${report.runs.map((r) => r.run_id).join(', ')}`,
      steps: Object.fromEntries(sides.map((s) => [s.scenario.scenario.id, markedSteps(s.scenario.scenario)])),
    };
  }
  return { report, text: reporter.render({ report, extras, width: deps.width }), dirs };
}

function comparisonDiffs(report: Report, sides: readonly Side[]): TranscriptDiff[] {
  const key = (s: Side, c: Report['comparisons'][number]['a']) =>
    s.transcript.cell.model === c.model &&
    s.transcript.cell.effort === c.effort &&
    (s.transcript.cell.condition ?? 'baseline') === c.condition &&
    (s.transcript.cell.distance ?? 0) === c.distance;
  const diffs: TranscriptDiff[] = [];
  for (const c of report.comparisons) {
    const pairs = pairSides(
      sides.filter((s) => key(s, c.a)),
      sides.filter((s) => key(s, c.b)),
    );
    const seen = new Set<string>();
    for (const [a, b] of pairs) {
      if (seen.has(a.transcript.scenario.id) || diffs.length >= MAX_DIFFS) continue;
      seen.add(a.transcript.scenario.id);
      diffs.push(diffTranscripts(a.scenario.scenario, a, b));
    }
  }
  return diffs;
}

/** A calibration file (calibrate --labels --format json), read and validated at the edge. */
async function readCalibration(file: string): Promise<Calibration> {
  let data: unknown;
  try {
    data = JSON.parse(await readFile(file, 'utf8'));
  } catch (cause) {
    throw new UsageError(`${file}:1:1: not a calibration file (${(cause as Error).message}); write one with: driftbench calibrate --labels FILE --format json --out ${file}`, {
      cause,
    });
  }
  const validate = validatorFor<Calibration>('calibration');
  if (!validate(data)) {
    const e = validate.errors?.[0];
    throw new UsageError(
      `${file}:1:1: does not match schemas/calibration.schema.json (${e?.instancePath || '/'} ${e?.message}); write one with: driftbench calibrate --labels FILE --format json --out ${file}`,
    );
  }
  return data;
}
