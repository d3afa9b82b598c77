/**
 * The HTML report: one self-contained file that opens straight from disk. No network, no
 * external font, and one inline script (filters and sortable tables, `script.ts`) that the
 * Content-Security-Policy allows by its hash: any other script, such as markup in a model's
 * reply, would not run even if it reached the page. Without the script everything is still
 * shown. Every string that comes from a report, transcript or diff is untrusted and goes
 * through the escaping `html` tag; filters read only tokens the renderer made.
 */
import type { CellKey, CellStats, FallbackConversation, GroupStats, Report } from '../../schemas/report.generated.js';
import type { Step, StepSide, TranscriptDiff } from '../../schemas/diff.generated.js';
import type { Transcript, Turn, Block } from '../../transcript/format.js';
import type { ConversationScore } from '../../schemas/scores.generated.js';
import { clusteredRate } from '../../stats/index.js';
import { Html, html, type HtmlValue } from './escape.js';
import { barChart, groupedBarChart, lineChart, type Bar, type LineSeries } from './svg.js';
import { PAGE_SCRIPT, scriptHash } from './script.js';

/** The steps of a scenario worth marking in its transcripts: the trap and the judged steps. */
export interface StepMarks {
  trap: number[];
  judged: number[];
}

export interface HtmlInput {
  report: Report;
  transcripts: Array<{ transcript: Transcript; score: ConversationScore | null }>;
  diffs: TranscriptDiff[];
  title?: string;
  /** By scenario id. Without it, judged steps come from each score, and no trap is marked. */
  steps?: Record<string, StepMarks>;
}

// ---------- numbers ----------

const NA = html`<span class="na">–</span>`;
const pct = (v: number): string => `${(v * 100).toFixed(1)}%`;
const secs = (ms: number): string => (ms / 1000).toFixed(ms < 10_000 ? 2 : 1);
/** Latency on a plot axis: milliseconds below a second, so that short runs do not label every tick 0.00 s. */
const latency = (ms: number): string => (ms === 0 ? '0' : ms < 1000 ? `${Math.round(ms)} ms` : `${secs(ms)} s`);
const usd = (v: number): string => (v === 0 ? '$0' : `$${v.toFixed(v >= 1 ? 2 : v >= 0.01 ? 3 : 4)}`);
const dec = (v: number): string => (Number.isInteger(v) ? String(v) : v.toFixed(1));
const int = (v: number): string =>
  Math.round(v)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, ',');
const opt = (v: number | null | undefined, f: (v: number) => string): HtmlValue => (v === null || v === undefined ? NA : f(v));
const ci = (c: { low: number; high: number } | null): HtmlValue => (c ? `${pct(c.low)}–${pct(c.high)}` : NA);
const cellLabel = (k: CellKey): string => [k.model, k.effort, k.condition, `d${k.distance}`].join(' · ');
/** A cell as the filter and the anchors see it: model, effort and condition (distances together). */
const filterCell = (c: { model: string; effort: string; condition?: string | null }): string => [c.model, c.effort, c.condition ?? 'baseline'].join(' · ');

function verdict(v: string | null | undefined): Html {
  const cls = v === 'YES' ? 'bad' : v === 'NO' ? 'good' : 'muted';
  return html`<span class="badge ${cls}">${v ?? 'unscored'}</span>`;
}

/** A verdict as a filter token: YES, NO or unscored. */
const verdictToken = (v: string | null | undefined): string => (v === 'YES' || v === 'NO' ? v : 'unscored');

/** A verdict flip: both sides scored, and the verdicts differ. */
export const isFlip = (d: TranscriptDiff): boolean =>
  (d.a.mem_fail === 'YES' || d.a.mem_fail === 'NO') && (d.b.mem_fail === 'YES' || d.b.mem_fail === 'NO') && d.a.mem_fail !== d.b.mem_fail;

/** A table cell with a sort key: what the reader sees, and the number the table sorts by. */
export class SortCell {
  constructor(
    readonly display: HtmlValue,
    readonly key: number | string | null,
  ) {}
}
type CellValue = HtmlValue | SortCell;
const sorted = (display: HtmlValue, key: number | null | undefined): SortCell => new SortCell(display, key ?? null);

/**
 * Ids and filter tokens for scenarios and cells. A scenario's token is a slug of its id (unique
 * on the page); a cell's is `c` and its index. Both are ours, never text from the data, so the
 * script can compare them and an anchor can name them without escaping anything.
 */
export class Anchors {
  private readonly scenarios = new Map<string, string>();
  private readonly cells = new Map<string, string>();
  readonly cellLabels: string[] = [];
  scenario(id: string): string {
    let slug = this.scenarios.get(id);
    if (slug === undefined) {
      const base = `scenario-${
        id
          .toLowerCase()
          .replace(/[^a-z0-9_-]+/g, '-')
          .replace(/^-+|-+$/g, '') || 'x'
      }`;
      const taken = new Set(this.scenarios.values());
      slug = base;
      for (let k = 2; taken.has(slug); k++) slug = `${base}-${k}`;
      this.scenarios.set(id, slug);
    }
    return slug;
  }
  get scenarioIds(): string[] {
    return [...this.scenarios.keys()];
  }
  cell(label: string): string {
    let token = this.cells.get(label);
    if (token === undefined) {
      token = `c${this.cells.size}`;
      this.cells.set(label, token);
      this.cellLabels.push(label);
    }
    return token;
  }
}

// ---------- page ----------

/** The page's Content-Security-Policy: styles inline, images as data, and only our script, by its hash. */
export const CSP = `default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src ${scriptHash(PAGE_SCRIPT)}`;

