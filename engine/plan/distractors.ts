import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { packageRoot } from '../paths.js';
import type { Scenario } from '../scenario/scenario.js';
import { validatorFor } from '../schemas/compile.js';
import type { Distractors } from '../schemas/distractors.generated.js';
import { estimateTokens } from './tokens.js';

export type Exchange = Distractors['exchanges'][number];

/** The distractor corpus shipped in engine/data/distractors/, validated once. */
export function loadDistractors(dir = join(packageRoot(), 'engine', 'data', 'distractors')): Distractors[] {
  const validate = validatorFor<Distractors>('distractors');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => {
      const data: unknown = parse(readFileSync(join(dir, f), 'utf8'));
      if (!validate(data)) throw new Error(`${join(dir, f)}: not a valid distractor file: ${JSON.stringify(validate.errors?.slice(0, 2))}`);
      return data;
    });
}

/**
 * N exchanges for a scenario: from the topics whose tags it shares, then the general topic,
 * in file order, so the same scenario and N always get the same distractors. Past the end of
 * the corpus, exchanges are reused in order.
 */
export function distractorsFor(corpus: readonly Distractors[], s: Scenario, n: number): Exchange[] {
  if (n <= 0) return [];
  const pool = poolFor(corpus, s);
  return Array.from({ length: n }, (_, i) => pool[i % pool.length]!);
}

function poolFor(corpus: readonly Distractors[], s: Scenario): Exchange[] {
  const tags = new Set(s.tags ?? []);
  const matching = corpus.filter((d) => d.tags.some((t) => tags.has(t)));
  const general = corpus.filter((d) => d.tags.includes('general') && !matching.includes(d));
  const pool = [...matching, ...general].flatMap((d) => d.exchanges);
  if (pool.length === 0) throw new Error('the distractor corpus is empty');
  return pool;
}

/**
 * Where distractors go: right after the step that establishes the last constraint the first
 * trap tests (or, with no trap, the last constraint of all), so they sit between the constraint
 * and the moment it matters.
 */
export function distractorAnchor(s: Scenario): number {
  const trap = s.steps.find((st) => st.trap);
  const relevant = trap ? s.constraints.filter((c) => trap.trap!.violates.includes(c.id)) : s.constraints;
  const anchor = Math.max(1, ...relevant.map((c) => c.established_in));
  return Math.min(anchor, Math.max(1, s.steps.length - 1));
}

/**
 * Exchanges for a token budget (--distance 50k): the same order as distractorsFor, taken until
 * their text reaches the budget by the four-characters-a-token estimate. The estimate, not the
 * model's tokenizer, so the padding is the same for every model and a run can be planned offline;
 * transcripts record the usage the API reports, which is the real figure.
 */
export function distractorsForTokens(corpus: readonly Distractors[], s: Scenario, budget: number): Exchange[] {
  const pool = poolFor(corpus, s);
  const out: Exchange[] = [];
  // Past the pool's end the exchanges repeat in order, as distractorsFor's do.
  for (let tokens = 0; tokens < budget; ) {
    const x = pool[out.length % pool.length]!;
    out.push(x);
    tokens += exchangeTokens(x);
  }
  return out;
}

export function exchangeTokens(x: Exchange): number {
  return estimateTokens(x.user) + estimateTokens(x.assistant);
}
