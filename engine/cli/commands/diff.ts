import { resolve } from 'node:path';
import { stat } from 'node:fs/promises';
import { TranscriptError, UsageError } from '../../errors.js';
import { diffTranscripts } from '../../diff/diff.js';
import { loadSides } from '../../diff/pairs.js';
import { renderRunDiffMarkdown, renderRunDiffText } from '../../diff/render-run.js';
import { renderDiffMarkdown, renderDiffText } from '../../diff/render-text.js';
import { diffRuns } from '../../diff/run-diff.js';
import { renderDiffHtml, renderRunDiffHtml } from '../../report/html/index.js';
import { loadSuite } from '../../scenario/scenario-files.js';
import { markedSteps } from '../../scenario/scenario.js';
import type { TranscriptDiff } from '../../schemas/diff.generated.js';
import type { RunDiff } from '../../schemas/run-diff.generated.js';
import { writeFileDurably } from '../../transcript/atomic-write.js';
import type { Output } from '../output.js';

export const DIFF_FORMATS = ['text', 'markdown', 'json', 'html'] as const;

/**
 * `driftbench diff <a> <b>`: two transcripts, or two runs matched by scenario and repeat. Two
 * runs (either argument a directory) print a summary first, then the pairs that changed, flips
 * first (`all`: every pair); the HTML page always holds every pair.
 */
export async function diffCommand(
  o: { a: string; b: string; format: string; judge?: string; out?: string; scenarios: string[]; all?: boolean },
  deps: { output: Output; cwd: string },
): Promise<TranscriptDiff | RunDiff> {
  // Printed: the terminal's colours and width; written with --out: neither.
  const { result, text } = await makeDiff(o, { cwd: deps.cwd, color: deps.output.color && o.out === undefined, columns: o.out === undefined ? deps.output.columns : undefined });
  if (o.out !== undefined) {
    await writeFileDurably(resolve(deps.cwd, o.out), text);
    deps.output.out(`wrote ${o.out}`);
  } else deps.output.out(text.replace(/\n$/, ''));
  return result;
}

/** The diff of two transcripts or two runs and its rendering in `o.format`, written nowhere: `diff` prints it, the API returns it. */
export async function makeDiff(
  o: { a: string; b: string; format: string; judge?: string; scenarios: readonly string[]; all?: boolean },
  deps: { cwd: string; color: boolean; columns?: number | undefined },
): Promise<{ result: TranscriptDiff | RunDiff; text: string }> {
  if (!(DIFF_FORMATS as readonly string[]).includes(o.format)) throw new UsageError(`--format ${o.format}: choose one of ${DIFF_FORMATS.join(', ')}`);
  let suite: Map<string, Awaited<ReturnType<typeof loadSuite>>[number]> | undefined;
  const lazySuite = async () => (suite ??= new Map((await loadSuite(o.scenarios, { cwd: deps.cwd })).map((l) => [l.scenario.id, l])));
  const a = await loadSides(resolve(deps.cwd, o.a), o.judge, lazySuite);
  const b = await loadSides(resolve(deps.cwd, o.b), o.judge, lazySuite);
  const isDir = async (p: string) => (await stat(resolve(deps.cwd, p))).isDirectory();
  const color = deps.color;
  const fit = { width: deps.columns };
  let result: TranscriptDiff | RunDiff;
  let text: string;
  if ((await isDir(o.a)) || (await isDir(o.b))) {
    const d = diffRuns({ input: o.a, sides: a }, { input: o.b, sides: b }, { all: o.all === true || o.format === 'html' });
    if (d.summary.compared === 0) throw new TranscriptError(`${o.a} and ${o.b} share no scenario and repeat to compare`);
    result = d;
    text =
      o.format === 'json'
        ? `${JSON.stringify(d, null, 2)}\n`
        : o.format === 'markdown'
          ? renderRunDiffMarkdown(d)
          : o.format === 'html'
            ? renderRunDiffHtml(d, Object.fromEntries([...a, ...b].map((s) => [s.scenario.scenario.id, markedSteps(s.scenario.scenario)])))
            : renderRunDiffText(d, color, fit);
  } else {
    const [x, y] = [a[0]!, b[0]!];
    if (x.transcript.scenario.id !== y.transcript.scenario.id)
      throw new UsageError(`cannot diff transcripts of different scenarios (${x.transcript.scenario.id} and ${y.transcript.scenario.id})`);
    const d = diffTranscripts(x.scenario.scenario, x, y);
    result = d;
    text =
      o.format === 'json'
        ? `${JSON.stringify(d, null, 2)}\n`
        : o.format === 'markdown'
          ? renderDiffMarkdown(d)
          : o.format === 'html'
            ? renderDiffHtml(d, undefined, markedSteps(x.scenario.scenario).trap)
            : renderDiffText(d, color, fit);
  }
  return { result, text };
}