export function page(title: string, body: Html): string {
  return html`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${new Html(CSP)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${title}</title>
<style>${PAGE_CSS}</style>
</head>
<body>
${body}
<script>${new Html(PAGE_SCRIPT)}</script>
</body>
</html>
`.value;
}

/** Attributes of a table row that filters read: tokens made by `Anchors`, never data. */
export interface RowAttrs {
  scenario?: string;
  cell?: string;
  id?: string;
}

function td(c: CellValue): Html {
  return c instanceof SortCell ? html`<td data-sort="${c.key ?? ''}">${c.display}</td>` : html`<td>${c}</td>`;
}

/** A table; rows may carry filter tokens. Sortable by clicking a heading once the script runs. */
export function table(cls: string, head: string[], rows: CellValue[][], attrs?: RowAttrs[]): Html {
  const tr = (r: CellValue[], i: number): Html => {
    const a = attrs?.[i];
    const filter = a && (a.scenario !== undefined || a.cell !== undefined);
    return html`<tr${a?.id ? html` id="${a.id}"` : ''}${filter ? html` data-filterable${a.scenario !== undefined ? html` data-scenario="${a.scenario}"` : ''}${a.cell !== undefined ? html` data-cell="${a.cell}"` : ''}` : ''}>${r.map(td)}</tr>`;
  };
  return html`<div class="scroll"><table class="${cls} sortable"><thead><tr>${head.map((h) => html`<th scope="col">${h}</th>`)}</tr></thead><tbody>${rows.map(tr)}</tbody></table></div>`;
}

function header(report: Report, title: string): Html {
  const runs = report.runs.map((r) => [
    r.run_id,
    r.provider,
    r.status,
    int(r.conversations),
    `${int(r.scored)}${r.scored < r.conversations ? ' (partial)' : ''}`,
    html`<code>${r.dir}</code>`,
  ]);
  return html`<header><h1>${title}</h1><p class="meta">Generated ${report.generated_at} · judge <code>${report.judge}</code> · ${report.runs.length} run(s)</p>
<nav><a href="#summary">Summary</a> <a href="#plots">Plots</a> <a href="#scenarios">Scenarios</a> <a href="#comparisons">Comparisons</a> <a href="#conversations">Conversations by scenario</a></nav>
${table('runs', ['run', 'provider', 'status', 'conversations', 'scored', 'directory'], runs)}</header>`;
}

function warningsAndGates(report: Report): Html {
  const warnings = report.warnings.length
    ? html`<section class="warnings" aria-label="warnings"><h2>Warnings</h2><ul>${report.warnings.map((w) => html`<li>${w}</li>`)}</ul></section>`
    : '';
  const gates = report.gates.length
    ? html`<section class="gates"><h2>Gates</h2>${table(
        'gates',
        ['expression', 'value', '95% CI', 'result', 'why'],
        report.gates.map((g) => [
          html`<code>${g.expression}</code>`,
          opt(g.value, (v) => String(Number(v.toPrecision(4)))),
          ci(g.interval),
          html`<span class="badge ${g.failed ? 'bad' : g.decision === 'inconclusive' ? 'muted' : 'good'}">${g.failed ? 'FAIL' : g.decision === 'inconclusive' ? 'INCONCLUSIVE' : 'PASS'}</span>`,
          g.why ?? '',
        ]),
      )}</section>`
    : '';
  return html`${warnings}${gates}`;
}

// ---------- tables ----------

function groupRows(groups: GroupStats[]): CellValue[][] {
  return groups.map((g) => [
    g.group,
    sorted(int(g.mem_fail.S), g.mem_fail.S),
    sorted(int(g.mem_fail.n), g.mem_fail.n),
    sorted(int(g.mem_fail.failed), g.mem_fail.failed),
    sorted(opt(g.mem_fail.rate, pct), g.mem_fail.rate),
    sorted(ci(g.mem_fail.ci95), g.mem_fail.ci95?.low),
    sorted(opt(g.latency_median_ms, secs), g.latency_median_ms),
    sorted(opt(g.cost_median_usd, usd), g.cost_median_usd),
    sorted(opt(g.citations_median, dec), g.citations_median),
  ]);
}

function summaryTables(report: Report): Html {
  const s = report.summary;
  const head = ['group', 'S', 'n', 'failed', 'mem_fail rate', '95% CI', 'median latency (s)', 'median cost ($)', 'median citations'];
  // A condition or distance table of one row repeats the overall one: shown only when it compares.
  const parts: Array<[string, GroupStats[], number]> = [
    ['Overall', [s.overall], 1],
    ['By model', s.by_model, 1],
    ['By effort', s.by_effort, 1],
    ['By condition', s.by_condition, 2],
    ['By distance', s.by_distance, 2],
    // Present when a template family has several instances (issue 16): each family's rate over its own instances.
    ['By family', s.by_family ?? [], 1],
  ];
  const single = parts.filter(([, g, min]) => min > 1 && g.length === 1).map(([name, g]) => `${name.slice(3)}: ${g[0]!.group}`);
  return html`<section id="summary"><h2>Summary</h2>${parts
    .filter(([, g, min]) => g.length >= min)
    .map(([name, g]) => html`<h3>${name}</h3>${table('summary', head, groupRows(g))}`)}${
    single.length ? html`<p class="muted single">One value only, so no table: ${single.join('; ')}.</p>` : ''
  }</section>`;
}

