import { clusteredRate, cmh, compareByScenario, holm, trendByScenario, type ScenarioCount } from '../stats/index.js';
import { median, mean } from '../stats/stats.js';
import type { CellKey, CellStats, Comparison, GroupStats, Rates, Trend } from '../schemas/report.generated.js';
import type { ConversationScore } from '../schemas/scores.generated.js';
import { cellKeyOf, type FallbackTurn } from './fallback.js';

/** A scored conversation with the cell key every report groups by. */
export interface Row {
  score: ConversationScore;
  key: CellKey;
  scenario: string;
  /** The scenario's family: its template's id, or its own id (issue 16). */
  family: string;
  /**
   * The cluster the statistics treat as one unit: the scenario, or its family when the rows mix
   * instances of several families (clusterUnits). Repeats of a unit are correlated, and so are
   * instances of one template.
   */
  unit: string;
  repeat: number;
  /** The run it came from: several runs of one cell combine without their repeat numbers colliding. */
  run: string;
  /** Turns another model than the requested one answered (fallback.ts); empty for most. */
  fallback: readonly FallbackTurn[];
}

export function rowOf(score: ConversationScore, fallback: readonly FallbackTurn[] = [], run = ''): Row {
  return {
    score,
    scenario: score.scenario_id,
    family: score.family ?? score.scenario_id,
    unit: score.scenario_id,
    repeat: score.cell.repeat,
    key: cellKeyOf(score.cell),
    fallback,
    run,
  };
}

/**
 * Instances of one template share its wording, trap and rubric, so they are correlated much as
 * repeats are. When the rows mix several families and at least one family has several instances,
 * the family is the cluster: S counts families, and an interval speaks of templates like these.
 * With a single family the instances stay the unit (there is no other), and the interval speaks
 * of that template's instances only. Documented in the README's Statistics section.
 */
export function clusterUnits(rows: readonly Row[]): { rows: Row[]; unit: 'scenario' | 'family'; note?: string } {
  const families = groupBy(rows, (r) => r.family);
  const instanced = [...families.values()].some((rs) => new Set(rs.map((r) => r.scenario)).size > 1);
  if (families.size > 1 && instanced) return { rows: rows.map((r) => ({ ...r, unit: r.family })), unit: 'family', note: FAMILY_CLUSTER };
  if (families.size === 1 && instanced) {
    const [only] = families.keys();
    return {
      rows: [...rows],
      unit: 'scenario',
      note: `every scenario here is an instance of the template "${only}": S counts its instances, and the intervals speak of that template's instances, not of other templates`,
    };
  }
  return { rows: [...rows], unit: 'scenario' };
}

export const keyString = (k: CellKey) => `${k.model}|${k.effort}|${k.condition}|${k.distance}${k.distance_unit === 'tokens' ? 't' : ''}`;
/** A conversation that ran to its end: what medians and means of its figures read. */
export const finished = (r: Row) => r.score.status === 'complete';
/** A YES/NO verdict: the judged replies exist and were judged, whether or not the conversation went on. */
const verdict = (r: Row) => r.score.mem_fail.value !== 'unscored';
const answeredElsewhere = (r: Row) => r.fallback.length > 0;
const nums = (xs: Array<number | null | undefined>) => xs.filter((x): x is number => typeof x === 'number' && Number.isFinite(x));

/** Why a conversation has no verdict: refused at a judged step, no judged reply, or the judge gave none. */
export function missingReason(r: Row): 'refused' | 'no_reply' | 'unscored' | null {
  if (verdict(r)) return null;
  const outcome = r.score.mem_fail.outcome;
  if (outcome === 'refused') return 'refused';
  if (outcome === 'no_reply' || (outcome === undefined && !finished(r))) return 'no_reply';
  return 'unscored';
}

/** Per-scenario counts of verdicts and failures, in scenario order; `extraFailed` adds failures (for bounds). */
export function scenarioCounts(rows: readonly Row[], o: { missingAs?: 'pass' | 'fail' } = {}): ScenarioCount[] {
  const out: ScenarioCount[] = [];
  for (const [scenario, rs] of [...groupBy(rows, (r) => r.unit)].sort(([a], [b]) => a.localeCompare(b))) {
    const scored = rs.filter(verdict);
    const missing = o.missingAs ? rs.length - scored.length : 0;
    const failed = scored.filter((r) => r.score.mem_fail.value === 'YES').length + (o.missingAs === 'fail' ? missing : 0);
    out.push({ scenario, failed, n: scored.length + missing });
  }
  return out;
}

