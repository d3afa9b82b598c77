/**
 * The HTML page of `driftbench diff RUN_A RUN_B --format html`: the summary of two runs, then
 * every pair as a collapsed <details>, flips first. Built from the same pieces as the report's
 * diffs (`diffDetails`), so a pair reads the same in both.
 */
import type { Pair, RunDiff } from '../../schemas/run-diff.generated.js';
import { html, type Html } from './escape.js';
import { Anchors, diffDetails, filterForm, page, table, type StepMarks } from './render.js';

const MATCHED_BY: Record<RunDiff['matched_by'], string> = {
  cell: 'scenario, repeat and cell',
  'scenario-repeat-effort-condition': 'scenario, repeat, effort and condition',
  'scenario-repeat': 'scenario and repeat',
};
const n = (k: number, one: string, many = `${one}s`) => `${k} ${k === 1 ? one : many}`;

const SECTIONS: Array<{ change: Pair['change']; title: string }> = [
  { change: 'flip', title: 'Verdict flips' },
  { change: 'divergence', title: 'Other divergences' },
  { change: 'text', title: 'Changed in wording only' },
  { change: 'none', title: 'Identical' },
];

function list(ids: string[]): Html {
  return ids.length ? html`<ul>${ids.map((id) => html`<li><code>${id}</code></li>`)}</ul>` : html`<p class="muted">None.</p>`;
}

/** Every pair of two runs on one page. `d.diffs` must hold every pair (`shown: all`), in the order of `d.pairs`. */
export function renderRunDiffHtml(d: RunDiff, steps?: Record<string, StepMarks>): string {
  const anchors = new Anchors();
  for (const x of d.diffs) anchors.scenario(x.scenario);
  const title = `driftbench diff: ${d.a.run_id ?? d.a.input} vs ${d.b.run_id ?? d.b.input}`;
  const c = d.summary.by_change;
  const flips = d.summary.flips_by_scenario.filter((s) => s.yes_to_no + s.no_to_yes > 0);
  const scored = d.summary.flips_by_scenario.reduce((n, s) => n + s.scored, 0);
  const flipTable = flips.length
    ? table(
        'summary',
        ['scenario', 'pairs', 'scored', 'A YES → B NO', 'A NO → B YES'],
        flips.map((s) => [html`<a href="#flip-${anchors.scenario(s.scenario)}">${s.scenario}</a>`, s.pairs, s.scored, s.yes_to_no, s.no_to_yes]),
      )
    : html`<p class="muted">${scored === 0 ? 'Unknown: no pair is scored on both sides.' : `None (${scored} of ${d.summary.compared} pairs scored on both sides).`}</p>`;
  const summary = html`<section id="summary"><h2>Summary</h2>
<p>A = <code>${d.a.input}</code> (run ${d.a.run_id ?? '–'}, ${d.a.conversations} conversations) · B = <code>${d.b.input}</code> (run ${d.b.run_id ?? '–'}, ${d.b.conversations} conversations)</p>
<p><b>${n(d.summary.compared, 'pair')} compared</b>, matched by ${MATCHED_BY[d.matched_by]}: ${n(c.flip, 'verdict flip')}, ${n(c.divergence, 'other divergence', 'other divergences')}, ${c.text} changed in wording only, ${c.none} identical.</p>
<h3>Unmatched in A (${d.summary.unmatched.a.length})</h3>${list(d.summary.unmatched.a)}
<h3>Unmatched in B (${d.summary.unmatched.b.length})</h3>${list(d.summary.unmatched.b)}
<h3>Verdict flips by scenario</h3>${flipTable}</section>`;
  const sections = SECTIONS.map(({ change, title: heading }) => {
    const rows = d.pairs.flatMap((p, i) => (p.change === change && d.diffs[i] ? [{ p, diff: d.diffs[i] }] : []));
    if (rows.length === 0) return '';
    // Grouped by scenario within each kind of change, each group an anchor the summary links to.
    const scenarios = [...new Set(rows.map((r) => r.diff.scenario))];
    const groups = scenarios.map((id) => {
      const mine = rows.filter((r) => r.diff.scenario === id);
      const slug = `${change}-${anchors.scenario(id)}`;
      const items = mine.map(({ p, diff }) =>
        diffDetails(diff, false, { label: html`<code>${p.a}</code>${p.b === p.a ? '' : html` / <code>${p.b}</code>`}`, anchors, trap: steps?.[id]?.trap }),
      );
      return html`<section class="scenario-group" id="${slug}" data-group><h3>${id} <span class="muted">(${mine.length})</span></h3>${items}</section>`;
    });
    return html`<section id="${change}"><h2>${heading} (${rows.length})</h2>${groups}</section>`;
  });
  const index = table(
    'pairs',
    ['scenario', ...SECTIONS.map((x) => x.title.toLowerCase())],
    anchors.scenarioIds.map((id) => [
      id,
      ...SECTIONS.map(({ change }) => {
        const k = d.pairs.filter((p, i) => p.change === change && d.diffs[i]?.scenario === id).length;
        return k ? html`<a href="#${change}-${anchors.scenario(id)}">${k}</a>` : '0';
      }),
    ]),
    anchors.scenarioIds.map((id) => ({ scenario: anchors.scenario(id) })),
  );
  return page(
    title,
    html`<header><h1>${title}</h1></header>${filterForm(anchors, anchors.scenarioIds, true)}<main>${summary}<section id="by-scenario"><h2>Pairs by scenario</h2>${index}</section>${sections}</main>`,
  );
}
