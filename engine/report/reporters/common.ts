import type { CellKey, GroupStats, Rates, Report } from '../../schemas/report.generated.js';
import { distanceLabel } from '../aggregate.js';

export const pct = (x: number | null | undefined) => (x === null || x === undefined ? 'n/a' : `${Math.round(x * 100)}%`);
export const secs = (ms: number | null | undefined) => (ms === null || ms === undefined ? 'n/a' : `${(ms / 1000).toFixed(1)} s`);
export const usd = (x: number | null | undefined) => (x === null || x === undefined ? 'n/a' : `$${x < 0.01 && x > 0 ? x.toFixed(5) : x.toFixed(4)}`);
export const num = (x: number | null | undefined, digits = 1) => (x === null || x === undefined ? 'n/a' : Number.isInteger(x) ? String(x) : x.toFixed(digits));

/**
 * The Mem Status column: "3/9 failed, S = 3 (31%, 95% CI 2-60%)". The rate is the mean of the
 * per-scenario rates and its interval is over scenarios (a single scenario: Wilson over its
 * repeats); conversations without a verdict are counted by reason, with the best and worst case.
 */
export function memStatus(r: Rates): string {
  const missing = [r.refused && `${r.refused} refused`, r.no_reply && `${r.no_reply} stopped before the judged step`, r.unscored && `${r.unscored} unscored`]
    .filter(Boolean)
    .join(', ');
  if (r.n === 0) return missing ? `no verdicts (${missing})` : 'no data';
  const ci = r.ci95 ? `, 95% CI ${Math.round(r.ci95.low * 100)}-${Math.round(r.ci95.high * 100)}%` : '';
  const bounds = r.bounds ? `; if all missing passed ${pct(r.bounds.best)}, if all failed ${pct(r.bounds.worst)}` : '';
  const c = r.corrected;
  const corrected = c ? `; corrected for judge error ${pct(c.rate)}${c.ci95 ? ` (${Math.round(c.ci95.low * 100)}-${Math.round(c.ci95.high * 100)}%)` : ''}` : '';
  return `${r.failed}/${r.n} failed, S = ${r.S} (${pct(r.rate)}${ci})${missing ? `; ${missing}${bounds}` : ''}${corrected}`;
}

/** Which cell dimensions vary in a report: only those get a column. */
export type Dim = 'model' | 'effort' | 'condition' | 'distance';

export function varyingDims(report: Report): Dim[] {
  const dims: Dim[] = ['model', 'effort', 'condition', 'distance'];
  return dims.filter((d, i) => i < 2 || new Set(report.cells.map((c) => String(c.cell[d]))).size > 1);
}

/** A cell's value on one dimension, as printed: a token distance reads "50k tokens". */
export function dimValue(cell: CellKey, d: Dim): string {
  return d === 'distance' ? distanceLabel(cell) : String(cell[d]);
}

export const DIM_TITLES: Record<Dim, string> = { model: 'Model', effort: 'Effort', condition: 'Condition', distance: 'Distance' };

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
    ['by family', s.by_family ?? []],
  ];
  return sections.filter(([title, g]) => g.length > 1 || title === 'by model');
}

/** One gate: its decision, the value and interval it was decided on, and why. */
export function gateLine(g: Report['gates'][number]): string {
  const word = g.failed ? 'FAIL' : g.decision === 'inconclusive' ? 'inconclusive' : 'pass';
  const iv = g.interval ? `, 95% CI ${num(g.interval.low, 3)} to ${num(g.interval.high, 3)}` : '';
  return `${word}  ${g.expression}  (value: ${g.value === null ? 'unknown' : num(g.value, 3)}${iv}; ${g.why ?? g.decision})`;
}

/** How much of a run the report covers: "4 of 4 conversations scored", or "2 of 4 conversations scored, partial". */
export function coverage(r: Report['runs'][number]): string {
  return `${r.scored} of ${r.conversations} conversations scored${r.scored < r.conversations ? ', partial' : ''}`;
}
