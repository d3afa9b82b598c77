import { describe, expect, it } from 'vitest';
import { UsageError } from '../errors.js';
import type { ConversationScore, Verdict } from '../schemas/scores.generated.js';
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

describe('parseGate', () => {
  it('reads METRIC OP NUMBER', () => {
    expect(parseGate('mem_fail_rate > 0.2')).toEqual({ expression: 'mem_fail_rate > 0.2', metric: 'mem_fail_rate', filter: {}, op: '>', threshold: 0.2 });
  });

  it('reads a filter of key=value pairs, and trims spaces around every part', () => {
    expect(parseGate('  mem_fail_rate[ model = claude-opus-4-7 , effort=high ]>=0.5  ')).toEqual({
      expression: 'mem_fail_rate[ model = claude-opus-4-7 , effort=high ]>=0.5',
      metric: 'mem_fail_rate',
      filter: { model: 'claude-opus-4-7', effort: 'high' },
      op: '>=',
      threshold: 0.5,
    });
    expect(parseGate('cost_usd[scenario=lock-budget,condition=ledger,distance=4] <= 3').filter).toEqual({ scenario: 'lock-budget', condition: 'ledger', distance: '4' });
    expect(parseGate('cost_usd[] <= 3').filter).toEqual({});
  });

  it('knows six comparison operators', () => {
    expect(['>', '>=', '<', '<=', '==', '!='].map((op) => parseGate(`mem_fail_count ${op} 1`).op)).toEqual(['>', '>=', '<', '<=', '==', '!=']);
  });

  it('takes whole, decimal and negative thresholds', () => {
    expect(parseGate('mem_fail_count > 3').threshold).toBe(3);
    expect(parseGate('retention_mean < 0.75').threshold).toBe(0.75);
    expect(parseGate('cost_usd > -1').threshold).toBe(-1);
  });

  it('accepts every metric it lists', () => {
    for (const metric of Object.keys(GATE_METRICS)) expect(parseGate(`${metric} > 0`).metric).toBe(metric);
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
      `--fail-if "mem_fail_rate >": write METRIC[filter] OP NUMBER, e.g. "mem_fail_rate > 0.2" or "mem_fail_rate[model=claude-opus-4-7] >= 0.5"; metrics: ${metrics}`,
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

describe('evaluateGates', () => {
  // Four complete conversations on claude-a, one of them failed; one unscored; one refused.
  // claude-b: two complete, both failed.
  const rows = [
    row({ repeat: 1, mem: 'YES', retention: 0, citations: 1, usd: 0.5 }),
    row({ repeat: 2, mem: 'NO', retention: 1, citations: 3, usd: 0.25, fallback: ['claude-z', 'claude-y'] }),
    row({ repeat: 3, mem: 'NO', retention: 1, citations: 4, usd: 0.25 }),
    row({ repeat: 4, mem: 'NO', retention: null, citations: 10, usd: null }),
    row({ repeat: 5, mem: 'unscored', citations: 2, usd: 1 }),
    row({ repeat: 6, mem: 'YES', status: 'refused', usd: 2 }),
    row({ model: 'claude-b', effort: 'low', distance: 4, scenario: 'travel', repeat: 1, mem: 'YES', usd: 1 }),
    row({ model: 'claude-b', effort: 'low', distance: 4, scenario: 'travel', repeat: 2, mem: 'YES', usd: 1, fallback: ['claude-z'] }),
  ];
  const value = (expression: string) => evaluateGates([parseGate(expression)], rows)[0]!.value;

  it('computes each metric over the selected conversations', () => {
    const a = '[model=claude-a]';
    // claude-a: scored repeats 1-4, one failed -> 1/4.
    expect(value(`mem_fail_rate${a} > 1`)).toBe(0.25);
    expect(value(`mem_fail_count${a} > 1`)).toBe(1);
    // Wilson 1 of 4, z^2 = 3.8415: centre = (0.25 + z^2/8) / (1 + z^2/4) = 0.73018 / 1.96037 = 0.37247,
    // half = z / 1.96037 * sqrt(0.25 * 0.75 / 4 + z^2 / 64) = 0.99981 * 0.32695 = 0.32689 -> high 0.6994.
    expect(value(`mem_fail_rate_high${a} > 1`)).toBeCloseTo(0.6994, 4);
    // Finished: repeats 1-5; unscored: repeat 5 -> 1/5.
    expect(value(`unscored_rate${a} > 1`)).toBeCloseTo(0.2, 12);
    // Not finished: repeat 6 of 6.
    expect(value(`not_finished_rate${a} > 1`)).toBeCloseTo(1 / 6, 12);
    // 0.5 + 0.25 + 0.25 + (unknown counts as 0) + 1 + 2.
    expect(value(`cost_usd${a} > 100`)).toBeCloseTo(4, 12);
    // Conversations, not turns: repeat 2 had two turns answered by other models.
    expect(value(`fallback_conversations${a} > 0`)).toBe(1);
    expect(value('fallback_conversations > 0')).toBe(2);
    // Over the whole run: rates pool both models -> 3 failed of 6 scored.
    expect(value('mem_fail_rate > 1')).toBe(0.5);
    expect(value('mem_fail_count > 1')).toBe(3);
  });

  it('averages the known retention values and takes the median of citations', () => {
    // Complete conversations only: the report's cells average these over complete ones, and
    // this gate, unlike the rate gates, does not drop unfinished ones itself.
    const finished = rows.filter((r) => r.score.status === 'complete' && r.key.model === 'claude-a');
    // Retention known on repeats 1-3: 0, 1, 1 -> mean 2/3.
    expect(evaluateGates([parseGate('retention_mean < 1')], finished)[0]!.value).toBeCloseTo(2 / 3, 12);
    // Citations 1, 3, 4, 10, 2 -> median 3.
    expect(evaluateGates([parseGate('citations_median < 1')], finished)[0]!.value).toBe(3);
  });

  it('filters by model, effort, distance and scenario, with condition baseline and distance 0 when a cell has none', () => {
    expect(value('mem_fail_count[effort=low] > 0')).toBe(2);
    expect(value('mem_fail_count[distance=4] > 0')).toBe(2);
    expect(value('mem_fail_count[scenario=travel] > 0')).toBe(2);
    expect(value('mem_fail_count[distance=0] > 0')).toBe(1);
    expect(value('mem_fail_count[condition=baseline] > 0')).toBe(3);
    expect(value('mem_fail_rate[model=claude-a,effort=low] > 0')).toBeNull();
  });

  it('fails a gate whose value crosses the threshold: strictly for > and <, inclusively for >= and <=', () => {
    // claude-a's rate is exactly 0.25.
    const failed = (op: string, t: number) => evaluateGates([parseGate(`mem_fail_rate[model=claude-a] ${op} ${t}`)], rows)[0]!.failed;
    expect(failed('>', 0.25)).toBe(false);
    expect(failed('>=', 0.25)).toBe(true);
    expect(failed('>', 0.24)).toBe(true);
    expect(failed('<', 0.25)).toBe(false);
    expect(failed('<=', 0.25)).toBe(true);
    expect(failed('<', 0.26)).toBe(true);
    expect(failed('==', 0.25)).toBe(true);
    expect(failed('==', 0.2)).toBe(false);
    expect(failed('!=', 0.25)).toBe(false);
    expect(failed('!=', 0.2)).toBe(true);
  });

  it('fails a rate gate over no data, so a typo in a filter cannot turn CI green', () => {
    expect(evaluateGates([parseGate('mem_fail_rate[model=claude-a-typo] > 0.5')], rows)).toEqual([
      { expression: 'mem_fail_rate[model=claude-a-typo] > 0.5', value: null, failed: true },
    ]);
    // Only unscored conversations: no rate either.
    expect(evaluateGates([parseGate('mem_fail_rate < 2')], [row({ mem: 'unscored' })])[0]).toMatchObject({ value: null, failed: true });
  });

  it('evaluates several gates independently, in the order given', () => {
    const out = evaluateGates([parseGate('mem_fail_rate > 0.9'), parseGate('mem_fail_count >= 3')], rows);
    expect(out).toEqual([
      { expression: 'mem_fail_rate > 0.9', value: 0.5, failed: false },
      { expression: 'mem_fail_count >= 3', value: 3, failed: true },
    ]);
  });
});