function scenarioTables(cells: CellStats[], anchors: Anchors, shown: Set<string>): Html {
  const byScenario = new Map<string, CellStats[]>();
  for (const c of cells) byScenario.set(c.scenario, [...(byScenario.get(c.scenario) ?? []), c]);
  const head = [
    'transcripts',
    'model',
    'effort',
    'condition',
    'distance',
    'n',
    'mem fail',
    'rate (95% CI)',
    'median citations',
    'median latency (s)',
    'median cost ($)',
    'output tokens',
    'retention',
    'coherence',
  ];
  const tables = [...byScenario].map(([scenario, rows]) => {
    const slug = anchors.scenario(scenario);
    const body = rows.map((c): CellValue[] => {
      const cell = anchors.cell(filterCell(c.cell));
      const target = `${slug}--${cell}`;
      return [
        shown.has(target) ? html`<a href="#${target}">view</a>` : NA,
        c.cell.model,
        c.cell.effort,
        c.cell.condition,
        sorted(String(c.cell.distance), c.cell.distance),
        sorted(int(c.mem_fail.n), c.mem_fail.n),
        sorted(`${c.mem_fail.failed}/${c.mem_fail.n}`, c.mem_fail.failed),
        sorted(c.mem_fail.rate === null ? NA : html`${pct(c.mem_fail.rate)} <span class="muted">(${ci(c.mem_fail.ci95)})</span>`, c.mem_fail.rate),
        sorted(opt(c.citations_median, dec), c.citations_median),
        sorted(opt(c.latency_median_ms, secs), c.latency_median_ms),
        sorted(opt(c.cost_median_usd, usd), c.cost_median_usd),
        sorted(opt(c.output_tokens_median, int), c.output_tokens_median),
        sorted(opt(c.retention_mean, pct), c.retention_mean),
        sorted(opt(c.coherence_mean, pct), c.coherence_mean),
      ];
    });
    const attrs = rows.map((c) => ({ scenario: slug, cell: anchors.cell(filterCell(c.cell)) }));
    const heading = shown.has(slug) ? html`<a href="#${slug}">${scenario}</a>` : scenario;
    return html`<div class="scenario-table" data-group><h3>${heading}</h3>${table('cells', head, body, attrs)}</div>`;
  });
  return html`<section id="scenarios"><h2>Scenarios</h2>${tables.length ? tables : html`<p class="muted">No cells.</p>`}</section>`;
}

function comparisons(report: Report): Html {
  const list = report.comparisons;
  const f = report.comparison_family;
  if (list.length === 0 && report.trends.length === 0) return html`<section id="comparisons"><h2>Comparisons</h2><p class="muted">No comparisons.</p></section>`;
  const p = (x: number | null) => (x === null ? NA : x < 0.001 ? '< 0.001' : x.toFixed(3));
  const rows = list.map((c) => [
    c.axis,
    cellLabel(c.a),
    cellLabel(c.b),
    int(c.S),
    `${c.a_failed}/${c.n_a}`,
    `${c.b_failed}/${c.n_b}`,
    c.diff === null ? NA : html`${pct(c.diff)} <span class="muted">(${ci(c.ci95)})</span>`,
    p(c.p_value),
    c.primary ? 'primary' : p(c.p_adjusted),
    html`<span class="badge ${c.significant ? 'bad' : 'muted'}">${c.significant ? 'yes' : 'no'}</span>`,
  ]);
  const head = ['axis', 'A', 'B', 'S', 'A failed', 'B failed', 'difference (95% CI)', 'p', 'Holm p', 'significant'];
  const family = `Paired by scenario, never by repeat; ${f.size} in the family, ${f.adjustment}${f.primary ? `; primary: ${f.primary}, not adjusted` : ''}.`;
  return html`<section id="comparisons"><h2>Comparisons</h2><p class="muted">${family}</p>${table('comparisons', head, rows)}<ul class="sentences">${[...list.map((c) => c.sentence), ...report.trends.map((t) => t.sentence)].map((x) => html`<li>${x}</li>`)}</ul><h3>Methods</h3><ul class="sentences">${Object.entries(report.methods).map(([what, how]) => html`<li>${what}: ${how}</li>`)}</ul></section>`;
}

// ---------- plots ----------

function figure(caption: string, chart: Html): Html {
  return html`<figure>${chart}<figcaption>${caption}</figcaption></figure>`;
}

const rateBars = (groups: GroupStats[]): Bar[] =>
  groups.map((g) => ({ label: g.group, value: g.mem_fail.rate, low: g.mem_fail.ci95?.low, high: g.mem_fail.ci95?.high, note: `${g.mem_fail.failed}/${g.mem_fail.n} failed` }));

/** mem_fail by model and effort: the mean of the per-scenario rates, with its interval over scenarios. */
function modelEffortChart(cells: CellStats[]): Html {
  const models = [...new Set(cells.map((c) => c.cell.model))];
  const efforts = [...new Set(cells.map((c) => c.cell.effort))];
  const groups = models.map((model) => ({
    label: model,
    values: efforts.map((effort) => {
      const mine = cells.filter((c) => c.cell.model === model && c.cell.effort === effort);
      const r = clusteredRate(mine.map((c) => ({ scenario: c.scenario, failed: c.mem_fail.failed, n: c.mem_fail.n })));
      return { value: r.rate, low: r.ci95?.low, high: r.ci95?.high, note: `${r.failed}/${r.n} failed, S = ${r.S}` };
    }),
  }));
  const spec = {
    title: 'mem_fail rate by model and effort, mean over scenarios',
    valueLabel: 'mem_fail rate (95% Wilson interval)',
    categoryLabel: 'model',
    format: pct,
    max: 1,
  };
  return groupedBarChart({ ...spec, series: efforts, groups });
}

