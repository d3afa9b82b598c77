import { describe, expect, it } from 'vitest';
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
  it('counts only complete conversations with a YES/NO verdict in n, and gives the Wilson interval of the rate', () => {
    const rows = [
      ...[1, 2, 3].map((repeat) => row({ repeat, mem: 'YES' })),
      ...[4, 5, 6, 7, 8].map((repeat) => row({ repeat, mem: 'NO' })),
      row({ repeat: 9, mem: 'unscored' }),
      // Not finished, whatever their verdict says: these never enter n.
      row({ repeat: 10, status: 'refused', mem: 'YES' }),
      row({ repeat: 11, status: 'max_tokens', mem: 'NO' }),
      row({ repeat: 12, status: 'errored', mem: 'unscored' }),
    ];
    const r = rates(rows);
    expect(r).toMatchObject({ n: 8, failed: 3, rate: 3 / 8, unscored: 1, not_finished: 3 });
    // Wilson, 3 of 8, z = 1.96 (z^2 = 3.8415):
    //   centre = (3/8 + z^2/16) / (1 + z^2/8) = 0.61509 / 1.48018 = 0.41555
    //   half   = z / 1.48018 * sqrt(3/8 * 5/8 / 8 + z^2 / 256) = 1.32416 * 0.21048 = 0.27871
    //   -> 0.1368 .. 0.6943
    expect(r.ci95!.low).toBeCloseTo(0.1368, 4);
    expect(r.ci95!.high).toBeCloseTo(0.6943, 4);
  });

  it('has no rate and no interval when nothing was scored, rather than a 0% that looks like a pass', () => {
    const r = rates([row({ mem: 'unscored' }), row({ repeat: 2, status: 'stopped' })]);
    expect(r).toEqual({ n: 0, failed: 0, rate: null, ci95: null, unscored: 1, not_finished: 1 });
    expect(rates([])).toEqual({ n: 0, failed: 0, rate: null, ci95: null, unscored: 0, not_finished: 0 });
  });

  it('gives an interval that starts at 0 when nothing failed and ends at 1 when everything did', () => {
    // Wilson 0 of 4: high = z^2/4 / (1 + z^2/4) = 0.96037 / 1.96037 = 0.4899.
    const none = rates([1, 2, 3, 4].map((repeat) => row({ repeat, mem: 'NO' })));
    expect(none.ci95!.low).toBe(0);
    expect(none.ci95!.high).toBeCloseTo(0.4899, 4);
    const all = rates([1, 2, 3, 4].map((repeat) => row({ repeat, mem: 'YES' })));
    expect(all.ci95!.high).toBe(1);
    expect(all.ci95!.low).toBeCloseTo(1 - 0.4899, 4);
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
      row({ repeat: 4, status: 'refused', citations: 100, latencyMs: 99_000, usd: 9, outputTokens: 9000, retention: 0, firstDrift: 1, coherence: 0, thinkingBlocks: 4 }),
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
    const c = cellStats('lock-budget', rowOf(score()).key, [row({ status: 'errored' })]);
    expect(c).toMatchObject({ citations_median: null, latency_median_ms: null, cost_median_usd: null, retention_mean: null, citations_by_step: {} });
    expect(c.mem_fail).toMatchObject({ n: 0, rate: null, not_finished: 1 });
  });
});

