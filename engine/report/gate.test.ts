import { describe, expect, it } from 'vitest';
import { UsageError } from '../errors.js';
import type { ConversationScore, Verdict } from '../schemas/scores.generated.js';
import type { Comparison } from '../schemas/report.generated.js';
import { rowOf, type Row } from './aggregate.js';
import { evaluateGates, GATE_METRICS, parseGate } from './gate.js';

/** A scored conversation with the figures the gate metrics read. */
function row(
  o: {
    model?: string;
    effort?: string;
    scenario?: string;
    distance?: number;
    repeat?: number;
    status?: string;
    mem?: Verdict;
    retention?: number | null;
    citations?: number;
    usd?: number | null;
    /** Models that answered a turn instead of the one requested, one turn each. */
    fallback?: string[];
  } = {},
): Row {
  const mem = o.mem ?? 'NO';
  const score = {
    conversation_id: `c${o.repeat ?? 1}`,
    scenario_id: o.scenario ?? 'lock-budget',
    cell: { model: o.model ?? 'claude-a', effort: o.effort ?? 'high', repeat: o.repeat ?? 1, ...(o.distance !== undefined ? { distance: o.distance } : {}) },
    status: o.status ?? 'complete',
    mem_fail: { value: mem, judge_verdict: mem, pass_answer: 'NO', steps: [3], judged: { verdict: mem, votes: [] } },
    constraint_retention: { value: o.retention ?? null, step: 3, honoured: [], violated: [], unknown: [] },
    citations: { window: { from: 2, to: 3 }, total: o.citations ?? 0, by_constraint: {}, by_step: {} },
    cost: { usd: o.usd === undefined ? 0.1 : o.usd },
  } as unknown as ConversationScore;
  return rowOf(
    score,
    (o.fallback ?? []).map((answered_by, i) => ({ step: i + 1, answered_by })),
  );
}

const metrics = Object.keys(GATE_METRICS).join(', ');

/** The error a bad expression throws: a UsageError (exit 2), never a plain Error. */
function usageError(expression: string): UsageError {
  try {
    parseGate(expression);
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    expect((e as UsageError).exitCode).toBe(2);
    return e as UsageError;
  }
  throw new Error(`parseGate accepted "${expression}"`);
}

/** A metric gate's fields (parseGate of a metric expression). */
const metricGate = (expression: string) => {
  const g = parseGate(expression);
  if (g.kind !== 'metric') throw new Error(`${expression} is not a metric gate`);
  return g;
};

describe('parseGate', () => {
  it('reads METRIC OP NUMBER', () => {
    expect(parseGate('mem_fail_rate > 0.2')).toEqual({ kind: 'metric', expression: 'mem_fail_rate > 0.2', metric: 'mem_fail_rate', filter: {}, op: '>', threshold: 0.2 });
  });

  it('reads a filter of key=value pairs, and trims spaces around every part', () => {
    expect(parseGate('  mem_fail_rate[ model = claude-opus-4-7 , effort=high ]>=0.5  ')).toEqual({
      kind: 'metric',
      expression: 'mem_fail_rate[ model = claude-opus-4-7 , effort=high ]>=0.5',
      metric: 'mem_fail_rate',
      filter: { model: 'claude-opus-4-7', effort: 'high' },
      op: '>=',
      threshold: 0.5,
    });
    expect(metricGate('cost_usd[scenario=lock-budget,condition=ledger,distance=4] <= 3').filter).toEqual({ scenario: 'lock-budget', condition: 'ledger', distance: '4' });
    expect(metricGate('cost_usd[] <= 3').filter).toEqual({});
  });

  it('knows six comparison operators', () => {
    expect(['>', '>=', '<', '<=', '==', '!='].map((op) => metricGate(`mem_fail_count ${op} 1`).op)).toEqual(['>', '>=', '<', '<=', '==', '!=']);
  });

  it('takes whole, decimal and negative thresholds', () => {
    expect(metricGate('mem_fail_count > 3').threshold).toBe(3);
    expect(metricGate('retention_mean < 0.75').threshold).toBe(0.75);
    expect(metricGate('cost_usd > -1').threshold).toBe(-1);
  });

  it('accepts every metric it lists', () => {
    for (const metric of Object.keys(GATE_METRICS)) expect(metricGate(`${metric} > 0`).metric).toBe(metric);
    expect(Object.keys(GATE_METRICS).sort()).toEqual([
      'citations_median',
      'cost_usd',
      'fallback_conversations',
      'mem_fail_count',
      'mem_fail_rate',
      'mem_fail_rate_high',
      'not_finished_rate',
      'retention_mean',
      'unscored_rate',
    ]);
  });

  it('rejects a malformed expression with the form to write and the metrics to choose from', () => {
    const e = usageError('mem_fail_rate >');
    expect(e.message).toBe(
      `--fail-if "mem_fail_rate >": write METRIC[filter] OP NUMBER, e.g. "mem_fail_rate > 0.2" or "mem_fail_rate[model=claude-opus-4-7] >= 0.5", or "A vs B regresses" / "A vs B improves" for a comparison; metrics: ${metrics}`,
    );
    // Operand order, operator spelling, number syntax and trailing text all matter.
    for (const bad of [
      '0.2 < mem_fail_rate',
      'mem_fail_rate => 0.2',
      'mem_fail_rate = 0.2',
      'mem_fail_rate > 20%',
      'mem_fail_rate > 0.2 and cost_usd > 1',
      'mem_fail_rate 0.2',
      '',
      'mem_fail_rate[model=a > 0.2',
    ]) {
      expect(usageError(bad).message.startsWith(`--fail-if "${bad}": write METRIC[filter] OP NUMBER`)).toBe(true);
    }
  });

  it('names an unknown metric', () => {
    expect(usageError('pass_rate > 0.2').message).toBe(`--fail-if: unknown metric "pass_rate"; metrics: ${metrics}`);
  });

  it('names a filter that is not key=value over a known key', () => {
    expect(usageError('mem_fail_rate[tier=high] > 0').message).toBe('--fail-if: filter "tier=high" should be one of model, effort, condition, distance, scenario=VALUE');
    expect(usageError('mem_fail_rate[model] > 0').message).toBe('--fail-if: filter "model" should be one of model, effort, condition, distance, scenario=VALUE');
  });
});

