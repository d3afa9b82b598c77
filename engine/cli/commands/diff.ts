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
  if (!(DIFF_FORMATS as readonly string[]).includes(o.format)) throw new UsageError(`--format ${o.format}: choose one of ${DIFF_FORMATS.join(', ')}`);
  let suite: Map<string, Awaited<ReturnType<typeof loadSuite>>[number]> | undefined;
  const lazySuite = async () => (suite ??= new Map((await loadSuite(o.scenarios, { cwd: deps.cwd })).map((l) => [l.scenario.id, l])));
  const a = await loadSides(resolve(deps.cwd, o.a), o.judge, lazySuite);
  const b = await loadSides(resolve(deps.cwd, o.b), o.judge, lazySuite);
  const isDir = async (p: string) => (await stat(resolve(deps.cwd, p))).isDirectory();
  const color = deps.output.color && o.out === undefined;
  const fit = { width: o.out === undefined ? deps.output.columns : undefined };
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
            ? renderRunDiffHtml(d)
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
            ? renderDiffHtml(d)
            : renderDiffText(d, color, fit);
  }
  if (o.out !== undefined) {
    await writeFileDurably(resolve(deps.cwd, o.out), text);
    deps.output.out(`wrote ${o.out}`);
  } else deps.output.out(text.replace(/\n$/, ''));
  return result;
}
