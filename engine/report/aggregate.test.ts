import { describe, expect, it } from 'vitest';
import { betaForIcc, randomBeta, seededRandom } from '../stats/random.js';
import type { ConversationScore, Verdict } from '../schemas/scores.generated.js';
import { validatorForDef } from '../schemas/compile.js';
import { cells, cellStats, comparisons, effectWarnings, rates, rowOf, summaries, type Row } from './aggregate.js';

/**
 * One scored conversation, with only the figures a test cares about spelled out. The defaults
 * are a complete, passing conversation: 1000 output tokens, 10 s, $0.10, 2 thinking blocks.
 */
interface ScoreOptions {
  scenario?: string;
  model?: string;
  effort?: string;
  repeat?: number;
  condition?: string;
  distance?: number;
  status?: string;
  mem?: Verdict;
  outputTokens?: number;
  latencyMs?: number | null;
  usd?: number | null;
  usdUncached?: number | null;
  thinkingBlocks?: number;
  citations?: number;
  citationsByStep?: Record<string, Record<string, number>>;
  retention?: number | null;
  firstDrift?: number | null;
  coherence?: number | null;
}

function score(o: ScoreOptions = {}): ConversationScore {
  const scenario = o.scenario ?? 'lock-budget';
  const model = o.model ?? 'claude-a';
  const effort = o.effort ?? 'high';
  const repeat = o.repeat ?? 1;
  const mem = o.mem ?? 'NO';
  const judged = { verdict: mem, votes: [] };
  return {
    conversation_id: `${scenario}__${model}__${effort}${o.condition ? `__${o.condition}` : ''}${o.distance ? `__d${o.distance}` : ''}__r${repeat}`,
    scenario_id: scenario,
    cell: { model, effort, repeat, ...(o.condition ? { condition: o.condition } : {}), ...(o.distance !== undefined ? { distance: o.distance } : {}) },
    status: o.status ?? 'complete',
    transcript_sha256: '0'.repeat(64),
    mem_fail: { value: mem, judge_verdict: mem, pass_answer: 'NO', steps: [3], judged },
    citations: { window: { from: 2, to: 3 }, total: o.citations ?? 0, by_constraint: {}, by_step: o.citationsByStep ?? {} },
    self_corrections: { thinking: 0, text: 0, by_step: {} },
    constraint_retention: { value: o.retention ?? null, step: 3, honoured: [], violated: [], unknown: [] },
    first_drift_step: { value: o.firstDrift ?? null, probed_steps: 0, failures: [] },
    step_coherence: { value: o.coherence ?? null, by_step: {} },
    latency: { total_ms: o.latencyMs === undefined ? 10_000 : o.latencyMs, median_ms: null, median_ttft_ms: null },
    cost: {
      usd: o.usd === undefined ? 0.1 : o.usd,
      usd_uncached: o.usdUncached === undefined ? null : o.usdUncached,
      provider_usd: null,
      input_tokens: 100,
      output_tokens: o.outputTokens ?? 1000,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
      thinking_tokens: null,
      thinking_blocks: o.thinkingBlocks ?? 2,
    },
  };
}

const row = (o: ScoreOptions = {}): Row => rowOf(score(o));

describe('the test helper', () => {
  it('builds scores that the scores schema accepts', () => {
    const validate = validatorForDef<ConversationScore>('scores', 'conversationScore');
    for (const s of [score(), score({ condition: 'ledger', distance: 3, status: 'refused', mem: 'unscored', latencyMs: null, usd: null })]) {
      expect(validate(s), JSON.stringify(validate.errors)).toBe(true);
    }
  });
});

describe('rowOf', () => {
  it('keys a conversation by model, effort, condition and distance, with baseline and 0 when the cell has none', () => {
    const r = rowOf(score({ scenario: 's1', model: 'm', effort: 'low', repeat: 4 }));
    expect(r.key).toEqual({ model: 'm', effort: 'low', condition: 'baseline', distance: 0 });
    expect(r.scenario).toBe('s1');
    expect(r.repeat).toBe(4);
    expect(rowOf(score({ condition: 'ledger', distance: 5 })).key).toMatchObject({ condition: 'ledger', distance: 5 });
  });
});