/** One line per cell key: the mean over scenarios of each step's median citations. */
function citationSeries(cells: CellStats[]): LineSeries[] {
  const byKey = new Map<string, Map<number, number[]>>();
  for (const c of cells) {
    const steps = byKey.get(cellLabel(c.cell)) ?? new Map<number, number[]>();
    for (const [step, v] of Object.entries(c.citations_by_step)) steps.set(Number(step), [...(steps.get(Number(step)) ?? []), v]);
    byKey.set(cellLabel(c.cell), steps);
  }
  return [...byKey].map(([name, steps]) => ({
    name,
    points: [...steps].filter(([x]) => Number.isFinite(x)).map(([x, vs]) => ({ x, y: vs.reduce((a, b) => a + b, 0) / vs.length })),
  }));
}

function plots(report: Report): Html {
  const s = report.summary;
  const rate = { valueLabel: 'mem_fail rate (95% Wilson interval)', format: pct, max: 1 };
  const figures = [
    figure('mem_fail rate by model, with 95% Wilson intervals.', barChart({ ...rate, title: 'mem_fail rate by model', categoryLabel: 'model', bars: rateBars(s.by_model) })),
    figure('mem_fail rate by effort, with 95% Wilson intervals.', barChart({ ...rate, title: 'mem_fail rate by effort', categoryLabel: 'effort', bars: rateBars(s.by_effort) })),
    figure('mem_fail rate by model and effort: the mean of the per-scenario rates, with a 95% interval over scenarios.', modelEffortChart(report.cells)),
    figure(
      'Median conversation latency by effort.',
      barChart({
        title: 'Median latency by effort',
        valueLabel: 'median latency',
        categoryLabel: 'effort',
        format: latency,
        zeroIsNoData: true,
        bars: s.by_effort.map((g) => ({ label: g.group, value: g.latency_median_ms })),
      }),
    ),
    figure(
      'Median conversation cost by effort.',
      barChart({
        title: 'Median cost by effort',
        valueLabel: 'median cost (USD)',
        categoryLabel: 'effort',
        format: usd,
        zeroIsNoData: true,
        bars: s.by_effort.map((g) => ({ label: g.group, value: g.cost_median_usd })),
      }),
    ),
    figure(
      'Citations of established constraints per step: for each cell, the mean over scenarios of the median per step.',
      lineChart({ title: 'Citations per step', xLabel: 'step', yLabel: 'citations', format: dec, series: citationSeries(report.cells) }),
    ),
    s.by_distance.length > 1
      ? figure(
          'mem_fail rate against distance, with 95% Wilson intervals.',
          barChart({ ...rate, title: 'mem_fail rate by distance', categoryLabel: 'distance', bars: rateBars(s.by_distance) }),
        )
      : '',
  ];
  return html`<section id="plots"><h2>Plots</h2><div class="figures">${figures}</div></section>`;
}

// ---------- diffs ----------

function sideCell(side: StepSide): Html {
  if (side === null) return html`<td class="side"><p class="muted">No reply at this step.</p></td>`;
  const tokens = `${int(side.input_tokens)} in / ${int(side.output_tokens)} out`;
  const facts = html`<ul class="facts"><li>stop: <code>${side.stop_reason ?? '–'}</code></li><li>${tokens}</li><li>${opt(side.latency_ms, secs)} s</li><li>${opt(side.cost_usd, usd)}</li><li>cites: ${side.cites.length ? side.cites.join(', ') : '–'}</li><li class="${side.probes_failed.length ? 'bad-text' : ''}">failed probes: ${side.probes_failed.length ? side.probes_failed.join(', ') : 'none'}</li></ul>`;
  const thinking = side.thinking ? html`<details class="thinking"><summary>thinking</summary><div class="text">${side.thinking}</div></details>` : '';
  return html`<td class="side">${facts}${thinking}<div class="text">${side.text}</div></td>`;
}

function wordDiff(step: Step): Html {
  const parts = step.text_diff.map((p) => (p.op === 'delete' ? html`<del>${p.text}</del>` : p.op === 'insert' ? html`<ins>${p.text}</ins>` : p.text));
  return html`<div class="text wdiff">${parts}</div>`;
}

/** What a diff needs beyond itself: the trap steps, filter tokens and the judge's verdicts of each side. */
export interface DiffContext {
  label?: HtmlValue;
  trap?: number[];
  anchors?: Anchors;
  scores?: { a: ConversationScore | null; b: ConversationScore | null };
}

function stepMarks(trap: boolean, judged: boolean): Html {
  return html`${trap ? html` <span class="badge mark trap" title="the trap: the step that tempts the model to break a constraint">trap step</span>` : ''}${
    judged ? html` <span class="badge mark judged" title="the judge reads this step's reply">judged step</span>` : ''
  }`;
}

