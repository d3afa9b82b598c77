import { mcnemarExact, mcnemarPairsNeeded, median, mean, wilson } from '../stats/stats.js';
import type { CellKey, CellStats, Comparison, GroupStats, Rates } from '../schemas/report.generated.js';
import type { ConversationScore } from '../schemas/scores.generated.js';
import { cellKeyOf, type FallbackTurn } from './fallback.js';

/** A scored conversation with the cell key every report groups by. */
export interface Row {
  score: ConversationScore;
  key: CellKey;
  scenario: string;
  repeat: number;
  /** Turns another model than the requested one answered (fallback.ts); empty for most. */
  fallback: readonly FallbackTurn[];
}

export function rowOf(score: ConversationScore, fallback: readonly FallbackTurn[] = []): Row {
  return { score, scenario: score.scenario_id, repeat: score.cell.repeat, key: cellKeyOf(score.cell), fallback };
}

export const keyString = (k: CellKey) => `${k.model}|${k.effort}|${k.condition}|${k.distance}`;
const finished = (r: Row) => r.score.status === 'complete';
const answeredElsewhere = (r: Row) => r.fallback.length > 0;
const nums = (xs: Array<number | null | undefined>) => xs.filter((x): x is number => typeof x === 'number' && Number.isFinite(x));

/** mem_fail over rows: only finished conversations with a YES/NO verdict count in n. */
export function rates(rows: readonly Row[]): Rates {
  const done = rows.filter(finished);
  const scored = done.filter((r) => r.score.mem_fail.value !== 'unscored');
  const failed = scored.filter((r) => r.score.mem_fail.value === 'YES').length;
  return {
    n: scored.length,
    failed,
    rate: scored.length ? failed / scored.length : null,
    ci95: wilson(failed, scored.length),
    unscored: done.length - scored.length,
    not_finished: rows.length - done.length,
  };
}

/**
 * One scenario and cell. `leftOut` are its conversations that --exclude-fallback keeps out of
 * every figure: only counted, so that a cell all of whose conversations were left out still
 * shows, as "no data", rather than vanishing from the table.
 */
export function cellStats(scenario: string, key: CellKey, rows: readonly Row[], leftOut: readonly Row[] = []): CellStats {
  const done = rows.filter(finished);
  const steps = new Set(done.flatMap((r) => Object.keys(r.score.citations.by_step)));
  const citationsByStep: Record<string, number> = {};
  for (const step of [...steps].sort((a, b) => Number(a) - Number(b))) {
    citationsByStep[step] = median(done.map((r) => Object.values(r.score.citations.by_step[step] ?? {}).reduce((a, b) => a + b, 0))) ?? 0;
  }
  return {
    scenario,
    cell: key,
    mem_fail: rates(rows),
    citations_median: median(done.map((r) => r.score.citations.total)),
    latency_median_ms: median(nums(done.map((r) => r.score.latency.total_ms))),
    cost_median_usd: median(nums(done.map((r) => r.score.cost.usd))),
    cost_uncached_median_usd: median(nums(done.map((r) => r.score.cost.usd_uncached))),
    output_tokens_median: median(done.map((r) => r.score.cost.output_tokens)),
    thinking_blocks: rows.reduce((n, r) => n + r.score.cost.thinking_blocks, 0),
    retention_mean: mean(nums(done.map((r) => r.score.constraint_retention.value))),
    first_drift_median: median(nums(done.map((r) => r.score.first_drift_step.value))),
    coherence_mean: mean(nums(done.map((r) => r.score.step_coherence.value))),
    citations_by_step: citationsByStep,
    conversations: rows.map((r) => r.score.conversation_id).sort(),
    fallback_conversations: [...rows, ...leftOut].filter(answeredElsewhere).length,
  };
}

export function groupStats(group: string, rows: readonly Row[]): GroupStats {
  const done = rows.filter(finished);
  const costs = nums(rows.map((r) => r.score.cost.usd));
  const uncached = nums(rows.map((r) => r.score.cost.usd_uncached));
  return {
    group,
    mem_fail: rates(rows),
    latency_median_ms: median(nums(done.map((r) => r.score.latency.total_ms))),
    cost_median_usd: median(nums(done.map((r) => r.score.cost.usd))),
    cost_total_usd: costs.length === rows.length && rows.length > 0 ? costs.reduce((a, b) => a + b, 0) : null,
    cost_uncached_total_usd: uncached.length === rows.length && rows.length > 0 ? uncached.reduce((a, b) => a + b, 0) : null,
    citations_median: median(done.map((r) => r.score.citations.total)),
    output_tokens_median: median(done.map((r) => r.score.cost.output_tokens)),
  };
}

