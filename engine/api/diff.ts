import { resolve } from 'node:path';
import { makeDiff } from '../cli/commands/diff.js';
import { UsageError } from '../errors.js';
import type { TranscriptDiff } from '../schemas/diff.generated.js';
import type { RunDiff } from '../schemas/run-diff.generated.js';
import { writeFileDurably } from '../transcript/atomic-write.js';
import { type CommonOptions, sideEffects } from './common.js';

export type DiffFormat = 'text' | 'markdown' | 'json' | 'html';

export interface DiffOptions extends CommonOptions {
  /** Which scores to show beside each transcript, by judge id. */
  judge?: string;
  /** The suite for transcript files outside a run directory. Default: `scenarios`. */
  scenarios?: readonly string[];
  /** Two runs: every pair, not only the changed ones. Default: false. */
  all?: boolean;
  /** Also render the diff in this format, into `rendered` (text without colour). */
  format?: DiffFormat;
  /** Write the rendering to this file (needs `format`). */
  out?: string;
}

export interface DiffResult {
  /**
   * Two runs (either argument a directory): a `RunDiff` (`format: 'driftbench.run-diff/1'`), the
   * pairs matched by scenario and repeat. Two transcript files: a `TranscriptDiff`
   * (`format: 'driftbench.diff/1'`), step-aligned.
   */
  diff: RunDiff | TranscriptDiff;
  rendered?: string;
  file?: string;
}

/**
 * Compares two transcripts, or two runs, as `driftbench diff` does: the first divergence that
 * matters, word diffs per step, and for runs the verdicts that flipped.
 *
 * @throws TranscriptError when the runs share no scenario and repeat, or a file is damaged.
 * @throws UsageError for transcripts of different scenarios, a bad format, or `out` without `format`.
 */
export async function diff(a: string, b: string, opts: DiffOptions = {}): Promise<DiffResult> {
  const { cwd, logger } = sideEffects(opts);
  if (opts.out !== undefined && opts.format === undefined) throw new UsageError('diff: out needs a format to render in');
  const made = await makeDiff({ a, b, format: opts.format ?? 'json', judge: opts.judge, scenarios: opts.scenarios ?? ['scenarios'], all: opts.all }, { cwd, color: false });
  const result: DiffResult = { diff: made.result };
  if (opts.format !== undefined) result.rendered = made.text;
  if (opts.out !== undefined) {
    result.file = resolve(cwd, opts.out);
    await writeFileDurably(result.file, made.text);
    logger.info({ file: result.file }, 'diff written');
  }
  return result;
}