describe('rates', () => {
  it('counts every YES/NO verdict in n, finished or not, and gives a single scenario the Wilson interval of its repeats', () => {
    const rows = [
      ...[1, 2, 3].map((repeat) => row({ repeat, mem: 'YES' })),
      ...[4, 5, 6, 7].map((repeat) => row({ repeat, mem: 'NO' })),
      row({ repeat: 9, mem: 'unscored' }),
      // Judged replies that exist are judged, whether or not the conversation went on to finish.
      row({ repeat: 11, status: 'max_tokens', mem: 'NO' }),
      row({ repeat: 12, status: 'errored', mem: 'unscored' }),
    ];
    const r = rates(rows);
    expect(r).toMatchObject({ S: 1, n: 8, failed: 3, rate: 3 / 8, unscored: 1, no_reply: 1, refused: 0, not_finished: 2 });
    expect(r.method).toContain('Wilson');
    // Wilson, 3 of 8, z = 1.96 (z^2 = 3.8415):
    //   centre = (3/8 + z^2/16) / (1 + z^2/8) = 0.61509 / 1.48018 = 0.41555
    //   half   = z / 1.48018 * sqrt(3/8 * 5/8 / 8 + z^2 / 256) = 1.32416 * 0.21048 = 0.27871
    //   -> 0.1368 .. 0.6943
    expect(r.ci95!.low).toBeCloseTo(0.1368, 4);
    expect(r.ci95!.high).toBeCloseTo(0.6943, 4);
    // Two without a verdict: counted as passes 3/10, as failures 5/10.
    expect(r.bounds).toEqual({ best: 0.3, worst: 0.5 });
  });

  it('is the mean of the per-scenario rates, with a t interval over scenarios, not a pooled proportion', () => {
    // s1: 4 of 4 failed; s2 and s3: 0 of 1. Pooled: 4/6 = 0.67; by scenario: (1 + 0 + 0) / 3 = 0.33.
    const rows = [...[1, 2, 3, 4].map((repeat) => row({ scenario: 's1', repeat, mem: 'YES' })), row({ scenario: 's2', mem: 'NO' }), row({ scenario: 's3', mem: 'NO' })];
    const r = rates(rows);
    expect(r).toMatchObject({ S: 3, n: 6, failed: 4 });
    expect(r.rate).toBeCloseTo(1 / 3, 12);
    expect(r.pooled_rate).toBeCloseTo(4 / 6, 12);
    expect(r.method).toMatch(/^t over 3 scenario rates/);
    // sd of (1, 0, 0) = 0.57735, se = 0.33333, t(0.975, 2) = 4.3027: -1.10 .. 1.77, clipped to 0 .. 1.
    expect(r.ci95).toEqual({ low: 0, high: 1 });
  });

  it('counts a refusal at a judged step as an outcome of its own, neither a pass nor a failure', () => {
    const refused = rowOf({
      ...row({ repeat: 2 }).score,
      status: 'refused',
      mem_fail: { ...row().score.mem_fail, value: 'unscored', judge_verdict: 'unscored', outcome: 'refused' },
    });
    const r = rates([row({ repeat: 1, mem: 'NO' }), refused]);
    expect(r).toMatchObject({ n: 1, failed: 0, refused: 1, unscored: 0, no_reply: 0 });
    expect(r.bounds).toEqual({ best: 0, worst: 0.5 });
  });

  it('has no rate and no interval when nothing was scored, rather than a 0% that looks like a pass', () => {
    const r = rates([row({ mem: 'unscored' }), row({ repeat: 2, status: 'stopped', mem: 'unscored' })]);
    expect(r).toMatchObject({ S: 0, n: 0, failed: 0, rate: null, ci95: null, unscored: 1, no_reply: 1, not_finished: 1 });
    expect(rates([])).toMatchObject({ S: 0, n: 0, rate: null, ci95: null, bounds: null });
  });
});

