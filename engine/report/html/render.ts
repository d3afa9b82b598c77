/**
 * The HTML report: one self-contained file that opens straight from disk. No script, no
 * network, no external font; the Content-Security-Policy meta tag says so to the browser as
 * well. Interactivity is <details>/<summary> only. Every string that comes from a report,
 * transcript or diff is untrusted and goes through the escaping `html` tag.
 */
import type { CellKey, CellStats, FallbackConversation, GroupStats, Report } from '../../schemas/report.generated.js';
import type { Step, StepSide, TranscriptDiff } from '../../schemas/diff.generated.js';
import type { Transcript, Turn, Block } from '../../transcript/format.js';
import type { ConversationScore } from '../../schemas/scores.generated.js';
import { clusteredRate } from '../../stats/index.js';
import { Html, html, type HtmlValue } from './escape.js';
import { barChart, groupedBarChart, lineChart, type Bar, type LineSeries } from './svg.js';

export interface HtmlInput {
  report: Report;
  transcripts: Array<{ transcript: Transcript; score: ConversationScore | null }>;
  diffs: TranscriptDiff[];
  title?: string;
}

// ---------- numbers ----------

const NA = html`<span class="na">–</span>`;
const pct = (v: number): string => `${(v * 100).toFixed(1)}%`;
const secs = (ms: number): string => (ms / 1000).toFixed(ms < 10_000 ? 2 : 1);
const usd = (v: number): string => `$${v.toFixed(v >= 1 ? 2 : v >= 0.01 ? 3 : 4)}`;
const dec = (v: number): string => (Number.isInteger(v) ? String(v) : v.toFixed(1));
const int = (v: number): string =>
  Math.round(v)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, ',');
const opt = (v: number | null | undefined, f: (v: number) => string): HtmlValue => (v === null || v === undefined ? NA : f(v));
const ci = (c: { low: number; high: number } | null): HtmlValue => (c ? `${pct(c.low)}–${pct(c.high)}` : NA);
const cellLabel = (k: CellKey): string => [k.model, k.effort, k.condition, `d${k.distance}`].join(' · ');

function verdict(v: string | null | undefined): Html {
  const cls = v === 'YES' ? 'bad' : v === 'NO' ? 'good' : 'muted';
  return html`<span class="badge ${cls}">${v ?? 'unscored'}</span>`;
}

// ---------- page ----------

export function page(title: string, body: Html): string {
  return html`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${title}</title>
<style>${PAGE_CSS}</style>
</head>
<body>
${body}
</body>
</html>
`.value;
}