export function diffDetails(d: TranscriptDiff, open: boolean, ctx: DiffContext = {}): Html {
  const { label, trap = [], anchors, scores } = ctx;
  const side = (s: TranscriptDiff['a']) => html`<b>${s.label}</b> (mem_fail ${verdict(s.mem_fail)})`;
  const first = d.first_divergence
    ? html`<p class="divergence">First divergence at step ${d.first_divergence.step}: ${d.first_divergence.reason}</p>`
    : html`<p class="divergence muted">No divergence that matters.</p>`;
  const steps = d.steps.map(
    (
      st,
    ) => html`<tbody class="step${trap.includes(st.step) ? ' trap' : ''}${st.judged ? ' judged' : ''}"><tr class="prompt"><th rowspan="3" scope="rowgroup">${st.step}${stepMarks(trap.includes(st.step), st.judged)}</th><td colspan="2"><div class="text user">${st.prompt}</div></td></tr>
<tr>${sideCell(st.a)}${sideCell(st.b)}</tr><tr class="word-diff"><td colspan="2">${wordDiff(st)}</td></tr></tbody>`,
  );
  const flip = isFlip(d);
  const filter = anchors
    ? html` data-filterable data-scenario="${anchors.scenario(d.scenario)}" data-cell="${[...new Set([anchors.cell(filterCell(d.a)), anchors.cell(filterCell(d.b))])].join(' ')}" data-verdict="${[...new Set([verdictToken(d.a.mem_fail), verdictToken(d.b.mem_fail)])].join(' ')}"`
    : '';
  const judges = scores && (scores.a || scores.b) ? html`<div class="judges"><div><b>A</b> ${judgeBlock(scores.a)}</div><div><b>B</b> ${judgeBlock(scores.b)}</div></div>` : '';
  return html`<details class="diff" data-conversation${flip ? html` data-flip` : ''}${filter}${open ? html` open` : ''}><summary>${flip ? html`<span class="badge bad">verdict flip</span> ` : ''}${label === undefined ? '' : html`${label} · `}<span class="scenario">${d.scenario}</span>: A ${side(d.a)} vs B ${side(d.b)}</summary>${first}${judges}
<p class="muted">A: <code>${d.a.conversation_id}</code> (${d.a.run_id}, ${d.a.status}) · B: <code>${d.b.conversation_id}</code> (${d.b.run_id}, ${d.b.status})</p>
<div class="scroll"><table class="side-by-side"><colgroup><col class="step-col"><col><col></colgroup><thead><tr><th>step</th><th>A: ${d.a.label}</th><th>B: ${d.b.label}</th></tr></thead>${steps}</table></div></details>`;
}

// ---------- transcripts ----------

function block(b: Block): Html {
  if (b.type === 'thinking') return html`<details class="thinking"><summary>thinking</summary><div class="text">${b.thinking ?? ''}</div></details>`;
  if (b.type === 'redacted_thinking') return html`<p class="note">[redacted thinking: the provider returned it encrypted]</p>`;
  if (b.type === 'text') return html`<div class="text reply">${b.text ?? ''}</div>`;
  return html`<p class="note">[${b.type} block]</p>`;
}

/** A conversation another model answered part of: which turns, and whether the report left it out. */
interface FallbackMark {
  conversation: FallbackConversation;
  mode: Report['fallback']['mode'];
}

/**
 * The judge's verdict as it was reached: the answer to the rubric, the pass answer that turns it
 * into mem_fail, the steps read, and every vote with its reasoning (escaped: a judge model's
 * reasoning is model output too).
 */
export function judgeBlock(score: ConversationScore | null | undefined): Html {
  if (!score) return html`<p class="meta muted">Not scored: no verdict, no votes.</p>`;
  const m = score.mem_fail;
  const votes = m.judged.votes;
  const line = html`<p class="verdict-line">mem_fail ${verdict(m.value)} · the judge answered ${verdict(m.judge_verdict)} to the rubric (a pass is ${m.pass_answer}) · judged step${m.steps.length === 1 ? '' : 's'} ${m.steps.join(', ') || '–'}${m.outcome && m.outcome !== 'judged' ? html` · outcome <b>${m.outcome}</b>` : ''}${m.expected ? html` · published verdict ${m.expected}` : ''} · ${votes.length} vote${votes.length === 1 ? '' : 's'}</p>`;
  const rows = votes.map(
    (v) =>
      html`<tr><td><code>${v.judge}</code>${v.role ? html` <span class="badge muted">${v.role}</span>` : ''}</td><td>${v.sample}</td><td>${verdict(v.verdict)}</td><td class="reasoning"><div class="text">${v.reasoning}</div>${v.error ? html`<p class="bad-text">error: ${v.error}</p>` : ''}</td><td>${v.cache}</td></tr>`,
  );
  const table = votes.length
    ? html`<table class="votes"><thead><tr><th scope="col">judge</th><th scope="col">sample</th><th scope="col">vote</th><th scope="col">reasoning</th><th scope="col">cache</th></tr></thead><tbody>${rows}</tbody></table>`
    : html`<p class="muted">No votes recorded.</p>`;
  return html`<div class="judge" aria-label="judge verdict and votes">${line}${table}</div>`;
}

function turn(t: Turn, fallback: FallbackMark | undefined, marks: StepMarks): Html {
  const r = t.response;
  const other = fallback?.conversation.turns.find((x) => x.step === t.step);
  const facts: HtmlValue[] = [
    ...(other ? [html`<span class="badge warn">fallback</span> answered by <code>${other.answered_by}</code>, not <code>${fallback!.conversation.requested}</code>`] : []),
    html`stop: <code>${r?.stop_reason ?? '–'}</code>`,
    r
      ? `${int(r.usage.input_tokens)} in / ${int(r.usage.output_tokens)} out${r.usage.cache_read_input_tokens ? ` / ${int(r.usage.cache_read_input_tokens)} cached` : ''}`
      : 'no response',
    html`${opt(t.timing.latency_ms, secs)} s`,
    opt(t.cost_usd, usd),
  ];
  const dropped = t.request.dropped.length ? html`<p class="note">Dropped params: ${t.request.dropped.map((d) => html`<code>${d.param}</code> (${d.reason}) `)}</p>` : '';
  const error = t.error ? html`<p class="bad-text">Error ${t.error.type}: ${t.error.message}</p>` : '';
  // Distractor turns share the number of the step they follow; they are neither trap nor judged.
  const trap = t.kind !== 'distractor' && marks.trap.includes(t.step);
  const judged = t.kind !== 'distractor' && marks.judged.includes(t.step);
  return html`<li class="turn${trap ? ' trap' : ''}${judged ? ' judged' : ''}"><h4>Step ${t.step} <span class="muted">${t.kind}</span>${stepMarks(trap, judged)}</h4><div class="text user">${t.user}</div>
<div class="assistant">${(r?.content ?? []).map(block)}</div><ul class="facts">${facts.map((f) => html`<li>${f}</li>`)}</ul>${dropped}${error}</li>`;
}