describe('parseGate on comparisons', () => {
  it('reads "A vs B regresses" and "A vs B improves"', () => {
    expect(parseGate(' claude-opus-5-5 vs claude-opus-4-7 regresses ')).toEqual({
      kind: 'comparison',
      expression: 'claude-opus-5-5 vs claude-opus-4-7 regresses',
      comparison: 'claude-opus-5-5 vs claude-opus-4-7',
      direction: 'regresses',
    });
    expect(parseGate('low vs high improves')).toMatchObject({ kind: 'comparison', direction: 'improves' });
  });
});

describe('evaluateGates', () => {
  /** R repeats of a scenario in a cell, the first `failed` of them failing. */
  const scen = (scenario: string, failed: number, R = 4, o: Parameters<typeof row>[0] = {}) =>
    Array.from({ length: R }, (_, i) => row({ ...o, scenario, repeat: i + 1, mem: i < failed ? 'YES' : 'NO' }));
  const gate = (expression: string, rs: Row[], o = {}) => evaluateGates([parseGate(expression)], rs, [], o)[0]!;

  // Eight scenarios, four repeats each: scenario rates 0, .25, .25, .5, .5, .5, .75, 1 -> mean 0.46875.
  const eight = [0, 1, 1, 2, 2, 2, 3, 4].flatMap((k, i) => scen(`s${i}`, k));

  it('computes the rate as the mean of the per-scenario rates and decides on its interval over scenarios', () => {
    const g = gate('mem_fail_rate > 0.9', eight);
    expect(g.value).toBeCloseTo(0.46875, 12);
    // t interval over 8 scenario rates: sd 0.31161, se 0.11017, t(0.975, 7) 2.36462 -> 0.2082 .. 0.7293.
    expect(g.interval!.low).toBeCloseTo(0.2082, 3);
    expect(g.interval!.high).toBeCloseTo(0.7293, 3);
    // The whole interval is under 0.9: the gate passes.
    expect(g).toMatchObject({ decision: 'pass', failed: false });
    // Above 0.1 everywhere: it fails.
    expect(gate('mem_fail_rate > 0.1', eight)).toMatchObject({ decision: 'fail', failed: true });
    // 0.5 is inside the interval: inconclusive, which passes CI unless --fail-if-inconclusive.
    expect(gate('mem_fail_rate > 0.5', eight)).toMatchObject({ decision: 'inconclusive', failed: false });
    expect(gate('mem_fail_rate > 0.5', eight, { failIfInconclusive: true })).toMatchObject({ decision: 'inconclusive', failed: true });
    // The same point estimate, pooled, would have read 15/32 = 0.47 with a far narrower Wilson interval.
  });

  it('counts conversations, costs and fallbacks on their values', () => {
    const rows = [
      row({ repeat: 1, mem: 'YES', usd: 0.5 }),
      row({ repeat: 2, usd: 0.25, fallback: ['claude-z', 'claude-y'] }),
      row({ repeat: 3, model: 'claude-b', mem: 'YES', usd: 1 }),
    ];
    expect(gate('mem_fail_count > 1', rows)).toMatchObject({ value: 2, decision: 'fail' });
    expect(gate('mem_fail_count[model=claude-a] > 1', rows)).toMatchObject({ value: 1, decision: 'pass' });
    expect(gate('cost_usd > 1', rows).value).toBeCloseTo(1.75, 12);
    // Conversations, not turns: repeat 2 had two turns answered by other models.
    expect(gate('fallback_conversations > 0', rows)).toMatchObject({ value: 1, failed: true });
  });

  it('takes an unknown cost as unknown, not 0: inconclusive', () => {
    const rows = [row({ repeat: 1, usd: 0.5 }), row({ repeat: 2, usd: null })];
    expect(gate('cost_usd > 100', rows)).toMatchObject({ value: null, decision: 'inconclusive', failed: false });
    expect(gate('cost_usd > 100', rows, { failIfInconclusive: true }).failed).toBe(true);
  });

  it('reads retention and citations over finished conversations, as the report does', () => {
    const rows = [
      row({ repeat: 1, retention: 0, citations: 1 }),
      row({ repeat: 2, retention: 1, citations: 3 }),
      row({ repeat: 3, retention: 1, citations: 4 }),
      // Unfinished: left out of both, as the report's cells leave them out.
      row({ repeat: 4, status: 'errored', retention: 0, citations: 0 }),
    ];
    expect(gate('retention_mean < 1', rows).value).toBeCloseTo(2 / 3, 12);
    expect(gate('citations_median < 1', rows).value).toBe(3);
  });

  it('counts every judged verdict, finished or not, and conversations without one by reason', () => {
    const rows = [row({ repeat: 1, mem: 'YES' }), row({ repeat: 2, mem: 'NO', status: 'max_tokens' }), row({ repeat: 3, mem: 'unscored' })];
    // The cut-off conversation's judged reply was judged: it counts. 1 of 2.
    expect(gate('mem_fail_count > 5', rows).value).toBe(1);
    expect(gate('unscored_rate > 0.5', rows).value).toBeCloseTo(1 / 3, 12);
    expect(gate('not_finished_rate > 0.5', rows).value).toBeCloseTo(1 / 3, 12);
  });

  it('fails a gate over no data, so a typo in a filter cannot turn CI green, whatever the metric', () => {
    for (const metric of ['mem_fail_rate', 'mem_fail_count', 'cost_usd', 'fallback_conversations']) {
      expect(gate(`${metric}[model=claude-a-typo] > 0.5`, eight), metric).toMatchObject({ value: null, failed: true });
    }
    // Only unscored conversations: no rate either.
    expect(gate('mem_fail_rate < 2', [row({ mem: 'unscored' })])).toMatchObject({ value: null, failed: true });
  });

  it('decides a comparison gate on the Holm-adjusted comparison, and fails when the comparison is not in the report', () => {
    const c = (over: Partial<Comparison>): Comparison => ({
      axis: 'model',
      a: { model: 'claude-new', effort: 'high', condition: 'baseline', distance: 0 },
      b: { model: 'claude-old', effort: 'high', condition: 'baseline', distance: 0 },
      S: 8,
      n_a: 24,
      n_b: 24,
      a_failed: 20,
      b_failed: 2,
      a_rate: 0.83,
      b_rate: 0.08,
      diff: 0.75,
      ci95: { low: 0.6, high: 0.9 },
      p_value: 0.0078,
      p_adjusted: 0.0078,
      significant: true,
      test: 'sign-flip',
      primary: false,
      cmh: { p: 0.001, odds_ratio: 50 },
      fallback_conversations: 0,
      sentence: '',
      ...over,
    });
    const decide = (expression: string, cmp: Comparison) => evaluateGates([parseGate(expression)], eight, [cmp])[0]!;
    expect(decide('claude-new vs claude-old regresses', c({}))).toMatchObject({ decision: 'fail', failed: true, value: 0.75 });
    expect(decide('claude-new vs claude-old improves', c({}))).toMatchObject({ decision: 'pass', failed: false });
    expect(decide('claude-new vs claude-old regresses', c({ significant: false, p_adjusted: 0.3 }))).toMatchObject({ decision: 'inconclusive', failed: false });
    expect(decide('claude-newer vs claude-old regresses', c({}))).toMatchObject({ failed: true, why: expect.stringContaining('no comparison "claude-newer vs claude-old"') });
  });
});
