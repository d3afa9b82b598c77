import type { Report } from '../../schemas/report.generated.js';

/** RFC 4180 quoting: fields with a comma, quote or line break are quoted, quotes doubled. */
const field = (v: string | number | null | undefined) => {
  const s = v === null || v === undefined ? '' : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** One row per scenario and cell, every figure as a plain number. */
export function renderCsv(report: Report): string {
  const head = [
    'scenario',
    'model',
    'effort',
    'condition',
    'distance',
    'n',
    'failed',
    'mem_fail_rate',
    'ci95_low',
    'ci95_high',
    'unscored',
    'refused',
    'no_reply',
    'not_finished',
    'citations_median',
    'latency_median_ms',
    'cost_median_usd',
    'output_tokens_median',
    'retention_mean',
    'first_drift_median',
    'coherence_mean',
    'fallback_conversations',
    // The coverage of the report's runs, on every row so that a row read alone still says it.
    'runs_conversations_scored',
    'runs_conversations',
  ];
  const scored = report.runs.reduce((n, r) => n + r.scored, 0);
  const all = report.runs.reduce((n, r) => n + r.conversations, 0);
  const rows = report.cells.map((c) => [
    c.scenario,
    c.cell.model,
    c.cell.effort,
    c.cell.condition,
    c.cell.distance,
    c.mem_fail.n,
    c.mem_fail.failed,
    c.mem_fail.rate,
    c.mem_fail.ci95?.low,
    c.mem_fail.ci95?.high,
    c.mem_fail.unscored,
    c.mem_fail.refused,
    c.mem_fail.no_reply,
    c.mem_fail.not_finished,
    c.citations_median,
    c.latency_median_ms,
    c.cost_median_usd,
    c.output_tokens_median,
    c.retention_mean,
    c.first_drift_median,
    c.coherence_mean,
    c.fallback_conversations,
    scored,
    all,
  ]);
  return `${[head, ...rows].map((r) => r.map(field).join(',')).join('\r\n')}\r\n`;
}
