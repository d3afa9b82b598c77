import { UsageError } from '../errors.js';
import type { Comparison, Interval, Report } from '../schemas/report.generated.js';
import { mean, median } from '../stats/stats.js';
import { comparisonName, finished, findComparison, rates, type Row } from './aggregate.js';

/**
 * CI gates: `--fail-if "mem_fail_rate > 0.2"`, optionally narrowed to part of a run:
 * `--fail-if "mem_fail_rate[model=claude-opus-4-7,effort=high] >= 0.5"`, or on a comparison:
 * `--fail-if "claude-opus-5-5 vs claude-opus-4-7 regresses"`.
 *
 * A rate gate decides on the rate's 95% interval over scenarios, not its point estimate: it
 * fails when the whole interval is on the failing side, passes when the whole interval is on the
 * passing side, and is inconclusive when the interval straddles the threshold (exit 0 unless
 * --fail-if-inconclusive). Other metrics have no interval and decide on their value; a value
 * that is unknown (a cost without a price) is inconclusive, never 0. A gate over no data fails:
 * a typo in a filter must not turn CI green.
 */
interface Metric {
  about: string;
  value: (rows: readonly Row[]) => number | null;
  interval?: (rows: readonly Row[]) => Interval | null;
  /** False when the value cannot be known for these rows (a cost without a price): inconclusive, not "no data". */
  known?: (rows: readonly Row[]) => boolean;
}

const values = (xs: Array<number | null>) => xs.filter((x): x is number => x !== null);

export const GATE_METRICS: Record<string, Metric> = {
  mem_fail_rate: {
    about: 'mean of the per-scenario mem_fail rates, decided on its 95% interval over scenarios',
    value: (rs) => rates(rs).rate,
    interval: (rs) => rates(rs).ci95,
  },
  mem_fail_rate_high: { about: 'upper end of the 95% interval of the mem_fail rate', value: (rs) => rates(rs).ci95?.high ?? null },
  mem_fail_count: { about: 'conversations that failed', value: (rs) => (rs.length === 0 ? null : rates(rs).failed) },
  unscored_rate: {
    about: 'conversations without a verdict / all conversations',
    value: (rs) => {
      const r = rates(rs);
      return rs.length === 0 ? null : (r.unscored + r.refused + r.no_reply) / rs.length;
    },
  },
  not_finished_rate: { about: 'conversations that errored, were refused, cut off or never finished', value: (rs) => (rs.length ? rates(rs).not_finished / rs.length : null) },
  retention_mean: { about: 'mean constraint retention of finished conversations', value: (rs) => mean(values(rs.filter(finished).map((r) => r.score.constraint_retention.value))) },
  citations_median: { about: 'median citations in the citation window, of finished conversations', value: (rs) => median(rs.filter(finished).map((r) => r.score.citations.total)) },
  cost_usd: {
    about: 'total cost in USD (unknown when any conversation has no price)',
    value: (rs) => (rs.length === 0 || rs.some((r) => r.score.cost.usd === null) ? null : rs.reduce((n, r) => n + (r.score.cost.usd ?? 0), 0)),
    known: (rs) => rs.every((r) => r.score.cost.usd !== null),
  },
  // Lets CI refuse a run a fallback model answered part of. Under --exclude-fallback the gates
  // read what the report counts, which has none of these conversations: always 0.
  fallback_conversations: {
    about: 'conversations with turns answered by another model than the one requested',
    value: (rs) => (rs.length === 0 ? null : rs.filter((r) => r.fallback.length > 0).length),
  },
};

const OPS: Record<string, (a: number, b: number) => boolean> = {
  '>': (a, b) => a > b,
  '>=': (a, b) => a >= b,
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
  '==': (a, b) => a === b,
  '!=': (a, b) => a !== b,
};
const FILTER_KEYS = ['model', 'effort', 'condition', 'distance', 'scenario'] as const;

export type Gate =
  | { kind: 'metric'; expression: string; metric: string; filter: Partial<Record<(typeof FILTER_KEYS)[number], string>>; op: string; threshold: number }
  | { kind: 'comparison'; expression: string; comparison: string; direction: 'improves' | 'regresses' };

