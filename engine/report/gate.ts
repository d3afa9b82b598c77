import { UsageError } from '../errors.js';
import type { Report } from '../schemas/report.generated.js';
import { mean, median } from '../stats/stats.js';
import { rates, type Row } from './aggregate.js';

/**
 * CI gates: `--fail-if "mem_fail_rate > 0.2"`, optionally narrowed to part of a run:
 * `--fail-if "mem_fail_rate[model=claude-opus-4-7,effort=high] >= 0.5"`.
 */
export const GATE_METRICS: Record<string, { about: string; value: (rows: readonly Row[]) => number | null }> = {
  mem_fail_rate: { about: 'failed / scored conversations', value: (rs) => rates(rs).rate },
  mem_fail_rate_high: { about: 'upper end of the 95% Wilson interval of the mem_fail rate', value: (rs) => rates(rs).ci95?.high ?? null },
  mem_fail_count: { about: 'conversations that failed', value: (rs) => rates(rs).failed },
  unscored_rate: {
    about: 'unscored / finished conversations',
    value: (rs) => {
      const r = rates(rs);
      return r.n + r.unscored === 0 ? null : r.unscored / (r.n + r.unscored);
    },
  },
  not_finished_rate: { about: 'conversations that errored, were refused, cut off or never finished', value: (rs) => (rs.length ? rates(rs).not_finished / rs.length : null) },
  retention_mean: { about: 'mean constraint retention', value: (rs) => mean(rs.map((r) => r.score.constraint_retention.value).filter((x): x is number => x !== null)) },
  citations_median: { about: 'median citations in the citation window', value: (rs) => median(rs.map((r) => r.score.citations.total)) },
  cost_usd: { about: 'total cost in USD', value: (rs) => rs.reduce((n, r) => n + (r.score.cost.usd ?? 0), 0) },
  // Lets CI refuse a run a fallback model answered part of. Under --exclude-fallback the gates
  // read what the report counts, which has none of these conversations: always 0.
  fallback_conversations: { about: 'conversations with turns answered by another model than the one requested', value: (rs) => rs.filter((r) => r.fallback.length > 0).length },
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

export interface Gate {
  expression: string;
  metric: string;
  filter: Partial<Record<(typeof FILTER_KEYS)[number], string>>;
  op: string;
  threshold: number;
}

export function parseGate(expression: string): Gate {
  const m = /^\s*([a-z_]+)\s*(?:\[([^\]]*)\])?\s*(>=|<=|==|!=|>|<)\s*(-?\d+(?:\.\d+)?)\s*$/.exec(expression);
  const usage = `--fail-if "${expression}": write METRIC[filter] OP NUMBER, e.g. "mem_fail_rate > 0.2" or "mem_fail_rate[model=claude-opus-4-7] >= 0.5"; metrics: ${Object.keys(GATE_METRICS).join(', ')}`;
  if (!m) throw new UsageError(usage);
  const [, metric, filterText, op, num] = m;
  if (!GATE_METRICS[metric!]) throw new UsageError(`--fail-if: unknown metric "${metric}"; metrics: ${Object.keys(GATE_METRICS).join(', ')}`);
  const filter: Gate['filter'] = {};
  for (const part of (filterText ?? '')
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean)) {
    const [k, v] = part.split('=').map((x) => x?.trim());
    if (!k || v === undefined || !(FILTER_KEYS as readonly string[]).includes(k))
      throw new UsageError(`--fail-if: filter "${part}" should be one of ${FILTER_KEYS.join(', ')}=VALUE`);
    filter[k as (typeof FILTER_KEYS)[number]] = v;
  }
  return { expression: expression.trim(), metric: metric!, filter, op: op!, threshold: Number(num) };
}

export function evaluateGates(gates: readonly Gate[], rows: readonly Row[]): Report['gates'] {
  return gates.map((g) => {
    const selected = rows.filter((r) =>
      Object.entries(g.filter).every(([k, v]) => (k === 'scenario' ? r.scenario === v : String(r.key[k as 'model' | 'effort' | 'condition' | 'distance']) === v)),
    );
    const value = GATE_METRICS[g.metric]!.value(selected);
    // A gate over no data fails: a typo in a filter must not turn CI green.
    const failed = value === null ? true : OPS[g.op]!(value, g.threshold);
    return { expression: g.expression, value, failed };
  });
}
