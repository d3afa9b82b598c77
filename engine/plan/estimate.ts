import type { Effort, Profile } from '../models/profiles.js';
import { expectedOutputFor, findProfile } from '../models/profiles.js';
import { turnCost } from '../models/cost.js';
import { isGenerated, type LoadedScenario } from '../scenario/scenario.js';
import type { Plan } from './plan.js';

/** Tokens of a scenario's fixed text: the system prompt and each step's user turn (and given replies). */
export interface ScenarioTokens {
  system: number;
  prompts: number[];
  replies: Array<number | null>;
  source: 'count_tokens' | 'estimate';
}

export interface CellEstimate {
  model: string;
  effort: Effort;
  conversations: number;
  turns: number;
  inputTokens: number;
  outputTokens: number;
  /** With prompt caching as planned. */
  usd: number | null;
  usdUncached: number | null;
  source: 'count_tokens' | 'estimate' | 'mixed';
}

import { estimateTokens } from './tokens.js';

export { estimateTokens };

export function estimatedScenarioTokens(l: LoadedScenario): ScenarioTokens {
  const s = l.scenario;
  return {
    system: estimateTokens(s.system ?? ''),
    prompts: s.steps.map((st) => estimateTokens(st.prompt)),
    replies: s.steps.map((st) => (isGenerated(s, st) ? null : estimateTokens(st.reply ?? ''))),
    source: 'estimate',
  };
}

const DEFAULT_OUTPUT: Record<Effort, number> = { default: 900, standard: 900, low: 700, medium: 1200, high: 2500, xhigh: 5000, max: 9000 };

/**
 * What one conversation costs, turn by turn: turn k sends the system prompt, every user turn up
 * to k and every earlier reply (expected output per the profile, or the given reply). With
 * prompt caching, turn k reads turn k-1's whole input from the cache and writes only what is
 * new; without it, every input token is paid in full each turn. Pure.
 */
export function conversationEstimate(
  t: ScenarioTokens,
  generated: readonly boolean[],
  output: number,
  profile: Profile | undefined,
  promptCache: boolean,
  padding: { after: number; tokens: number } = { after: 0, tokens: 0 },
) {
  let history = t.system;
  let previousInput = 0;
  let input = 0;
  let out = 0;
  let usd = 0;
  let usdUncached = 0;
  let turns = 0;
  const p = profile?.prices;
  t.prompts.forEach((prompt, k) => {
    // Distractor padding sits in the history from the turn after its anchor step on.
    if (k === padding.after && padding.tokens > 0) history += padding.tokens;
    history += prompt;
    if (!generated[k]) {
      history += t.replies[k] ?? 0;
      return;
    }
    turns++;
    const total = history;
    input += total;
    out += output;
    if (p) {
      // Through turnCost, so a prompt-length price tier (Haiku 5.5 above 100,000 prompt tokens)
      // prices the turns whose history has grown past it.
      const uncached = { input_tokens: total, output_tokens: output, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };
      usdUncached += turnCost(p, uncached)!;
      usd += promptCache
        ? turnCost(p, { input_tokens: 0, output_tokens: output, cache_creation_input_tokens: total - previousInput, cache_read_input_tokens: previousInput })!
        : turnCost(p, uncached)!;
    }
    previousInput = total;
    history += output;
  });
  return { turns, input, out, usd: p ? usd : null, usdUncached: p ? usdUncached : null };
}

export function estimatePlan(
  plan: Plan,
  scenarios: ReadonlyMap<string, LoadedScenario>,
  tokens: (scenario: string, model: string) => ScenarioTokens,
  profiles: readonly Profile[],
  padding?: (c: Plan['conversations'][number], l: LoadedScenario) => { after: number; tokens: number },
): CellEstimate[] {
  const cells = new Map<string, CellEstimate>();
  for (const c of plan.conversations) {
    const l = scenarios.get(c.scenario)!;
    const profile = findProfile(profiles, c.model);
    const output = profile ? expectedOutputFor(profile, c.effort) : DEFAULT_OUTPUT[c.effort];
    const t = tokens(c.scenario, c.model);
    const e = conversationEstimate(
      t,
      l.scenario.steps.map((st) => isGenerated(l.scenario, st)),
      output,
      profile,
      plan.prompt_cache ?? true,
      padding && (c.distance ?? 0) > 0 ? padding(c, l) : undefined,
    );
    const key = `${c.model}|${c.effort}`;
    const cell = cells.get(key) ?? { model: c.model, effort: c.effort, conversations: 0, turns: 0, inputTokens: 0, outputTokens: 0, usd: 0, usdUncached: 0, source: t.source };
    cell.conversations++;
    cell.turns += e.turns;
    cell.inputTokens += e.input;
    cell.outputTokens += e.out;
    cell.usd = cell.usd === null || e.usd === null ? null : cell.usd + e.usd;
    cell.usdUncached = cell.usdUncached === null || e.usdUncached === null ? null : cell.usdUncached + e.usdUncached;
    if (cell.source !== t.source) cell.source = 'mixed';
    cells.set(key, cell);
  }
  return [...cells.values()];
}