describe('cells', () => {
  it('groups conversations by scenario and by cell, scenarios in alphabetical order', () => {
    const rows = [
      row({ scenario: 'travel', model: 'm1', repeat: 1 }),
      row({ scenario: 'lock', model: 'm1', repeat: 2 }),
      row({ scenario: 'lock', model: 'm2', repeat: 1 }),
      row({ scenario: 'lock', model: 'm1', repeat: 1 }),
      row({ scenario: 'lock', model: 'm1', repeat: 1, condition: 'ledger' }),
      row({ scenario: 'lock', model: 'm1', repeat: 1, distance: 8 }),
    ];
    const out = cells(rows);
    expect(out.map((c) => [c.scenario, c.cell.model, c.cell.condition, c.cell.distance, c.conversations.length])).toEqual([
      ['lock', 'm1', 'baseline', 0, 2],
      ['lock', 'm2', 'baseline', 0, 1],
      ['lock', 'm1', 'ledger', 0, 1],
      ['lock', 'm1', 'baseline', 8, 1],
      ['travel', 'm1', 'baseline', 0, 1],
    ]);
    // Conversation ids are listed sorted, whatever order they came in.
    expect(out[0]!.conversations).toEqual(['lock__m1__high__r1', 'lock__m1__high__r2']);
  });

  it('takes medians and means over complete conversations only, skipping unknown figures', () => {
    const key = rowOf(score()).key;
    const rows = [
      row({ repeat: 1, citations: 1, latencyMs: 1000, usd: 0.1, outputTokens: 100, retention: 1, firstDrift: 3, coherence: 1, thinkingBlocks: 1 }),
      row({ repeat: 2, citations: 4, latencyMs: 3000, usd: 0.3, outputTokens: 300, retention: 0.5, firstDrift: 5, coherence: 0, thinkingBlocks: 2 }),
      // Latency and cost unknown; retention and drift unknown: left out, not counted as 0.
      row({ repeat: 3, citations: 6, latencyMs: null, usd: null, outputTokens: 600, retention: null, firstDrift: null, coherence: null, thinkingBlocks: 0 }),
      // Refused: in the cell's conversation list and thinking-block count, nowhere else.
      row({
        repeat: 4,
        status: 'refused',
        mem: 'unscored',
        citations: 100,
        latencyMs: 99_000,
        usd: 9,
        outputTokens: 9000,
        retention: 0,
        firstDrift: 1,
        coherence: 0,
        thinkingBlocks: 4,
      }),
    ];
    const c = cellStats('lock-budget', key, rows);
    expect(c.citations_median).toBe(4); // median of 1, 4, 6
    expect(c.latency_median_ms).toBe(2000); // median of 1000, 3000
    expect(c.cost_median_usd).toBeCloseTo(0.2, 12); // median of 0.1, 0.3
    expect(c.output_tokens_median).toBe(300); // median of 100, 300, 600
    expect(c.retention_mean).toBe(0.75); // mean of 1, 0.5
    expect(c.first_drift_median).toBe(4); // median of 3, 5
    expect(c.coherence_mean).toBe(0.5); // mean of 1, 0
    expect(c.thinking_blocks).toBe(7); // 1 + 2 + 0 + 4: every conversation, refused included
    expect(c.conversations).toHaveLength(4);
    expect(c.mem_fail).toMatchObject({ n: 3, not_finished: 1 });
  });

  it('gives per step the median over conversations of all constraints cited at that step', () => {
    const key = rowOf(score()).key;
    const rows = [
      row({ repeat: 1, citationsByStep: { '1': { budget: 2, lang: 1 }, '2': { budget: 1, lang: 0 } } }),
      row({ repeat: 2, citationsByStep: { '1': { budget: 0, lang: 1 } } }),
      row({ repeat: 3, status: 'errored', citationsByStep: { '1': { budget: 50 }, '7': { budget: 50 } } }),
    ];
    // Step 1: sums 3 and 1 -> median 2. Step 2: 1, and 0 for the conversation without it -> 0.5.
    // Step 7 appears only in the errored conversation, which does not count.
    expect(cellStats('lock-budget', key, rows).citations_by_step).toEqual({ '1': 2, '2': 0.5 });
  });

  it('counts the conversations another model answered part of, and keeps a cell whose conversations were all left out', () => {
    const fallback = [{ step: 2, answered_by: 'claude-b' }];
    const kept = [row({ repeat: 1 }), rowOf(score({ repeat: 2 }), fallback)];
    const [included] = cells(kept);
    expect(included).toMatchObject({ fallback_conversations: 1, mem_fail: { n: 2 } });
    expect(included!.conversations).toHaveLength(2);

    // --exclude-fallback: the left-out conversation is counted, never aggregated.
    const leftOut = [rowOf(score({ repeat: 2, mem: 'YES' }), fallback)];
    const [excluded] = cells([row({ repeat: 1 })], leftOut);
    expect(excluded).toMatchObject({ fallback_conversations: 1, mem_fail: { n: 1, failed: 0 } });
    expect(excluded!.conversations).toEqual(['lock-budget__claude-a__high__r1']);
    // A cell with nothing left but left-out conversations still shows, as no data.
    const [empty] = cells([], leftOut);
    expect(empty).toMatchObject({ scenario: 'lock-budget', cell: { model: 'claude-a' }, fallback_conversations: 1, mem_fail: { n: 0, rate: null }, conversations: [] });
  });

  it('leaves figures null in a cell where no conversation finished', () => {
    const c = cellStats('lock-budget', rowOf(score()).key, [row({ status: 'errored', mem: 'unscored' })]);
    expect(c).toMatchObject({ citations_median: null, latency_median_ms: null, cost_median_usd: null, retention_mean: null, citations_by_step: {} });
    expect(c.mem_fail).toMatchObject({ n: 0, rate: null, not_finished: 1 });
  });
});