function groupBy<T>(xs: readonly T[], key: (x: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const x of xs) {
    const k = key(x);
    const list = m.get(k);
    if (list) list.push(x);
    else m.set(k, [x]);
  }
  return m;
}

export function cells(rows: readonly Row[], leftOut: readonly Row[] = []): CellStats[] {
  const out: CellStats[] = [];
  const left = new Set(leftOut);
  for (const [scenario, rs] of [...groupBy([...rows, ...leftOut], (r) => r.scenario)].sort(([a], [b]) => a.localeCompare(b))) {
    for (const cellRows of groupBy(rs, (r) => keyString(r.key)).values()) {
      out.push(
        cellStats(
          scenario,
          cellRows[0]!.key,
          cellRows.filter((r) => !left.has(r)),
          cellRows.filter((r) => left.has(r)),
        ),
      );
    }
  }
  return out;
}

export function summaries(rows: readonly Row[]) {
  const by = (f: (r: Row) => string) => [...groupBy(rows, f)].map(([g, rs]) => groupStats(g, rs));
  return {
    by_model: by((r) => r.key.model),
    by_effort: by((r) => r.key.effort),
    by_condition: by((r) => r.key.condition),
    by_distance: by((r) => String(r.key.distance)).sort((a, b) => Number(a.group) - Number(b.group)),
    overall: groupStats('all', rows),
  };
}

const AXES = ['model', 'effort', 'condition', 'distance'] as const;
const EFFORT_ORDER = ['default', 'standard', 'low', 'medium', 'high', 'xhigh', 'max'];

function label(k: CellKey, axis: (typeof AXES)[number]): string {
  return String(k[axis]);
}

function shared(k: CellKey, axis: (typeof AXES)[number]): string {
  return AXES.filter((a) => a !== axis && !(a === 'condition' && k.condition === 'baseline') && !(a === 'distance' && k.distance === 0))
    .map((a) => String(k[a]))
    .join(', ');
}

/**
 * Paired comparisons between cells that differ on exactly one axis and share scenarios and
 * repeats. Each pair is one scenario and repeat answered by both cells, both with a verdict.
 * The test is exact McNemar; a difference that is not significant at this n says so, with
 * about how many repeats would be needed to tell the cells apart.
 */
export function comparisons(rows: readonly Row[]): Comparison[] {
  const byCell = groupBy(
    rows.filter((r) => finished(r) && r.score.mem_fail.value !== 'unscored'),
    (r) => keyString(r.key),
  );
  const keys = [...byCell.values()].map((rs) => rs[0]!.key);
  const out: Comparison[] = [];
  for (let i = 0; i < keys.length; i++) {
    for (let j = i + 1; j < keys.length; j++) {
      const a = keys[i]!;
      const b = keys[j]!;
      const differing = AXES.filter((x) => a[x] !== b[x]);
      if (differing.length !== 1) continue;
      const axis = differing[0]!;
      const bIndex = new Map(byCell.get(keyString(b))!.map((r) => [`${r.scenario}#${r.repeat}`, r]));
      let pairs = 0;
      let aFailed = 0;
      let bFailed = 0;
      let onlyA = 0;
      let onlyB = 0;
      let fallback = 0;
      const scenarios = new Set<string>();
      for (const ra of byCell.get(keyString(a))!) {
        const rb = bIndex.get(`${ra.scenario}#${ra.repeat}`);
        if (!rb) continue;
        pairs++;
        scenarios.add(ra.scenario);
        const fa = ra.score.mem_fail.value === 'YES';
        const fb = rb.score.mem_fail.value === 'YES';
        aFailed += Number(fa);
        bFailed += Number(fb);
        onlyA += Number(fa && !fb);
        onlyB += Number(fb && !fa);
        fallback += Number(answeredElsewhere(ra)) + Number(answeredElsewhere(rb));
      }
      if (pairs === 0) continue;
      const p = mcnemarExact(onlyA, onlyB);
      const needed = mcnemarPairsNeeded(onlyA, onlyB, pairs);
      const repeatsNeeded = needed === null ? null : Math.ceil(needed / scenarios.size);
      const context = shared(a, axis);
      const head = `${label(a, axis)} vs ${label(b, axis)}${context ? ` (${context})` : ''}: ${aFailed}/${pairs} vs ${bFailed}/${pairs} failed; p = ${formatP(p)}`;
      let sentence: string;
      if (p < 0.05) sentence = `${head}; significant at p < 0.05 over ${pairs} paired conversations`;
      else if (onlyA === onlyB) sentence = `${head}; no difference in paired outcomes at this n (${pairs} pairs); the data cannot separate them`;
      else sentence = `${head}; not significant at this n${repeatsNeeded === null ? '' : `; about ${repeatsNeeded} repeats per scenario needed to tell them apart`}`;
      // Another model's answer is not this cell's, and the turns after it build on it.
      if (fallback > 0) sentence += `; includes ${fallback} conversation(s) with turns answered by a fallback model`;
      out.push({
        axis,
        a,
        b,
        pairs,
        a_failed: aFailed,
        b_failed: bFailed,
        only_a: onlyA,
        only_b: onlyB,
        p_value: p,
        significant: p < 0.05,
        pairs_needed: needed,
        repeats_needed: repeatsNeeded,
        fallback_conversations: fallback,
        sentence,
      });
    }
  }
  return out;
}