export function parseGate(expression: string): Gate {
  const cmp = /^\s*(.+?\s+vs\s+.+?)\s+(improves|regresses)\s*$/.exec(expression);
  if (cmp) return { kind: 'comparison', expression: expression.trim(), comparison: cmp[1]!.trim(), direction: cmp[2] as 'improves' | 'regresses' };
  const m = /^\s*([a-z_]+)\s*(?:\[([^\]]*)\])?\s*(>=|<=|==|!=|>|<)\s*(-?\d+(?:\.\d+)?)\s*$/.exec(expression);
  const usage = `--fail-if "${expression}": write METRIC[filter] OP NUMBER, e.g. "mem_fail_rate > 0.2" or "mem_fail_rate[model=claude-opus-4-7] >= 0.5", or "A vs B regresses" / "A vs B improves" for a comparison; metrics: ${Object.keys(GATE_METRICS).join(', ')}`;
  if (!m) throw new UsageError(usage);
  const [, metric, filterText, op, num] = m;
  if (!GATE_METRICS[metric!]) throw new UsageError(`--fail-if: unknown metric "${metric}"; metrics: ${Object.keys(GATE_METRICS).join(', ')}`);
  const filter: Partial<Record<(typeof FILTER_KEYS)[number], string>> = {};
  for (const part of (filterText ?? '')
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean)) {
    const [k, v] = part.split('=').map((x) => x?.trim());
    if (!k || v === undefined || !(FILTER_KEYS as readonly string[]).includes(k))
      throw new UsageError(`--fail-if: filter "${part}" should be one of ${FILTER_KEYS.join(', ')}=VALUE`);
    filter[k as (typeof FILTER_KEYS)[number]] = v;
  }
  return { kind: 'metric', expression: expression.trim(), metric: metric!, filter, op: op!, threshold: Number(num) };
}

type GateResult = Report['gates'][number];

/** pass, fail or inconclusive for "value OP threshold" decided on an interval: all of it on one side, or not. */
function decideOnInterval(op: string, threshold: number, iv: NonNullable<Interval>): 'pass' | 'fail' | 'inconclusive' {
  const test = OPS[op]!;
  const atLow = test(iv.low, threshold);
  const atHigh = test(iv.high, threshold);
  if (atLow && atHigh) return 'fail';
  if (!atLow && !atHigh) return 'pass';
  return 'inconclusive';
}

export function evaluateGates(gates: readonly Gate[], rows: readonly Row[], compared: readonly Comparison[] = [], o: { failIfInconclusive?: boolean } = {}): GateResult[] {
  const strict = o.failIfInconclusive ?? false;
  const result = (g: Gate, value: number | null, interval: Interval | null, decision: GateResult['decision'], why: string, noData = false): GateResult => ({
    expression: g.expression,
    value,
    interval,
    decision,
    failed: noData || decision === 'fail' || (decision === 'inconclusive' && strict),
    why,
  });
  return gates.map((g) => {
    if (g.kind === 'comparison') {
      const c = findComparison(compared, g.comparison);
      if (!c) return result(g, null, null, 'fail', `no comparison "${g.comparison}" in this report (comparisons: ${compared.map(comparisonName).join('; ') || 'none'})`, true);
      // regresses: A fails more often than B, significantly after Holm (a declared primary is not adjusted).
      const towards = g.direction === 'regresses' ? (c.diff ?? 0) > 0 : (c.diff ?? 0) < 0;
      if (c.p_adjusted === null) return result(g, c.diff, c.ci95, 'inconclusive', `S = ${c.S} scenario(s): too few to test`);
      if (c.significant && towards) return result(g, c.diff, c.ci95, 'fail', `${g.direction}: adjusted p = ${c.p_adjusted}`);
      if (c.significant) return result(g, c.diff, c.ci95, 'pass', `significant the other way: adjusted p = ${c.p_adjusted}`);
      return result(g, c.diff, c.ci95, 'inconclusive', `not significant: adjusted p = ${c.p_adjusted}`);
    }
    const selected = rows.filter((r) =>
      Object.entries(g.filter).every(([k, v]) => (k === 'scenario' ? r.scenario === v : String(r.key[k as 'model' | 'effort' | 'condition' | 'distance']) === v)),
    );
    if (selected.length === 0) return result(g, null, null, 'fail', 'no conversation matches this gate: a gate over no data fails', true);
    const metric = GATE_METRICS[g.metric]!;
    const value = metric.value(selected);
    if (value === null && metric.known?.(selected) === false)
      return result(g, null, null, 'inconclusive', 'the value is unknown for these conversations (a cost without a price is unknown, not 0)');
    if (value === null) return result(g, null, null, 'fail', 'no data for this metric (e.g. no conversation with a verdict): a gate over no data fails', true);
    const interval = metric.interval?.(selected) ?? null;
    // == and != ask about a value, not a side of a threshold: they decide on the value.
    if (interval && g.op !== '==' && g.op !== '!=') return result(g, value, interval, decideOnInterval(g.op, g.threshold, interval), 'decided on the 95% interval over scenarios');
    return result(g, value, null, OPS[g.op]!(value, g.threshold) ? 'fail' : 'pass', 'decided on the value');
  });
}