describe('summaries', () => {
  const rows = [
    row({ model: 'm1', effort: 'low', distance: 10, mem: 'YES', usd: 0.25 }),
    row({ model: 'm1', effort: 'high', distance: 2, mem: 'NO', usd: 0.5 }),
    row({ model: 'm2', effort: 'low', mem: 'NO', usd: 1 }),
    row({ model: 'm2', effort: 'high', condition: 'ledger', mem: 'unscored', usd: 2, status: 'refused' }),
  ];
  const s = summaries(rows);

  it('pools every axis separately, and the distances in numeric order', () => {
    expect(s.by_model.map((g) => [g.group, g.mem_fail.n, g.mem_fail.failed])).toEqual([
      ['m1', 2, 1],
      ['m2', 1, 0],
    ]);
    expect(s.by_effort.map((g) => g.group)).toEqual(['low', 'high']);
    expect(s.by_condition.map((g) => g.group)).toEqual(['baseline', 'ledger']);
    // 10 before 2 as strings; 0, 2, 10 as numbers.
    expect(s.by_distance.map((g) => g.group)).toEqual(['0', '2', '10']);
    expect(s.overall).toMatchObject({ group: 'all', mem_fail: { n: 3, failed: 1, not_finished: 1 } });
  });

  it('totals cost over every conversation, unfinished ones too, since they were paid for', () => {
    expect(s.overall.cost_total_usd).toBeCloseTo(3.75, 12); // 0.25 + 0.5 + 1 + 2
    // The median is over finished conversations only: 0.25, 0.5, 1.
    expect(s.overall.cost_median_usd).toBe(0.5);
  });

  it('makes the total unknown when one conversation has no price, rather than quietly low', () => {
    const partial = summaries([row({ usd: 1 }), row({ repeat: 2, usd: null })]);
    expect(partial.overall.cost_total_usd).toBeNull();
    expect(partial.overall.cost_uncached_total_usd).toBeNull();
    expect(summaries([row({ usdUncached: 1.5 }), row({ repeat: 2, usdUncached: 2 })]).overall.cost_uncached_total_usd).toBe(3.5);
    expect(summaries([]).overall.cost_total_usd).toBeNull();
  });
});

