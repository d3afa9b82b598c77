import type { TranscriptDiff } from '../schemas/diff.generated.js';
import type { Pair, RunDiff } from '../schemas/run-diff.generated.js';
import { diffTranscripts } from './diff.js';
import { matchRuns, type Side } from './pairs.js';

export const RUN_DIFF_FORMAT = 'driftbench.run-diff/1';

export type Change = Pair['change'];

/** The order pairs are listed and shown in: flips first, unchanged pairs last. */
const CHANGE_ORDER: readonly Change[] = ['flip', 'divergence', 'text', 'none'];

/**
 * What changed between the two sides of a pair: a mem_fail verdict flip (YES on one side, NO on
 * the other); else a divergence that matters (`first_divergence`); else a reply that differs in
 * its words at some step; else none. Thinking is not compared: it varies run to run without
 * changing what the user reads.
 */
export function changeOf(d: TranscriptDiff): Change {
  const va = d.a.mem_fail;
  const vb = d.b.mem_fail;
  if ((va === 'YES' && vb === 'NO') || (va === 'NO' && vb === 'YES')) return 'flip';
  if (d.first_divergence !== null) return 'divergence';
  if (d.steps.some((s) => !s.a !== !s.b || s.text_diff.some((o) => o.op !== 'equal'))) return 'text';
  return 'none';
}

/**
 * Two runs compared pair by pair (pure): the summary (pairs compared, unmatched conversations on
 * each side by id, verdict flips by scenario), every pair with its change, and the diffs to show:
 * the changed pairs, or with `all` every pair, flips first.
 */
export function diffRuns(a: { input: string; sides: readonly Side[] }, b: { input: string; sides: readonly Side[] }, opts: { all: boolean }): RunDiff {
  const match = matchRuns(a.sides, b.sides);
  const rows = match.pairs
    .map(([x, y], i) => {
      const diff = diffTranscripts(x.scenario.scenario, x, y);
      return { i, diff, change: changeOf(diff) };
    })
    // Stable within a kind: the pairs keep the order of A's run (scenario, cell, repeat).
    .sort((p, q) => CHANGE_ORDER.indexOf(p.change) - CHANGE_ORDER.indexOf(q.change) || p.i - q.i);
  const byScenario = new Map<string, RunDiff['summary']['flips_by_scenario'][number]>();
  for (const { diff, change } of rows) {
    const s = byScenario.get(diff.scenario) ?? { scenario: diff.scenario, pairs: 0, scored: 0, yes_to_no: 0, no_to_yes: 0 };
    s.pairs++;
    if ((diff.a.mem_fail === 'YES' || diff.a.mem_fail === 'NO') && (diff.b.mem_fail === 'YES' || diff.b.mem_fail === 'NO')) s.scored++;
    if (change === 'flip' && diff.a.mem_fail === 'YES') s.yes_to_no++;
    else if (change === 'flip') s.no_to_yes++;
    byScenario.set(diff.scenario, s);
  }
  const count = (c: Change) => rows.filter((r) => r.change === c).length;
  const run = (x: { input: string; sides: readonly Side[] }): RunDiff['a'] => ({
    input: x.input,
    run_id: x.sides[0]?.transcript.run_id ?? null,
    conversations: x.sides.length,
  });
  return {
    format: RUN_DIFF_FORMAT,
    a: run(a),
    b: run(b),
    matched_by: match.matchedBy ?? 'scenario-repeat',
    summary: {
      compared: rows.length,
      changed: rows.filter((r) => r.change !== 'none').length,
      by_change: { flip: count('flip'), divergence: count('divergence'), text: count('text'), none: count('none') },
      unmatched: { a: match.unmatchedA.map((s) => s.transcript.conversation_id), b: match.unmatchedB.map((s) => s.transcript.conversation_id) },
      flips_by_scenario: [...byScenario.values()].sort((p, q) => p.scenario.localeCompare(q.scenario)),
    },
    pairs: rows.map(({ diff, change }) => ({
      scenario: diff.scenario,
      a: diff.a.conversation_id,
      b: diff.b.conversation_id,
      change,
      mem_fail_a: diff.a.mem_fail,
      mem_fail_b: diff.b.mem_fail,
    })),
    shown: opts.all ? 'all' : 'changed',
    diffs: rows.filter((r) => opts.all || r.change !== 'none').map((r) => r.diff),
  };
}
