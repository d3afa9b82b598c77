import { resolve } from 'node:path';
import { TranscriptError, UsageError } from '../../errors.js';
import { diffTranscripts } from '../../diff/diff.js';
import { loadSides, pairSides } from '../../diff/pairs.js';
import { renderDiffMarkdown, renderDiffText } from '../../diff/render-text.js';
import { renderDiffHtml } from '../../report/html/index.js';
import { loadSuite } from '../../scenario/scenario-files.js';
import type { TranscriptDiff } from '../../schemas/diff.generated.js';
import { writeFileDurably } from '../../transcript/atomic-write.js';
import type { Output } from '../output.js';

export const DIFF_FORMATS = ['text', 'markdown', 'json', 'html'] as const;

/** `driftbench diff <a> <b>`: two transcripts, or two runs matched by scenario and repeat. */
export async function diffCommand(
  o: { a: string; b: string; format: string; judge?: string; out?: string; scenarios: string[] },
  deps: { output: Output; cwd: string },
): Promise<TranscriptDiff[]> {
  if (!(DIFF_FORMATS as readonly string[]).includes(o.format)) throw new UsageError(`--format ${o.format}: choose one of ${DIFF_FORMATS.join(', ')}`);
  let suite: Map<string, Awaited<ReturnType<typeof loadSuite>>[number]> | undefined;
  const lazySuite = async () => (suite ??= new Map((await loadSuite(o.scenarios, { cwd: deps.cwd })).map((l) => [l.scenario.id, l])));
  const a = await loadSides(resolve(deps.cwd, o.a), o.judge, lazySuite);
  const b = await loadSides(resolve(deps.cwd, o.b), o.judge, lazySuite);
  const pairs = a.length === 1 && b.length === 1 ? [[a[0]!, b[0]!] as const] : pairSides(a, b);
  if (pairs.length === 0) throw new TranscriptError(`${o.a} and ${o.b} share no scenario and repeat to compare`);
  const diffs = pairs.map(([x, y]) => {
    if (x.transcript.scenario.id !== y.transcript.scenario.id)
      throw new UsageError(`cannot diff transcripts of different scenarios (${x.transcript.scenario.id} and ${y.transcript.scenario.id})`);
    return diffTranscripts(x.scenario.scenario, x, y);
  });
  const text =
    o.format === 'json'
      ? `${JSON.stringify(diffs.length === 1 ? diffs[0] : diffs, null, 2)}\n`
      : o.format === 'markdown'
        ? diffs.map(renderDiffMarkdown).join('\n')
        : o.format === 'html'
          ? renderDiffHtml(diffs[0]!, diffs.length > 1 ? `${diffs.length} diffs; the first is shown` : undefined)
          : diffs.map((d) => renderDiffText(d, deps.output.color && o.out === undefined)).join('\n');
  if (o.out !== undefined) {
    await writeFileDurably(resolve(deps.cwd, o.out), text);
    deps.output.out(`wrote ${o.out}`);
  } else deps.output.out(text.replace(/\n$/, ''));
  return diffs;
}