describe('comparisons', () => {
  /** One scenario of a cell, R repeats, the first `failed` of them failing. */
  const scen = (model: string, scenario: string, failed: number, R = 3, o: ScoreOptions = {}) =>
    Array.from({ length: R }, (_, i) => row({ ...o, model, scenario, repeat: i + 1, mem: i < failed ? 'YES' : 'NO' }));
  /** Two cells over eight scenarios with the failures given per scenario. */
  const cellsOf = (a: number[], b: number[], o: ScoreOptions = {}) => [
    ...a.flatMap((k, i) => scen('claude-a', `s${i}`, k, 3, o)),
    ...b.flatMap((k, i) => scen('claude-b', `s${i}`, k, 3, o)),
  ];

  it('pairs by scenario, never by repeat: one scenario out of 8 driving the difference is not significant', () => {
    // s0 always fails on claude-a and never on claude-b; every other scenario is equal.
    const {
      comparisons: [c],
    } = comparisons(cellsOf([3, 0, 0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0, 0, 0]));
    expect(c).toMatchObject({ axis: 'model', S: 8, n_a: 24, n_b: 24, a_failed: 3, b_failed: 0, significant: false });
    expect(c!.diff).toBeCloseTo(1 / 8, 12);
    // One non-zero difference: every sign pattern is as extreme as the one seen, p = 1.
    expect(c!.p_value).toBeCloseTo(1, 12);
    expect(c!.sentence).toContain('over S = 8 scenario(s) paired by scenario (n = 24 and 24 conversations)');
    expect(c!.sentence).toContain('not significant: the data cannot tell these cells apart');
  });

  it('calls a consistent difference across 8 scenarios significant, with the interval of the difference', () => {
    const {
      comparisons: [c],
      family,
    } = comparisons(cellsOf([2, 3, 2, 3, 2, 3, 2, 3], [0, 1, 0, 1, 0, 1, 0, 1]));
    expect(family).toBe(1);
    // Every scenario is 2/3 higher on claude-a: exact sign-flip p = 2 / 2^8.
    expect(c!.p_value).toBeCloseTo(2 / 256, 12);
    expect(c).toMatchObject({ significant: true, p_adjusted: c!.p_value });
    expect(c!.diff).toBeCloseTo(2 / 3, 12);
    expect(c!.sentence).toMatch(/difference \+66\.7 pp/);
    expect(c!.sentence).toContain('CMH on these scenarios only');
  });

  it('says when too few scenarios can never reach significance, and that scenarios, not repeats, are the lever', () => {
    const rows = [...scen('claude-a', 's0', 0, 10), ...scen('claude-b', 's0', 10, 10), ...scen('claude-a', 's1', 0, 10), ...scen('claude-b', 's1', 10, 10)];
    const {
      comparisons: [c],
    } = comparisons(rows);
    expect(c).toMatchObject({ S: 2, significant: false });
    expect(c!.sentence).toContain('with 2 scenarios the smallest p this test can give is 0.5; add scenarios, not repeats');
    const {
      comparisons: [one],
    } = comparisons([...scen('claude-a', 's0', 0, 10), ...scen('claude-b', 's0', 10, 10)]);
    expect(one).toMatchObject({ S: 1, p_value: null, p_adjusted: null, significant: false });
    expect(one!.sentence).toContain('one scenario cannot support a comparison');
  });

  it('Holm-adjusts over every comparison and states the family size; a declared primary is first and not adjusted', () => {
    const rows = [...cellsOf([2, 3, 2, 3, 2, 3, 2, 3], [0, 1, 0, 1, 0, 1, 0, 1]), ...cellsOf([2, 3, 2, 3, 2, 3, 2, 3], [0, 1, 0, 1, 0, 1, 0, 1], { effort: 'low' })];
    const plain = comparisons(rows);
    // claude-a vs claude-b at high and at low, and high vs low for each model: 4 comparisons.
    expect(plain.family).toBe(4);
    const ab = plain.comparisons.filter((c) => c.axis === 'model');
    expect(ab).toHaveLength(2);
    // Two p = 0.0078 and two p = 1: Holm gives 4 x 0.0078 and 3 x 0.0078 -> both 0.03125 after monotonicity.
    for (const c of ab) expect(c.p_adjusted).toBeCloseTo(4 * (2 / 256), 12);
    expect(ab[0]!.sentence).toContain('Holm-adjusted over 4 = 0.031');
    const declared = comparisons(rows, { primary: 'claude-a vs claude-b' });
    expect(declared.family).toBe(3);
    const [first] = declared.comparisons;
    expect(first).toMatchObject({ primary: true, p_adjusted: first!.p_value });
    expect(first!.sentence).toContain('(primary, declared in advance: not adjusted)');
  });

  it('gives distance a trend over scenarios instead of pairwise comparisons', () => {
    const at = (distance: number, failing: number[]) => failing.flatMap((k, i) => scen('claude-a', `s${i}`, k, 3, { distance }));
    const { comparisons: list, trends, family } = comparisons([...at(0, [0, 0, 1, 0, 0, 1, 0, 0]), ...at(10, [1, 1, 2, 1, 1, 2, 1, 1]), ...at(50, [3, 3, 3, 3, 3, 3, 3, 3])]);
    expect(list.filter((c) => c.axis === 'distance')).toEqual([]);
    expect(trends).toHaveLength(1);
    expect(trends[0]).toMatchObject({ cell: { model: 'claude-a', effort: 'high', condition: 'baseline' }, distances: [0, 10, 50], S: 8, significant: true });
    expect(trends[0]!.slope).toBeGreaterThan(0);
    expect(family).toBe(1);
    expect(trends[0]!.sentence).toContain('per 10 distractor exchanges over S = 8 scenario(s)');
  });

  it('says when a comparison includes conversations another model answered part of, counting both sides', () => {
    const fallback = [{ step: 1, answered_by: 'claude-z' }];
    const rows = cellsOf([0, 0], [1, 1]);
    rows[0] = rowOf(rows[0]!.score, fallback);
    rows[7] = rowOf(rows[7]!.score, fallback);
    const {
      comparisons: [c],
    } = comparisons(rows);
    expect(c!.fallback_conversations).toBe(2);
    expect(c!.sentence).toMatch(/; includes 2 conversation\(s\) with turns answered by a fallback model$/);
    const {
      comparisons: [plain],
    } = comparisons(cellsOf([0, 0], [1, 1]));
    expect(plain).toMatchObject({ fallback_conversations: 0 });
    expect(plain!.sentence).not.toContain('fallback');
  });

  it('does not compare cells that differ on two axes, and pairs only scenarios both cells have verdicts in', () => {
    expect(comparisons([...scen('claude-a', 's0', 0, 3, { effort: 'low' }), ...scen('claude-b', 's0', 3, 3)]).comparisons).toEqual([]);
    const rows = [
      ...scen('claude-a', 's0', 0),
      ...scen('claude-b', 's0', 3),
      ...scen('claude-a', 's1', 0),
      row({ model: 'claude-b', scenario: 's1', mem: 'unscored' }),
      ...scen('claude-b', 's2', 3),
    ];
    expect(comparisons(rows).comparisons[0]).toMatchObject({ S: 1, n_a: 3, n_b: 3 });
  });

  it('combines runs of the same cell without their repeat numbers colliding', () => {
    // Two runs of both cells, each with repeats 1-3 of the same scenarios: six conversations per scenario and cell.
    const run = (id: string) => cellsOf([2, 3, 2, 3], [0, 1, 0, 1]).map((r) => rowOf(r.score, [], id));
    const {
      comparisons: [c],
    } = comparisons([...run('r1'), ...run('r2')]);
    expect(c).toMatchObject({ S: 4, n_a: 24, n_b: 24, a_failed: 20, b_failed: 4 });
    expect(cells([...run('r1'), ...run('r2')])[0]!.conversations).toHaveLength(6);
  });
});