function transcriptDetails(t: Transcript, score: ConversationScore | null, fallback: FallbackMark | undefined, marks: StepMarks, anchors: Anchors): Html {
  const mark = fallback ? html` · <span class="badge warn">${fallback.mode === 'excluded' ? 'left out: fallback' : 'fallback'}</span>` : '';
  const reason = t.status !== 'complete' ? html`<p class="status-reason"><b>${t.status}</b>: ${t.status_reason ?? 'no reason recorded'}</p>` : '';
  const scoreLine = score
    ? html`<p class="meta">citations ${score.citations.total} · retention ${opt(score.constraint_retention.value, pct)} · first drift step ${score.first_drift_step.value ?? '–'}</p>`
    : '';
  const system = t.system ? html`<details class="system"><summary>system prompt</summary><div class="text">${t.system}</div></details>` : '';
  const filter = html` data-filterable data-scenario="${anchors.scenario(t.scenario.id)}" data-cell="${anchors.cell(filterCell(t.cell))}" data-verdict="${verdictToken(score?.mem_fail.value)}"`;
  return html`<details class="transcript" data-conversation${filter}><summary><code>${t.conversation_id}</code> · ${t.cell.model} · ${t.cell.effort} · <span class="status">${t.status}</span> · mem_fail ${verdict(score?.mem_fail.value)}${mark}</summary>
${reason}${judgeBlock(score)}<p class="meta">scenario ${t.scenario.id} · run ${t.run_id} · provider ${t.provider.name} · returned model ${t.model_returned ?? '–'}</p>${scoreLine}${system}<ol class="turns">${t.turns.map((x) => turn(x, fallback, marks))}</ol></details>`;
}

// ---------- conversations by scenario ----------

/** The filter form: hidden until the script shows it, so a page without script shows no dead controls. */
export function filterForm(anchors: Anchors, scenarios: string[], verdicts: boolean): Html {
  const select = (name: string, label: string, options: Array<[string, string]>) =>
    html`<label>${label} <select data-filter="${name}"><option value="">all</option>${options.map(([v, t]) => html`<option value="${v}">${t}</option>`)}</select></label>`;
  return html`<form id="filters" class="filters" hidden aria-label="filters">${select(
    'scenario',
    'Scenario',
    scenarios.map((id) => [anchors.scenario(id), id]),
  )}${select(
    'cell',
    'Cell',
    anchors.cellLabels.map((l) => [anchors.cell(l), l]),
  )}${
    verdicts
      ? select(
          'verdict',
          'Verdict',
          ['YES', 'NO', 'unscored'].map((v) => [v, v]),
        )
      : ''
  }<output aria-live="polite"></output></form>`;
}

/** Diffs of one group, verdict flips first (stable otherwise). */
export const flipsFirst = <T extends { diff: TranscriptDiff }>(list: T[]): T[] => [...list.filter((x) => isFlip(x.diff)), ...list.filter((x) => !isFlip(x.diff))];

/**
 * One section per scenario: its diffs, verdict flips first, then its transcripts grouped by
 * cell, each group an anchor the scenario tables link to. Scenarios with a flip come first.
 */