export function formatP(p: number): string {
  return p >= 0.001 ? String(Math.round(p * 1000) / 1000) : p.toExponential(1);
}

/**
 * The original benchmark's OpenRouter mistake, caught: effort levels that do not change how much
 * a model writes, or thinking asked for and seldom returned, mean the provider may not have
 * applied the parameter, and the effort axis measures nothing.
 *
 * Output tokens must rise, scenario by scenario, between each adjacent pair of effort levels:
 * a median over the whole cell can rise because one scenario did. Conversations cut off at
 * max_tokens count (they show how much the model wrote); default and standard have no place
 * in the order (they are the model's own level) and are left out; the offline rehearsal plays
 * fixtures, which do not scale, and is never checked.
 */
export function effectWarnings(rows: readonly Row[]): string[] {
  const warnings: string[] = [];
  const counted = rows.filter((r) => (r.score.status === 'complete' || r.score.status === 'max_tokens') && !r.key.model.startsWith('rehearsal:'));
  for (const [group, rs] of groupBy(counted, (r) => `${r.key.model}|${r.key.condition}|${r.key.distance}`)) {
    const model = group.split('|')[0]!;
    const levels = [...groupBy(rs, (r) => r.key.effort)].filter(([e]) => e !== 'default' && e !== 'standard').sort(([a], [b]) => EFFORT_ORDER.indexOf(a) - EFFORT_ORDER.indexOf(b));
    for (let i = 0; i + 1 < levels.length; i++) {
      const [lo, loRows] = levels[i]!;
      const [hi, hiRows] = levels[i + 1]!;
      const loBy = groupBy(loRows, (r) => r.scenario);
      const hiBy = groupBy(hiRows, (r) => r.scenario);
      const shared = [...loBy.keys()].filter((sc) => hiBy.has(sc)).sort();
      const tokens = (xs: readonly Row[]) => median(xs.map((r) => r.score.cost.output_tokens)) ?? 0;
      const flat = shared.filter((sc) => tokens(hiBy.get(sc)!) <= tokens(loBy.get(sc)!));
      if (shared.length === 0 || flat.length === 0) continue;
      const shown = flat
        .slice(0, 3)
        .map((sc) => `${sc}: ${tokens(loBy.get(sc)!)} -> ${tokens(hiBy.get(sc)!)}`)
        .join('; ');
      warnings.push(
        `output tokens on ${model} did not rise from effort ${lo} to ${hi} in ${flat.length} of ${shared.length} scenario(s) (medians ${shown}${flat.length > 3 ? '; ...' : ''}): the provider may not have applied the effort parameter (OpenRouter has been seen to drop it silently), so this step of the effort axis may measure nothing`,
      );
    }
    for (const [effort, e] of levels) {
      const withThinking = e.filter((r) => r.score.cost.thinking_blocks > 0).length;
      if (withThinking * 2 < e.length) {
        warnings.push(
          `thinking was requested at effort ${effort} on ${model}, but only ${withThinking} of ${e.length} conversation(s) got a thinking block back: the provider may have dropped the thinking parameter`,
        );
      }
    }
  }
  return warnings;
}