describe('effectWarnings', () => {
  /** Two conversations per effort and scenario with the given output tokens. */
  const at = (effort: string, outputTokens: number, o: ScoreOptions = {}) => [1, 2].map((repeat) => row({ ...o, effort, repeat, outputTokens }));

  it('warns, per adjacent pair of effort levels, when output tokens do not rise in every scenario, lowest level first', () => {
    // Given high before low on purpose: the warning orders them by effort.
    const w = effectWarnings([...at('high', 1000), ...at('low', 1000)]);
    expect(w).toEqual([
      'output tokens on claude-a did not rise from effort low to high in 1 of 1 scenario(s) (medians lock-budget: 1000 -> 1000): the provider may not have applied the effort parameter (OpenRouter has been seen to drop it silently), so this step of the effort axis may measure nothing',
    ]);
  });

  it('stays quiet when output tokens rise at every step in every scenario', () => {
    expect(effectWarnings([...at('low', 1000), ...at('medium', 1500), ...at('high', 3000)])).toEqual([]);
  });

  it('looks scenario by scenario: a cell median that rises because one scenario did is not enough', () => {
    const rows = [...at('low', 1000), ...at('high', 5000), ...at('low', 800, { scenario: 'other' }), ...at('high', 790, { scenario: 'other' })];
    // The medians over both scenarios rise (900 -> 2895); the other scenario's tokens did not.
    const w = effectWarnings(rows);
    expect(w).toHaveLength(1);
    expect(w[0]).toContain('did not rise from effort low to high in 1 of 2 scenario(s) (medians other: 800 -> 790)');
  });

  it('checks each adjacent pair on its own', () => {
    const w = effectWarnings([...at('low', 1000), ...at('medium', 2000), ...at('high', 2000)]);
    expect(w).toHaveLength(1);
    expect(w[0]).toContain('from effort medium to high');
  });

  it('checks each model, condition and distance on its own, and needs two effort levels', () => {
    const rows = [...at('low', 1000), ...at('high', 3000), ...at('low', 1000, { model: 'claude-b' }), ...at('high', 1000, { model: 'claude-b' })];
    const w = effectWarnings(rows);
    expect(w).toHaveLength(1);
    expect(w[0]).toContain('output tokens on claude-b');
    expect(effectWarnings(at('high', 1000))).toEqual([]);
  });

  it('counts conversations cut off at max_tokens, and no other unfinished ones', () => {
    // The cut-off high conversations wrote the most: the effort was applied.
    expect(effectWarnings([...at('low', 1000), ...at('high', 9000, { status: 'max_tokens' })])).toEqual([]);
    // The refused conversations would make the efforts look different; they do not count.
    const w = effectWarnings([...at('low', 1000), ...at('high', 1000), ...at('max', 9000, { status: 'refused' })]);
    expect(w).toHaveLength(1);
    expect(w[0]).toContain('from effort low to high');
  });

  it('warns when fewer than half the conversations at an effort got a thinking block back', () => {
    const rows = [row({ effort: 'high', thinkingBlocks: 0 }), row({ effort: 'high', repeat: 2, thinkingBlocks: 0 }), row({ effort: 'high', repeat: 3, thinkingBlocks: 2 })];
    expect(effectWarnings(rows)).toEqual([
      'thinking was requested at effort high on claude-a, but only 1 of 3 conversation(s) got a thinking block back: the provider may have dropped the thinking parameter',
    ]);
    expect(effectWarnings([row({ effort: 'high', thinkingBlocks: 0 }), row({ effort: 'high', repeat: 2, thinkingBlocks: 1 })])).toEqual([]);
  });

  it('never fires on default or standard effort, nor on the offline rehearsal', () => {
    expect(effectWarnings([...at('standard', 1000, { thinkingBlocks: 0 }), ...at('default', 1000, { thinkingBlocks: 0 })])).toEqual([]);
    expect(effectWarnings([...at('low', 1000, { model: 'rehearsal:pass', thinkingBlocks: 0 }), ...at('high', 1000, { model: 'rehearsal:pass', thinkingBlocks: 0 })])).toEqual([]);
  });
});

describe('the report under a simulated null (issue 14)', () => {
  it('reports "significant somewhere" in at most 5% of 4-cell runs whose cells share every scenario failure rate', () => {
    // Scenario failure rates vary (Beta with ICC 0.35 around 0.3) and both models at both
    // efforts share them: any difference a report calls significant is a false positive.
    const random = seededRandom(2024);
    const { alpha, beta } = betaForIcc(0.3, 0.35);
    const RUNS = 200;
    let somewhere = 0;
    for (let run = 0; run < RUNS; run++) {
      const rates = Array.from({ length: 8 }, () => randomBeta(alpha, beta, random));
      const rows: Row[] = [];
      for (const model of ['claude-a', 'claude-b'])
        for (const effort of ['low', 'high'])
          rates.forEach((p, s) => {
            for (let repeat = 1; repeat <= 5; repeat++) rows.push(row({ model, effort, scenario: `s${s}`, repeat, mem: random() < p ? 'YES' : 'NO' }));
          });
      const { comparisons: list, family } = comparisons(rows);
      expect(family).toBe(4);
      if (list.some((c) => c.significant)) somewhere++;
    }
    expect(somewhere / RUNS).toBeLessThanOrEqual(0.05);
  });
});