function conversationsByScenario(input: HtmlInput, anchors: Anchors, order: string[]): { markup: Html; targets: Set<string> } {
  const { report } = input;
  const fallback = new Map(report.fallback.conversations.map((c) => [`${c.run_id}\0${c.conversation_id}`, { conversation: c, mode: report.fallback.mode }]));
  const scores = new Map(input.transcripts.map((t) => [`${t.transcript.run_id}\0${t.transcript.conversation_id}`, t.score]));
  const scoreOf = (s: TranscriptDiff['a']) => scores.get(`${s.run_id}\0${s.conversation_id}`) ?? null;
  const ids = [...new Set([...order, ...input.diffs.map((d) => d.scenario), ...input.transcripts.map((t) => t.transcript.scenario.id)])];
  const diffs = input.diffs.map((diff, i) => ({ diff, id: `diff-${i + 1}` }));
  const hasFlip = (id: string) => diffs.some((d) => d.diff.scenario === id && isFlip(d.diff));
  const sortedIds = [...ids.filter(hasFlip), ...ids.filter((id) => !hasFlip(id))];
  const targets = new Set<string>();
  const groups = sortedIds.flatMap((id) => {
    const mine = flipsFirst(diffs.filter((d) => d.diff.scenario === id));
    const ts = input.transcripts.filter((t) => t.transcript.scenario.id === id);
    if (mine.length === 0 && ts.length === 0) return [];
    const slug = anchors.scenario(id);
    targets.add(slug);
    const steps = input.steps?.[id];
    const flips = mine.filter((d) => isFlip(d.diff)).length;
    const diffPart = mine.length
      ? html`<h4 id="${slug}--diffs">Diffs (${mine.length}${flips ? html`, <span class="bad-text">${flips} verdict flip${flips === 1 ? '' : 's'} first</span>` : ''})</h4>${mine.map(
          (d) => html`<div id="${d.id}" class="anchor">${diffDetails(d.diff, false, { trap: steps?.trap, anchors, scores: { a: scoreOf(d.diff.a), b: scoreOf(d.diff.b) } })}</div>`,
        )}`
      : '';
    const byCell = new Map<string, typeof ts>();
    for (const t of ts) byCell.set(filterCell(t.transcript.cell), [...(byCell.get(filterCell(t.transcript.cell)) ?? []), t]);
    const cellParts = [...byCell].map(([label, list]) => {
      const target = `${slug}--${anchors.cell(label)}`;
      targets.add(target);
      return html`<div class="cell-group" id="${target}" data-group><h4>${label} <span class="muted">(${list.length} transcript${list.length === 1 ? '' : 's'})</span></h4>${list.map(
        (t) =>
          transcriptDetails(
            t.transcript,
            t.score,
            fallback.get(`${t.transcript.run_id}\0${t.transcript.conversation_id}`),
            { trap: steps?.trap ?? [], judged: steps?.judged ?? t.score?.mem_fail.steps ?? [] },
            anchors,
          ),
      )}</div>`;
    });
    const title = ts[0]?.transcript.scenario.title;
    const marks = steps
      ? html`<p class="meta">trap step${steps.trap.length === 1 ? '' : 's'} ${steps.trap.join(', ') || '–'} · judged step${steps.judged.length === 1 ? '' : 's'} ${steps.judged.join(', ') || '–'}</p>`
      : '';
    return [
      html`<section class="scenario-group" id="${slug}" data-group><h3>Scenario ${id}${title ? html` <span class="muted">${title}</span>` : ''}</h3>${marks}${diffPart}${
        cellParts.length ? html`<h4 class="sub">Transcripts</h4>${cellParts}` : ''
      }</section>`,
    ];
  });
  const flipIndex = diffs.filter((d) => isFlip(d.diff));
  const index = flipIndex.length
    ? html`<p class="flips"><b>Verdict flips:</b> ${flipIndex.map((d, k) => html`${k ? ', ' : ''}<a href="#${d.id}">${d.diff.scenario}: ${d.diff.a.label} ${d.diff.a.mem_fail ?? '–'} → ${d.diff.b.label} ${d.diff.b.mem_fail ?? '–'}</a>`)}</p>`
    : '';
  const markup = groups.length
    ? html`<section id="conversations"><h2>Conversations by scenario</h2><p class="muted">For each scenario: the diffs of the comparisons, verdict flips first, then every transcript by cell. Trap and judged steps are marked.</p>${index}${groups}</section>`
    : html`<section id="conversations"><h2>Conversations by scenario</h2><p class="muted">No transcripts.</p><p class="muted">No diffs.</p></section>`;
  return { markup, targets };
}

// ---------- entry points ----------

/** One self-contained HTML file: no network, no CDN, one script allowed by hash; works opened straight from disk. */
export function renderReportHtml(input: HtmlInput): string {
  const { report } = input;
  const title = input.title ?? 'driftbench report';
  const anchors = new Anchors();
  const order = [...new Set(report.cells.map((c) => c.scenario))];
  for (const id of order) anchors.scenario(id);
  const conversations = conversationsByScenario(input, anchors, order);
  const tables = scenarioTables(report.cells, anchors, conversations.targets);
  const filters = filterForm(anchors, anchors.scenarioIds, true);
  return page(
    title,
    html`${header(report, title)}${filters}<main>${warningsAndGates(report)}${summaryTables(report)}${plots(report)}${tables}${comparisons(report)}
${conversations.markup}</main>`,
  );
}

/** A standalone page for one diff (driftbench diff --format html). */
export function renderDiffHtml(diff: TranscriptDiff, title?: string, trap?: number[]): string {
  const heading = title ?? `driftbench diff: ${diff.scenario}`;
  return page(heading, html`<header><h1>${heading}</h1></header><main>${diffDetails(diff, true, { trap })}</main>`);
}

// ---------- style ----------

