import { boxTable, type TableFit } from '../report/table.js';
import type { RunDiff } from '../schemas/run-diff.generated.js';
import { renderDiffMarkdown, renderDiffText } from './render-text.js';

const MATCHED_BY: Record<RunDiff['matched_by'], string> = {
  cell: 'scenario, repeat and cell',
  'scenario-repeat-effort-condition': 'scenario, repeat, effort and condition',
  'scenario-repeat': 'scenario and repeat',
};

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** "5 verdict flips, 1 other divergence, 2 changed in wording only, 32 identical" */
export function changeCounts(d: RunDiff): string {
  const c = d.summary.by_change;
  return [plural(c.flip, 'verdict flip'), plural(c.divergence, 'other divergence', 'other divergences'), `${c.text} changed in wording only`, `${c.none} identical`].join(', ');
}

/** What the flips section says when there is no table to show. */
function flipsNote(d: RunDiff): string | undefined {
  const scored = d.summary.flips_by_scenario.reduce((n, s) => n + s.scored, 0);
  if (scored === 0) return 'verdict flips: unknown, no pair is scored on both sides (run driftbench score on each run)';
  if (d.summary.by_change.flip === 0) return `verdict flips: none (${scored} of ${d.summary.compared} pairs scored on both sides)`;
  return undefined;
}

const flipRows = (d: RunDiff) => d.summary.flips_by_scenario.filter((s) => s.yes_to_no + s.no_to_yes > 0).map((s) => [s.scenario, s.pairs, s.scored, s.yes_to_no, s.no_to_yes]);
const FLIP_HEAD = ['Scenario', 'Pairs', 'Scored', 'A YES -> B NO', 'A NO -> B YES'];

function shownLine(d: RunDiff): string {
  const hidden = d.summary.compared - d.diffs.length;
  if (d.diffs.length === 0) return `no pair changed; --all shows all ${d.summary.compared}`;
  const what = d.shown === 'all' ? `all ${plural(d.diffs.length, 'pair')}` : plural(d.diffs.length, 'changed pair');
  return `showing ${what}, flips first${hidden > 0 ? `; --all shows the ${hidden} identical too` : ''}`;
}

function unmatched(ids: string[], side: 'A' | 'B', line: (id: string) => string): string[] {
  return ids.length === 0 ? [`unmatched in ${side}: none`] : [`unmatched in ${side} (${ids.length}):`, ...ids.map(line)];
}

/** The summary of two runs, then the diffs shown (text; colour as for one pair). */
export function renderRunDiffText(d: RunDiff, color: boolean, fit: TableFit = {}): string {
  const out = [
    `diff of runs: A = ${d.a.input} (run ${d.a.run_id ?? '-'}, ${plural(d.a.conversations, 'conversation')}), B = ${d.b.input} (run ${d.b.run_id ?? '-'}, ${plural(d.b.conversations, 'conversation')})`,
    `pairs compared: ${d.summary.compared}, matched by ${MATCHED_BY[d.matched_by]}: ${changeCounts(d)}`,
    ...unmatched(d.summary.unmatched.a, 'A', (id) => `  ${id}`),
    ...unmatched(d.summary.unmatched.b, 'B', (id) => `  ${id}`),
  ];
  const note = flipsNote(d);
  if (note) out.push(note);
  else {
    const rows = flipRows(d);
    const quiet = d.summary.flips_by_scenario.length - rows.length;
    out.push('verdict flips (mem_fail) by scenario:', boxTable(FLIP_HEAD, rows, fit));
    if (quiet > 0) out.push(`no flip in the other ${plural(quiet, 'scenario')}`);
  }
  out.push(shownLine(d));
  const body = d.diffs.map((x) => renderDiffText(x, color, fit));
  return `${out.join('\n')}\n${body.map((x) => `\n${x}`).join('')}`;
}

/** The summary of two runs as Markdown, then each diff shown under a level-2 heading. */
export function renderRunDiffMarkdown(d: RunDiff): string {
  const code = (s: string) => `\`${s.replace(/`/g, "'")}\``;
  const out = [
    `# diff of runs ${code(d.a.input)} and ${code(d.b.input)}`,
    '',
    `A = ${code(d.a.input)} (run ${d.a.run_id ?? '-'}, ${plural(d.a.conversations, 'conversation')}); B = ${code(d.b.input)} (run ${d.b.run_id ?? '-'}, ${plural(d.b.conversations, 'conversation')}).`,
    '',
    `**Pairs compared:** ${d.summary.compared}, matched by ${MATCHED_BY[d.matched_by]}: ${changeCounts(d)}.`,
  ];
  for (const [side, ids] of [
    ['A', d.summary.unmatched.a],
    ['B', d.summary.unmatched.b],
  ] as const) {
    out.push('', ids.length === 0 ? `**Unmatched in ${side}:** none` : `**Unmatched in ${side} (${ids.length}):**`);
    if (ids.length) out.push('', ...ids.map((id) => `- ${code(id)}`));
  }
  const note = flipsNote(d);
  out.push('', '## Verdict flips by scenario', '');
  if (note) out.push(note.replace(/^verdict flips: /, ''));
  else {
    const rows = flipRows(d);
    out.push(`| ${FLIP_HEAD.join(' | ')} |`, `| ${FLIP_HEAD.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`));
    const quiet = d.summary.flips_by_scenario.length - rows.length;
    if (quiet > 0) out.push('', `No flip in the other ${plural(quiet, 'scenario')}.`);
  }
  out.push('', `${shownLine(d).replace(/^./, (c) => c.toUpperCase())}.`);
  const body = d.diffs.map((x) => renderDiffMarkdown(x, 2));
  return `${out.join('\n')}\n${body.map((x) => `\n${x}`).join('')}`;
}
