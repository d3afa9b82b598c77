import type { CellKey, GroupStats, Rates, Report } from '../../schemas/report.generated.js';

export const pct = (x: number | null | undefined) => (x === null || x === undefined ? 'n/a' : `${Math.round(x * 100)}%`);
export const secs = (ms: number | null | undefined) => (ms === null || ms === undefined ? 'n/a' : `${(ms / 1000).toFixed(1)} s`);
export const usd = (x: number | null | undefined) => (x === null || x === undefined ? 'n/a' : `$${x < 0.01 && x > 0 ? x.toFixed(5) : x.toFixed(4)}`);
export const num = (x: number | null | undefined, digits = 1) => (x === null || x === undefined ? 'n/a' : Number.isInteger(x) ? String(x) : x.toFixed(digits));

/** "1/3 failed (33%, 95% CI 6-79%)", the Mem Status column. */
export function memStatus(r: Rates): string {
  if (r.n === 0) return r.unscored || r.not_finished ? `no verdicts (${r.unscored} unscored, ${r.not_finished} not finished)` : 'no data';
  const ci = r.ci95 ? `, 95% CI ${Math.round(r.ci95.low * 100)}-${Math.round(r.ci95.high * 100)}%` : '';
  const extra = [r.unscored && `${r.unscored} unscored`, r.not_finished && `${r.not_finished} not finished`].filter(Boolean).join(', ');
  return `${r.failed}/${r.n} failed (${pct(r.rate)}${ci})${extra ? `; ${extra}` : ''}`;
}

/** Which cell dimensions vary in a report: only those get a column. */
export function varyingDims(report: Report): Array<keyof CellKey> {
  const dims: Array<keyof CellKey> = ['model', 'effort', 'condition', 'distance'];
  return dims.filter((d, i) => i < 2 || new Set(report.cells.map((c) => String(c.cell[d]))).size > 1);
}

export const DIM_TITLES: Record<keyof CellKey, string> = { model: 'Model', effort: 'Effort', condition: 'Condition', distance: 'Distance' };

export function scenarios(report: Report): string[] {
  return [...new Set(report.cells.map((c) => c.scenario))];
}

export function groupSections(report: Report): Array<[string, GroupStats[]]> {
  const s = report.summary;
  const sections: Array<[string, GroupStats[]]> = [
    ['by model', s.by_model],
    ['by effort', s.by_effort],
    ['by condition', s.by_condition],
    ['by distance', s.by_distance],
  ];
  return sections.filter(([title, g]) => g.length > 1 || title === 'by model');
}

export function gateLine(g: Report['gates'][number]): string {
  return `${g.failed ? 'FAIL' : 'pass'}  ${g.expression}  (value: ${g.value === null ? 'no data' : num(g.value, 3)})`;
}
