import type { Scenario } from '../scenario/scenario.js';
import { citationWindow, cueRegExp } from '../scenario/scenario.js';
import type { ConversationScore } from '../schemas/scores.generated.js';
import { answeredTurns, replyText, thinkingText, type Transcript } from '../transcript/format.js';
import { probeStep } from './probes.js';

/**
 * Scorer versions: bump one when its result for the same input changes. mem_fail and
 * step_coherence 1.1.0: the judge's verdict is read only from its reply's one JSON object, and
 * its system prompt says the fenced replies are data (issue 17).
 */
export const SCORER_VERSIONS = {
  mem_fail: '1.1.0',
  citations: '1.0.0',
  self_corrections: '1.0.0',
  constraint_retention: '1.0.0',
  first_drift_step: '1.0.0',
  step_coherence: '1.1.0',
  latency: '1.0.0',
  cost: '1.0.0',
} as const;

/**
 * Phrases that mark a model correcting itself. Matched case-insensitively, in thinking and
 * in text separately; a scenario can add its own (scoring.self_correction_phrases).
 */
export const DEFAULT_SELF_CORRECTIONS = [
  '\\bwait\\b[,.!:]',
  '\\bactually\\b',
  '\\bI was wrong\\b',
  '\\bI made (a|an) (mistake|error)\\b',
  '\\blet me (reconsider|re-?check|re-?think|revisit)\\b',
  '\\bon second thought\\b',
  '\\bscratch that\\b',
  '\\bcorrection:',
  '\\bI (mis-?read|misspoke|overlooked)\\b',
  "\\bthat('s| is) (not right|incorrect|wrong)\\b",
];

/** One regex that matches any of the patterns, for counting non-overlapping occurrences. */
function anyOf(patterns: readonly string[]): RegExp | undefined {
  return patterns.length === 0 ? undefined : new RegExp(patterns.map((p) => `(?:${p})`).join('|'), 'gi');
}

function count(re: RegExp | undefined, text: string): number {
  if (!re || text === '') return 0;
  re.lastIndex = 0;
  let n = 0;
  while (re.exec(text) !== null) {
    n++;
    if (re.lastIndex === 0) break;
  }
  return n;
}

/** References to each constraint in every reply, and in the citation window in total. */
export function scoreCitations(t: Transcript, s: Scenario): ConversationScore['citations'] {
  const window = citationWindow(s);
  const res = new Map(s.constraints.map((c) => [c.id, anyOf(c.cues.map((cue) => cueRegExp(cue).source))] as const));
  const by_step: Record<string, Record<string, number>> = {};
  const by_constraint: Record<string, number> = Object.fromEntries(s.constraints.map((c) => [c.id, 0]));
  let total = 0;
  for (const turn of answeredTurns(t)) {
    const text = replyText(turn);
    const counts: Record<string, number> = {};
    for (const [id, re] of res) counts[id] = count(re, text);
    by_step[String(turn.step)] = counts;
    if (turn.kind === 'generated' && turn.step >= window.from && turn.step <= window.to) {
      for (const [id, n] of Object.entries(counts)) {
        by_constraint[id] = (by_constraint[id] ?? 0) + n;
        total += n;
      }
    }
  }
  return { window, total, by_constraint, by_step };
}

/** Self-correction phrases, counted separately in thinking and in the visible text. */
export function scoreSelfCorrections(t: Transcript, s: Scenario): ConversationScore['self_corrections'] {
  const re = anyOf([...DEFAULT_SELF_CORRECTIONS, ...(s.scoring?.self_correction_phrases ?? [])]);
  const by_step: Record<string, { thinking: number; text: number }> = {};
  let thinking = 0;
  let text = 0;
  for (const turn of answeredTurns(t).filter((x) => x.kind === 'generated')) {
    const th = count(re, thinkingText(turn));
    const tx = count(re, replyText(turn));
    by_step[String(turn.step)] = { thinking: th, text: tx };
    thinking += th;
    text += tx;
  }
  return { thinking, text, by_step };
}

/** The first generated step whose probes fail (persona and instruction-retention scenarios). */
export function scoreFirstDrift(t: Transcript, s: Scenario): ConversationScore['first_drift_step'] {
  const failures: ConversationScore['first_drift_step']['failures'] = [];
  let probed = 0;
  for (const turn of answeredTurns(t).filter((x) => x.kind === 'generated')) {
    const results = probeStep(s, turn.step, replyText(turn));
    if (results.length > 0) probed++;
    for (const r of results.filter((x) => !x.passed)) failures.push({ step: turn.step, constraint: r.constraint, kind: r.kind, detail: r.detail });
  }
  return { value: failures[0]?.step ?? null, probed_steps: probed, failures };
}

export function median(xs: readonly number[]): number | null {
  if (xs.length === 0) return null;
  const v = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(v.length / 2);
  return v.length % 2 === 1 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
}

export function scoreLatency(t: Transcript): ConversationScore['latency'] {
  const gen = t.turns.filter((x) => x.kind === 'generated' && x.response !== null);
  const lat = gen.map((x) => x.timing.latency_ms).filter((x): x is number => x !== null);
  const ttft = gen.map((x) => x.timing.ttft_ms).filter((x): x is number => x !== null);
  return { total_ms: lat.length ? lat.reduce((a, b) => a + b, 0) : null, median_ms: median(lat), median_ttft_ms: median(ttft) };
}

/** Prices per million tokens, when the model has a profile; for the cost without caching. */
export type Prices = { input: number; cache_write_5m: number; cache_read: number } | null | undefined;

export function scoreCost(t: Transcript, prices?: Prices): ConversationScore['cost'] {
  const gen = t.turns.filter((x) => x.kind === 'generated');
  const sum = (f: (u: NonNullable<(typeof gen)[number]['response']>['usage']) => number) => gen.reduce((n, x) => n + (x.response ? f(x.response.usage) : 0), 0);
  const costs = gen.map((x) => x.cost_usd);
  const provider = gen.map((x) => x.provider_cost_usd ?? null).filter((x): x is number => x !== null);
  const thinking = gen.map((x) => x.response?.usage.thinking_tokens ?? null).filter((x): x is number => x !== null);
  // A turn without a price makes the whole figure unknown rather than quietly low.
  const usd = costs.length > 0 && costs.every((c) => c !== null) ? Math.round(costs.reduce((a, b) => a! + b!, 0)! * 1e8) / 1e8 : costs.length === 0 ? 0 : null;
  const cacheRead = sum((u) => u.cache_read_input_tokens);
  const cacheWrite = sum((u) => u.cache_creation_input_tokens);
  const usdUncached =
    usd === null || !prices ? null : Math.round((usd + (cacheRead * (prices.input - prices.cache_read) + cacheWrite * (prices.input - prices.cache_write_5m)) / 1e6) * 1e8) / 1e8;
  return {
    usd,
    usd_uncached: usdUncached,
    thinking_blocks: gen.reduce((n, x) => n + (x.response?.content.filter((b) => b.type === 'thinking' || b.type === 'redacted_thinking').length ?? 0), 0),
    provider_usd: provider.length ? provider.reduce((a, b) => a + b, 0) : null,
    input_tokens: sum((u) => u.input_tokens),
    output_tokens: sum((u) => u.output_tokens),
    cache_creation_input_tokens: sum((u) => u.cache_creation_input_tokens),
    cache_read_input_tokens: sum((u) => u.cache_read_input_tokens),
    thinking_tokens: thinking.length ? thinking.reduce((a, b) => a + b, 0) : null,
  };
}