/**
 * mem_fail over rows, scenarios as the unit: the mean of the per-scenario rates with an interval
 * over scenarios (clusteredRate). A conversation counts when its judged replies were judged,
 * even if it stopped later; one without a verdict is counted by reason, and then the best and
 * worst cases (every one of them a pass, every one a failure) bound what the data could say.
 */
export function rates(rows: readonly Row[]): Rates {
  const counts = scenarioCounts(rows);
  const c = clusteredRate(counts);
  const reasons = rows.map(missingReason);
  const missing = reasons.filter((x) => x !== null).length;
  return {
    S: c.S,
    n: c.n,
    failed: c.failed,
    rate: c.rate,
    ci95: c.ci95,
    method: c.method,
    pooled_rate: c.n > 0 ? c.failed / c.n : null,
    unscored: reasons.filter((x) => x === 'unscored').length,
    refused: reasons.filter((x) => x === 'refused').length,
    no_reply: reasons.filter((x) => x === 'no_reply').length,
    not_finished: rows.filter((r) => !finished(r)).length,
    bounds:
      missing === 0 ? null : { best: clusteredRate(scenarioCounts(rows, { missingAs: 'pass' })).rate, worst: clusteredRate(scenarioCounts(rows, { missingAs: 'fail' })).rate },
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
    // Run-qualified, so two runs of one cell list every conversation once.
    conversations: rows.map((r) => (r.run ? `${r.run}/${r.score.conversation_id}` : r.score.conversation_id)).sort(),
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

export function groupBy<T>(xs: readonly T[], key: (x: T) => string): Map<string, T[]> {
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
    by_distance: [...groupBy(rows, (r) => distanceLabel(r.key))].sort(([, a], [, b]) => a[0]!.key.distance - b[0]!.key.distance).map(([g, rs]) => groupStats(g, rs)),
    // Only where a family has several instances: otherwise it repeats the per-scenario figures.
    // Within a family its instances are the clusters, whatever the report-wide unit is.
    ...(new Set(rows.map((r) => r.family)).size < new Set(rows.map((r) => r.scenario)).size
      ? {
          by_family: [...groupBy(rows, (r) => r.family)]
            .map(([g, rs]) =>
              groupStats(
                g,
                rs.map((r) => ({ ...r, unit: r.scenario })),
              ),
            )
            .sort((a, b) => a.group.localeCompare(b.group)),
        }
      : {}),
    overall: groupStats('all', rows),
  };
}

const AXES = ['model', 'effort', 'condition', 'distance'] as const;
const EFFORT_ORDER = ['default', 'standard', 'low', 'medium', 'high', 'xhigh', 'max'];

function label(k: CellKey, axis: (typeof AXES)[number]): string {
  return axis === 'distance' ? distanceLabel(k) : String(k[axis]);
}

/** A distance as a reader says it: 10 (exchanges) or 50k tokens. */
export function distanceLabel(k: Pick<CellKey, 'distance' | 'distance_unit'>): string {
  return k.distance_unit === 'tokens' ? `${k.distance / 1000}k tokens` : String(k.distance);
}

function shared(k: CellKey, axis: (typeof AXES)[number]): string {
  return AXES.filter((a) => a !== axis && !(a === 'condition' && k.condition === 'baseline') && !(a === 'distance' && k.distance === 0))
    .map((a) => String(k[a]))
    .join(', ');
}

/** How the figures are computed, in words the report prints. */
export const METHODS = {
  rate: 'mean of the per-scenario mem_fail rates; 95% t interval over the S scenario rates (S-1 degrees of freedom), or Wilson over the repeats when there is one scenario',
  comparison:
    'paired by scenario (never by repeat): the mean over scenarios of the difference in rates, a 95% paired t interval over scenarios, and an exact sign-flip permutation test; Cochran-Mantel-Haenszel over the same scenarios as a narrower claim, on these scenarios only',
  trend: 'per-scenario least-squares slope of the mem_fail rate on distance, tested with a t test over scenarios',
  multiplicity: 'Holm (1979) over every comparison and trend in the report; a comparison declared with --primary is reported first and not adjusted',
};

/** What a "scenario" in METHODS is when the rows mix families: the family (clusterUnits). */
export const FAMILY_CLUSTER =
  'this report mixes instances of several templates, so each family (a template and its instances) is one cluster: S counts families, scenario rates are family rates, and comparisons pair families';

/** A comparison named as --primary takes it: "A vs B", each side a value on the axis the cells differ on. */
export function comparisonName(c: Pick<Comparison, 'a' | 'b' | 'axis'>): string {
  return `${label(c.a, c.axis)} vs ${label(c.b, c.axis)}`;
}

const pct = (x: number | null) => (x === null ? 'n/a' : `${Math.round(x * 1000) / 10}%`);
const pp = (x: number) => `${x >= 0 ? '+' : ''}${Math.round(x * 1000) / 10} pp`;

/**
 * Comparisons between cells that differ on exactly one axis (distance aside: it gets a trend),
 * paired by scenario: each scenario both cells answered with verdicts is one pair, whatever its
 * repeats. The headline is compareByScenario (a paired t interval and an exact sign-flip test
 * over scenarios); CMH over the same scenarios is a narrower claim. p-values are Holm-adjusted
 * over every comparison and trend the report prints; --primary names one comparison declared in
 * advance, reported first and not adjusted.
 */
export function comparisons(rows: readonly Row[], o: { primary?: string } = {}): { comparisons: Comparison[]; trends: Trend[]; family: number } {
  const scored = rows.filter(verdict);
  const byCell = groupBy(scored, (r) => keyString(r.key));
  const keys = [...byCell.values()].map((rs) => rs[0]!.key);
  const out: Comparison[] = [];
  for (let i = 0; i < keys.length; i++) {
    for (let j = i + 1; j < keys.length; j++) {
      const a = keys[i]!;
      const b = keys[j]!;
      const differing = AXES.filter((x) => a[x] !== b[x]);
      if (differing.length !== 1 || differing[0] === 'distance') continue;
      const axis = differing[0]!;
      const aRows = byCell.get(keyString(a))!;
      const bRows = byCell.get(keyString(b))!;
      const aCounts = scenarioCounts(aRows);
      const bCounts = scenarioCounts(bRows);
      const pc = compareByScenario(aCounts, bCounts);
      if (pc.S === 0) continue;
      const paired = new Set(pc.perScenario.map((x) => x.scenario));
      const inPairs = (rs: readonly Row[]) => rs.filter((r) => paired.has(r.scenario));
      // The same scenarios, as CMH's strata.
      const aBy = new Map(aCounts.map((x) => [x.scenario, x]));
      const bBy = new Map(bCounts.map((x) => [x.scenario, x]));
      const strata = pc.perScenario.map(({ scenario }) => {
        const [ca, cb] = [aBy.get(scenario)!, bBy.get(scenario)!];
        return { aFailed: ca.failed, aN: ca.n, bFailed: cb.failed, bN: cb.n };
      });
      const m = cmh(strata);
      const fallback = [...inPairs(aRows), ...inPairs(bRows)].filter(answeredElsewhere).length;
      const mean = (xs: number[]) => (xs.length ? xs.reduce((p, q) => p + q, 0) / xs.length : null);
      out.push({
        axis,
        a,
        b,
        S: pc.S,
        n_a: pc.nA,
        n_b: pc.nB,
        a_failed: pc.failedA,
        b_failed: pc.failedB,
        a_rate: mean(pc.perScenario.map((x) => x.a)),
        b_rate: mean(pc.perScenario.map((x) => x.b)),
        diff: pc.diff,
        ci95: pc.ci95,
        p_value: pc.p,
        p_adjusted: null,
        significant: false,
        test: pc.test,
        primary: false,
        cmh: { p: m.p, odds_ratio: m.oddsRatio },
        fallback_conversations: fallback,
        sentence: '',
      });
    }
  }
  const trends = distanceTrends(scored);
  // Holm over the family: every comparison and trend but the declared primary.
  const primary = o.primary === undefined ? undefined : findComparison(out, o.primary);
  if (primary) primary.primary = true;
  const family = [...out.filter((c) => !c.primary && c.p_value !== null), ...trends.filter((t) => t.p_value !== null)];
  const adjusted = holm(family.map((x) => x.p_value!));
  family.forEach((x, i) => {
    x.p_adjusted = adjusted[i]!;
  });
  if (primary) primary.p_adjusted = primary.p_value;
  for (const x of [...out, ...trends]) x.significant = x.p_adjusted !== null && x.p_adjusted < 0.05;
  for (const c of out) c.sentence = comparisonSentence(c, family.length);
  for (const t of trends) t.sentence = trendSentence(t, family.length);
  out.sort((x, y) => Number(y.primary) - Number(x.primary));
  return { comparisons: out, trends, family: family.length };
}

/** The comparison a user named ("A vs B", as --primary and comparison gates take it), spacing and case aside. */
export function findComparison<C extends Pick<Comparison, 'a' | 'b' | 'axis'>>(list: readonly C[], wanted: string): C | undefined {
  const norm = (x: string) => x.replace(/\s+/g, ' ').trim().toLowerCase();
  return list.find((c) => norm(comparisonName(c)) === norm(wanted));
}

function comparisonSentence(c: Comparison, family: number): string {
  const context = shared(c.a, c.axis);
  const head = `${comparisonName(c)}${context ? ` (${context})` : ''}: ${pct(c.a_rate)} vs ${pct(c.b_rate)} failed, over S = ${c.S} scenario(s) paired by scenario (n = ${c.n_a} and ${c.n_b} conversations)`;
  const parts = [head];
  if (c.S < 2 || c.p_value === null) {
    parts.push('one scenario cannot support a comparison: the repeats of one scenario are not independent evidence; add scenarios');
  } else {
    const adj = c.primary
      ? `p = ${formatP(c.p_value)} (primary, declared in advance: not adjusted)`
      : `p = ${formatP(c.p_value)}, Holm-adjusted over ${family} = ${formatP(c.p_adjusted!)}`;
    parts.push(`difference ${pp(c.diff!)}${c.ci95 ? `, 95% CI ${pp(c.ci95.low)} to ${pp(c.ci95.high)}` : ''}; ${adj}`);
    // What a sign-flip test over S scenarios can reach at best: 2 / 2^S.
    const floor = 2 / 2 ** c.S;
    if (c.significant) parts.push(`a difference across these scenarios; it says nothing of scenarios unlike them`);
    else if (floor >= 0.05) parts.push(`not significant, and cannot be: with ${c.S} scenarios the smallest p this test can give is ${formatP(floor)}; add scenarios, not repeats`);
    else parts.push(`not significant: the data cannot tell these cells apart, which is not evidence that they are the same`);
    if (c.cmh.p !== null) parts.push(`CMH on these scenarios only: p = ${formatP(c.cmh.p)}`);
  }
  // Another model's answer is not this cell's, and the turns after it build on it.
  if (c.fallback_conversations > 0) parts.push(`includes ${c.fallback_conversations} conversation(s) with turns answered by a fallback model`);
  return parts.join('; ');
}

/** mem_fail against distance, per model, effort and condition, where there are two distances or more. */
function distanceTrends(scored: readonly Row[]): Trend[] {
  const out: Trend[] = [];
  for (const rs of groupBy(scored, (r) => `${r.key.model}|${r.key.effort}|${r.key.condition}`).values()) {
    const distances = [...new Set(rs.map((r) => r.key.distance))].sort((a, b) => a - b);
    if (distances.length < 2) continue;
    const points = [...groupBy(rs, (r) => `${r.unit}|${r.key.distance}`).values()].map((g) => ({
      scenario: g[0]!.unit,
      x: g[0]!.key.distance,
      failed: g.filter((r) => r.score.mem_fail.value === 'YES').length,
      n: g.length,
    }));
    const t = trendByScenario(points);
    const k = rs[0]!.key;
    out.push({
      cell: { model: k.model, effort: k.effort, condition: k.condition },
      distances,
      S: t.S,
      slope: t.slope,
      ci95: t.ci95,
      p_value: t.p,
      p_adjusted: null,
      significant: false,
      test: t.test,
      sentence: '',
    });
  }
  return out;
}

function trendSentence(t: Trend, family: number): string {
  const name = `mem_fail against distance ${t.distances.join(', ')} (${t.cell.model}, ${t.cell.effort}${t.cell.condition === 'baseline' ? '' : `, ${t.cell.condition}`})`;
  if (t.slope === null || t.p_value === null) return `${name}: ${t.S} scenario(s) with two distances or more; a trend needs at least two`;
  const per10 = t.slope * 10;
  return `${name}: ${pp(per10)} per 10 distractor exchanges over S = ${t.S} scenario(s)${t.ci95 ? ` (95% CI ${pp(t.ci95.low * 10)} to ${pp(t.ci95.high * 10)})` : ''}; p = ${formatP(t.p_value)}, Holm-adjusted over ${family} = ${formatP(t.p_adjusted!)}; ${t.significant ? 'the rate changes with distance on these scenarios' : 'no trend these data can support'}`;
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