/** Plain CSS, no external fonts; long unbroken tokens (hashes, URLs) wrap instead of widening the page. */
const PAGE_CSS = new Html(`
:root { --fg: #1d2127; --muted: #6a737d; --line: #d8dde3; --soft: #f5f7f9; --bad: #b42318; --good: #067647; --warn: #fff4d6; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1280px; padding: 24px 28px 64px; color: var(--fg); background: #fff;
  font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
h1 { font-size: 24px; margin: 0 0 4px; } h2 { font-size: 19px; margin: 32px 0 10px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
h3 { font-size: 15px; margin: 18px 0 6px; overflow-wrap: anywhere; } h4 { font-size: 13px; margin: 0 0 6px; }
code { font: 12px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; overflow-wrap: anywhere; }
nav { margin: 8px 0 12px; } nav a { margin-right: 14px; color: #0b5cad; text-decoration: none; }
.meta, .muted, .na { color: var(--muted); } .meta { margin-top: 4px; margin-bottom: 4px; }
[hidden] { display: none !important; }
.scroll { overflow-x: auto; max-width: 100%; }
table { border-collapse: collapse; margin: 4px 0 10px; font-size: 13px; max-width: 100%; }
th, td { border-bottom: 1px solid var(--line); padding: 5px 8px; text-align: left; vertical-align: top; }
/* Long unbroken data (ids, model names) may break anywhere; headings break between words only. */
td { overflow-wrap: anywhere; } thead th { background: var(--soft); font-weight: 600; overflow-wrap: normal; }
th[aria-sort] button.sort { all: unset; cursor: pointer; } th[aria-sort] button.sort:focus-visible { outline: 2px solid #0b5cad; }
th[aria-sort] button.sort::after { content: "↕"; padding-left: 3px; color: var(--muted); font-weight: 400; }
th[aria-sort="ascending"] button.sort::after { content: "↑"; color: var(--fg); } th[aria-sort="descending"] button.sort::after { content: "↓"; color: var(--fg); }
td[data-sort] { overflow-wrap: normal; }
table.cells, table.summary { width: 100%; }
.filters { display: flex; flex-wrap: wrap; gap: 8px 18px; align-items: center; background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 8px 12px; margin: 8px 0; }
.filters select { max-width: 340px; font: inherit; } .filters output { color: var(--muted); font-size: 12px; }
.badge.mark { border: 1px solid currentColor; margin-left: 6px; }
.badge.trap { background: #fff0e0; color: #9a3f00; } .badge.judged { background: #e8f0fb; color: #0b4f91; }
li.turn.trap { border-left: 4px double #d55e00; padding-left: 10px; } li.turn.judged { box-shadow: inset 4px 0 0 #0072b2; padding-left: 10px; } li.turn.trap.judged { box-shadow: inset 8px 0 0 #0072b2; }
.judge { border: 1px solid var(--line); border-radius: 6px; padding: 4px 10px; margin-top: 8px; margin-bottom: 8px; background: #fcfcfd; }
.judge .verdict-line { margin: 4px 0; } table.votes { width: 100%; table-layout: fixed; } table.votes th:nth-child(1) { width: 24%; } table.votes th:nth-child(2) { width: 11%; }
table.votes th:nth-child(3) { width: 11%; } table.votes th:nth-child(5) { width: 10%; }
.judges { display: grid; grid-template-columns: 1fr 1fr; gap: 10px; }
.scenario-group { border-top: 2px solid var(--line); margin-top: 18px; } .scenario-group > h3 { font-size: 17px; }
.cell-group > h4, h4.sub, .scenario-group h4 { font-size: 13.5px; margin: 14px 0 4px; overflow-wrap: anywhere; }
p.flips a { color: #0b5cad; } a { color: #0b5cad; }
tbody tr:nth-child(even) td { background: #fafbfc; }
table.summary td:not(:first-child), table.cells td:nth-child(n+4), table.comparisons td:nth-child(n+4) { text-align: right; font-variant-numeric: tabular-nums; }
.badge { display: inline-block; white-space: nowrap; overflow-wrap: normal; padding: 0 7px; border-radius: 9px; font-size: 12px; font-weight: 600; background: #eef0f2; color: var(--muted); }
.badge.bad { background: #fde8e6; color: var(--bad); } .badge.good { background: #e3f6ec; color: var(--good); } .badge.warn { background: var(--warn); color: #8a5300; }
.bad-text { color: var(--bad); }
.warnings { background: var(--warn); border: 1px solid #f0c36d; border-left: 5px solid #dc8b00; border-radius: 6px; padding: 4px 16px; margin-top: 20px; }
.warnings h2 { border: 0; margin: 8px 0 0; font-size: 16px; } .warnings li { margin: 4px 0; }
.sentences li { margin: 4px 0; }
.figures { display: grid; grid-template-columns: repeat(auto-fit, minmax(560px, 1fr)); gap: 16px; }
figure { margin: 0; padding: 12px; border: 1px solid var(--line); border-radius: 6px; }
figcaption { color: var(--muted); font-size: 12px; margin-top: 4px; }
svg.plot { display: block; max-width: 100%; height: auto; }
.no-data { color: var(--muted); font-style: italic; padding: 24px 0; }
details { border: 1px solid var(--line); border-radius: 6px; margin: 8px 0; background: #fff; }
details > summary { cursor: pointer; padding: 8px 12px; background: var(--soft); border-radius: 6px; overflow-wrap: anywhere; }
details[open] > summary { border-bottom: 1px solid var(--line); border-radius: 6px 6px 0 0; }
details > :not(summary) { margin-left: 12px; margin-right: 12px; }
details.thinking, details.system { margin: 6px 0; border-style: dashed; }
details.thinking > summary, details.system > summary { padding: 3px 10px; font-size: 12px; color: var(--muted); background: #fbfbfc; }
details.thinking .text { color: #4a5563; font-size: 12.5px; }
.text { white-space: pre-wrap; overflow-wrap: anywhere; margin: 6px 0; }
.user { background: #eef4fb; border-left: 3px solid #0072b2; padding: 6px 10px; border-radius: 4px; }
.note { color: var(--muted); font-style: italic; font-size: 12.5px; }
.status-reason { background: #fde8e6; color: var(--bad); padding: 6px 10px; border-radius: 4px; overflow-wrap: anywhere; }
.divergence { font-weight: 600; }
ul.facts { list-style: none; padding: 0; margin: 4px 0; display: flex; flex-wrap: wrap; gap: 4px 14px; font-size: 12px; color: var(--muted); }
ol.turns { padding-left: 0; list-style: none; } li.turn { border-top: 1px solid var(--line); padding: 10px 0; }
table.side-by-side { width: 100%; table-layout: fixed; } col.step-col { width: 84px; }
table.side-by-side td.side { width: 50%; } table.side-by-side tbody.step > tr > th { background: var(--soft); text-align: center; }
table.side-by-side tbody.step > tr > th .badge.mark { margin: 4px 0 0; display: inline-block; white-space: normal; }
table.side-by-side tbody.step.trap > tr > th { border-left: 4px double #d55e00; } table.side-by-side tbody.step.judged > tr > th { box-shadow: inset 4px 0 0 #0072b2; }
table.side-by-side tbody.step tr:nth-child(even) td { background: none; }
.wdiff { font-size: 13px; } del { background: #fde8e6; color: #8a1c12; } ins { background: #dcf5e7; color: #05603a; text-decoration: none; }
`);