describe('summaries', () => {
  const rows = [
    row({ model: 'm1', effort: 'low', distance: 10, mem: 'YES', usd: 0.25 }),
    row({ model: 'm1', effort: 'high', distance: 2, mem: 'NO', usd: 0.5 }),
    row({ model: 'm2', effort: 'low', mem: 'NO', usd: 1 }),
    row({ model: 'm2', effort: 'high', condition: 'ledger', mem: 'YES', usd: 2, status: 'refused' }),
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
  /** n repeats of one scenario in one cell; `failing` lists the repeats that failed. */
  const series = (model: string, n: number, failing: number[], o: ScoreOptions = {}) =>
    Array.from({ length: n }, (_, i) => row({ ...o, model, repeat: i + 1, mem: failing.includes(i + 1) ? 'YES' : 'NO' }));

  it('pairs cells that differ on one axis by scenario and repeat, and calls 0/6 vs 6/6 significant', () => {
    const [c] = comparisons([...series('claude-a', 6, []), ...series('claude-b', 6, [1, 2, 3, 4, 5, 6])]);
    // Six discordant pairs, all one way: exact McNemar p = 2 * 0.5^6 = 0.03125.
    expect(c).toMatchObject({ axis: 'model', pairs: 6, a_failed: 0, b_failed: 6, only_a: 0, only_b: 6, significant: true });
    expect(c!.p_value).toBeCloseTo(0.03125, 12);
    // The shared context names the effort; baseline condition and distance 0 are left unsaid.
    expect(c!.sentence).toBe('claude-a vs claude-b (high): 0/6 vs 6/6 failed; p = 0.031; significant at p < 0.05 over 6 paired conversations');
  });

  it('says how many repeats per scenario a difference that is not significant would need', () => {
    const [c] = comparisons([...series('claude-a', 3, []), ...series('claude-b', 3, [1, 2, 3])]);
    // p = 2 * 0.5^3 = 0.25. The exact test needs at least 6 discordant pairs; with every pair
    // discordant that is 6 pairs, in one scenario 6 repeats.
    expect(c).toMatchObject({ significant: false, pairs_needed: 6, repeats_needed: 6 });
    expect(c!.sentence).toBe('claude-a vs claude-b (high): 0/3 vs 3/3 failed; p = 0.25; not significant at this n; about 6 repeats per scenario needed to tell them apart');
  });

  it('spreads the pairs needed over the scenarios the cells share', () => {
    const both = (model: string, failing: number[]) => [...series(model, 3, failing, { scenario: 's1' }), ...series(model, 3, failing, { scenario: 's2' })];
    const [c] = comparisons([...both('claude-a', []), ...both('claude-b', [1, 2, 3])]);
    // 6 pairs, all discordant: p = 0.03125 and 6 pairs needed, over 2 scenarios: 3 repeats each.
    expect(c).toMatchObject({ pairs: 6, only_b: 6, significant: true, pairs_needed: 6, repeats_needed: 3 });
  });

  it('says the data cannot separate cells whose disagreements cancel out', () => {
    const [c] = comparisons([...series('claude-a', 4, [1]), ...series('claude-b', 4, [2])]);
    expect(c).toMatchObject({ only_a: 1, only_b: 1, p_value: 1, pairs_needed: null, repeats_needed: null });
    expect(c!.sentence).toBe('claude-a vs claude-b (high): 1/4 vs 1/4 failed; p = 1; no difference in paired outcomes at this n (4 pairs); the data cannot separate them');
  });

  it('names the shared condition and distance when they are not the defaults', () => {
    const [c] = comparisons([...series('claude-a', 2, [], { condition: 'ledger', distance: 4 }), ...series('claude-b', 2, [], { condition: 'ledger', distance: 4 })]);
    expect(c!.sentence.startsWith('claude-a vs claude-b (high, ledger, 4): ')).toBe(true);
    const [e] = comparisons([...series('claude-a', 2, [], { effort: 'low' }), ...series('claude-a', 2, [], { effort: 'max' })]);
    expect(e).toMatchObject({ axis: 'effort', a: { effort: 'low' }, b: { effort: 'max' } });
    expect(e!.sentence.startsWith('low vs max (claude-a): ')).toBe(true);
  });

  it('says when a comparison includes conversations another model answered part of, counting both sides', () => {
    const fallback = [{ step: 1, answered_by: 'claude-z' }];
    const a = series('claude-a', 3, []);
    const b = series('claude-b', 3, [1, 2, 3]);
    a[0] = rowOf(a[0]!.score, fallback);
    b[1] = rowOf(b[1]!.score, fallback);
    b[2] = rowOf(b[2]!.score, [...fallback, { step: 3, answered_by: 'claude-y' }]);
    const [c] = comparisons([...a, ...b]);
    expect(c!.fallback_conversations).toBe(3);
    expect(c!.sentence).toMatch(/; includes 3 conversation\(s\) with turns answered by a fallback model$/);
    // Without such turns, nothing is said.
    const [plain] = comparisons([...series('claude-a', 3, []), ...series('claude-b', 3, [1, 2, 3])]);
    expect(plain).toMatchObject({ fallback_conversations: 0 });
    expect(plain!.sentence).not.toContain('fallback');
  });

  it('does not compare cells that differ on two axes', () => {
    expect(comparisons([...series('claude-a', 3, [], { effort: 'low' }), ...series('claude-b', 3, [1, 2, 3], { effort: 'high' })])).toEqual([]);
  });

  it('leaves unscored and unfinished conversations out of the pairs, and repeats only one side has', () => {
    const rows = [
      ...series('claude-a', 5, []),
      row({ model: 'claude-b', repeat: 1, mem: 'YES' }),
      row({ model: 'claude-b', repeat: 2, mem: 'unscored' }),
      row({ model: 'claude-b', repeat: 3, mem: 'YES', status: 'refused' }),
      row({ model: 'claude-b', repeat: 4, mem: 'YES', status: 'max_tokens' }),
      // Repeat 9 has no partner in claude-a.
      row({ model: 'claude-b', repeat: 9, mem: 'YES' }),
    ];
    const [c] = comparisons(rows);
    expect(c).toMatchObject({ pairs: 1, a_failed: 0, b_failed: 1, only_b: 1 });
  });

  it('makes no comparison when the cells share no scored repeat', () => {
    expect(comparisons([row({ model: 'claude-a', repeat: 1 }), row({ model: 'claude-b', repeat: 2 })])).toEqual([]);
    expect(comparisons([row({ model: 'claude-a', repeat: 1 }), row({ model: 'claude-b', repeat: 1, mem: 'unscored' })])).toEqual([]);
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