export function table(cls: string, head: string[], rows: HtmlValue[][]): Html {
  return html`<div class="scroll"><table class="${cls}"><thead><tr>${head.map((h) => html`<th>${h}</th>`)}</tr></thead><tbody>${rows.map(
    (r) => html`<tr>${r.map((c) => html`<td>${c}</td>`)}</tr>`,
  )}</tbody></table></div>`;
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
<nav><a href="#summary">Summary</a> <a href="#plots">Plots</a> <a href="#scenarios">Scenarios</a> <a href="#comparisons">Comparisons</a> <a href="#diffs">Diffs</a> <a href="#transcripts">Transcripts</a></nav>
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

function groupRows(groups: GroupStats[]): HtmlValue[][] {
  return groups.map((g) => [
    g.group,
    int(g.mem_fail.S),
    int(g.mem_fail.n),
    int(g.mem_fail.failed),
    opt(g.mem_fail.rate, pct),
    ci(g.mem_fail.ci95),
    opt(g.latency_median_ms, secs),
    opt(g.cost_median_usd, usd),
    opt(g.citations_median, dec),
  ]);
}

function summaryTables(report: Report): Html {
  const s = report.summary;
  const head = ['group', 'S', 'n', 'failed', 'mem_fail rate', '95% CI', 'median latency (s)', 'median cost ($)', 'median citations'];
  const parts: Array<[string, GroupStats[]]> = [
    ['Overall', [s.overall]],
    ['By model', s.by_model],
    ['By effort', s.by_effort],
    ['By condition', s.by_condition],
    ['By distance', s.by_distance],
  ];
  return html`<section id="summary"><h2>Summary</h2>${parts
    .filter(([, g]) => g.length > 0)
    .map(([name, g]) => html`<h3>${name}</h3>${table('summary', head, groupRows(g))}`)}</section>`;
}

function scenarioTables(cells: CellStats[]): Html {
  const byScenario = new Map<string, CellStats[]>();
  for (const c of cells) byScenario.set(c.scenario, [...(byScenario.get(c.scenario) ?? []), c]);
  const head = [
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
    const body = rows.map((c) => [
      c.cell.model,
      c.cell.effort,
      c.cell.condition,
      String(c.cell.distance),
      int(c.mem_fail.n),
      `${c.mem_fail.failed}/${c.mem_fail.n}`,
      c.mem_fail.rate === null ? NA : html`${pct(c.mem_fail.rate)} <span class="muted">(${ci(c.mem_fail.ci95)})</span>`,
      opt(c.citations_median, dec),
      opt(c.latency_median_ms, secs),
      opt(c.cost_median_usd, usd),
      opt(c.output_tokens_median, int),
      opt(c.retention_mean, pct),
      opt(c.coherence_mean, pct),
    ]);
    return html`<h3>${scenario}</h3>${table('cells', head, body)}`;
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
        valueLabel: 'median latency (s)',
        categoryLabel: 'effort',
        format: secs,
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

export function diffDetails(d: TranscriptDiff, open: boolean, label?: HtmlValue): Html {
  const side = (s: TranscriptDiff['a']) => html`<b>${s.label}</b> (mem_fail ${verdict(s.mem_fail)})`;
  const first = d.first_divergence
    ? html`<p class="divergence">First divergence at step ${d.first_divergence.step}: ${d.first_divergence.reason}</p>`
    : html`<p class="divergence muted">No divergence that matters.</p>`;
  const steps = d.steps.map(
    (
      st,
    ) => html`<tbody class="step"><tr class="prompt"><th rowspan="3">${st.step}${st.judged ? html`<br><span class="badge muted">judged</span>` : ''}</th><td colspan="2"><div class="text user">${st.prompt}</div></td></tr>
<tr>${sideCell(st.a)}${sideCell(st.b)}</tr><tr class="word-diff"><td colspan="2">${wordDiff(st)}</td></tr></tbody>`,
  );
  return html`<details class="diff"${open ? html` open` : ''}><summary>${label === undefined ? '' : html`${label} · `}<span class="scenario">${d.scenario}</span>: A ${side(d.a)} vs B ${side(d.b)}</summary>${first}
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

function turn(t: Turn, fallback: FallbackMark | undefined): Html {
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
  return html`<li class="turn"><h4>Step ${t.step} <span class="muted">${t.kind}</span></h4><div class="text user">${t.user}</div>
<div class="assistant">${(r?.content ?? []).map(block)}</div><ul class="facts">${facts.map((f) => html`<li>${f}</li>`)}</ul>${dropped}${error}</li>`;
}

function transcriptDetails(t: Transcript, score: ConversationScore | null, fallback: FallbackMark | undefined): Html {
  const mark = fallback ? html` · <span class="badge warn">${fallback.mode === 'excluded' ? 'left out: fallback' : 'fallback'}</span>` : '';
  const reason = t.status !== 'complete' ? html`<p class="status-reason"><b>${t.status}</b>: ${t.status_reason ?? 'no reason recorded'}</p>` : '';
  const scoreLine = score
    ? html`<p class="meta">mem_fail ${verdict(score.mem_fail.value)} · citations ${score.citations.total} · retention ${opt(score.constraint_retention.value, pct)} · first drift step ${score.first_drift_step.value ?? '–'}</p>`
    : html`<p class="meta muted">Not scored.</p>`;
  const system = t.system ? html`<details class="system"><summary>system prompt</summary><div class="text">${t.system}</div></details>` : '';
  return html`<details class="transcript"><summary><code>${t.conversation_id}</code> · ${t.cell.model} · ${t.cell.effort} · <span class="status">${t.status}</span> · mem_fail ${verdict(score?.mem_fail.value)}${mark}</summary>
${reason}<p class="meta">scenario ${t.scenario.id} · run ${t.run_id} · provider ${t.provider.name} · returned model ${t.model_returned ?? '–'}</p>${scoreLine}${system}<ol class="turns">${t.turns.map((x) => turn(x, fallback))}</ol></details>`;
}

// ---------- entry points ----------

/** One self-contained HTML file: no network, no CDN, no script; works opened straight from disk. */
export function renderReportHtml(input: HtmlInput): string {
  const { report } = input;
  const title = input.title ?? 'driftbench report';
  const diffs = input.diffs.length ? input.diffs.map((d) => diffDetails(d, false)) : html`<p class="muted">No diffs.</p>`;
  const fallback = new Map(report.fallback.conversations.map((c) => [`${c.run_id}\0${c.conversation_id}`, { conversation: c, mode: report.fallback.mode }]));
  const transcripts = input.transcripts.length
    ? input.transcripts.map((t) => transcriptDetails(t.transcript, t.score, fallback.get(`${t.transcript.run_id}\0${t.transcript.conversation_id}`)))
    : html`<p class="muted">No transcripts.</p>`;
  return page(
    title,
    html`${header(report, title)}<main>${warningsAndGates(report)}${summaryTables(report)}${plots(report)}${scenarioTables(report.cells)}${comparisons(report)}
<section id="diffs"><h2>Diffs</h2>${diffs}</section><section id="transcripts"><h2>Transcripts</h2>${transcripts}</section></main>`,
  );
}

/** A standalone page for one diff (driftbench diff --format html). */
export function renderDiffHtml(diff: TranscriptDiff, title?: string): string {
  const heading = title ?? `driftbench diff: ${diff.scenario}`;
  return page(heading, html`<header><h1>${heading}</h1></header><main>${diffDetails(diff, true)}</main>`);
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
.meta, .muted, .na { color: var(--muted); } .meta { margin: 4px 0; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; margin: 4px 0 10px; font-size: 13px; }
th, td { border-bottom: 1px solid var(--line); padding: 5px 10px; text-align: left; vertical-align: top; }
thead th { background: var(--soft); font-weight: 600; white-space: nowrap; }
tbody tr:nth-child(even) td { background: #fafbfc; }
table.summary td:not(:first-child), table.cells td:nth-child(n+4), table.comparisons td:nth-child(n+4) { text-align: right; font-variant-numeric: tabular-nums; }
.badge { display: inline-block; padding: 0 7px; border-radius: 9px; font-size: 12px; font-weight: 600; background: #eef0f2; color: var(--muted); }
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
table.side-by-side { width: 100%; table-layout: fixed; } col.step-col { width: 64px; }
table.side-by-side td.side { width: 50%; } table.side-by-side tbody.step > tr > th { background: var(--soft); text-align: center; }
table.side-by-side tbody.step tr:nth-child(even) td { background: none; }
.wdiff { font-size: 13px; } del { background: #fde8e6; color: #8a1c12; } ins { background: #dcf5e7; color: #05603a; text-decoration: none; }
`);
