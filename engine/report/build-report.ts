import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import pLimit from 'p-limit';
import { TranscriptError } from '../errors.js';
import type { Profile } from '../models/profiles.js';
import { readScoresFile } from '../score/scores-file.js';
import type { CellKey, Report } from '../schemas/report.generated.js';
import type { Scores } from '../schemas/scores.generated.js';
import { RunStore, parseTranscript, readTranscriptText } from '../transcript/run-store.js';
import type { RunManifest, Transcript } from '../transcript/format.js';
import { cells, clusterUnits, comparisons, effectWarnings, groupBy, keyString, METHODS, missingReason, rowOf, summaries, type Row } from './aggregate.js';
import { cellKeyOf, cellName, fallbackCells, fallbackCount, fallbackTurns, type FallbackTurn, type ModelNames } from './fallback.js';
import { evaluateGates, type Gate } from './gate.js';

export const REPORT_FORMAT = 'driftbench.report/1';

export interface LoadedRun {
  dir: string;
  manifest: RunManifest;
  scores: Scores;
  scoresFile: string;
  /** Who answered each scored conversation, read from its transcript. */
  answers: ReadonlyMap<string, Answers>;
  /** Scored conversations whose transcript file is gone: who answered them is unknown. */
  missingTranscripts: string[];
  /** Transcripts of scored conversations that could not be read now: left out of the report, each with a warning. */
  unreadable: Array<{ file: string; reason: string }>;
}

/** Who answered one conversation. */
export interface Answers {
  cell: CellKey;
  requested: string;
  /** Its turns another model answered; empty for most. */
  fallback: FallbackTurn[];
}

/** What decides whether two model names are one model, for a run: the profiles and the ids its Models API gave. */
export function modelNamesOf(profiles: readonly Profile[], manifest: RunManifest): ModelNames {
  return { profiles, resolved: manifest.models ?? [] };
}

/** Transcripts read at once: bounds open files and memory on runs of thousands of conversations. */
const READ_CONCURRENCY = 16;

/**
 * Who answered each conversation of a run: the ids given, or every transcript in the run.
 * Transcripts are read and validated like any other; an id with no transcript file is absent
 * from the map.
 */
export async function readAnswers(
  store: RunStore,
  names: ModelNames,
  ids?: readonly string[],
  unreadable?: Array<{ file: string; reason: string }>,
): Promise<Map<string, Answers>> {
  const limit = pLimit(READ_CONCURRENCY);
  // With `unreadable` given, a transcript that cannot be read (truncated, edited, not UTF-8) is
  // listed there and left out, as score skips it; without, it is thrown.
  const skip = (file: string) => (e: unknown) => {
    if (unreadable === undefined || !(e instanceof TranscriptError)) throw e;
    unreadable.push({ file, reason: e.message.replace(`${file}: `, '') });
    return undefined;
  };
  const read: Array<Promise<Transcript | undefined>> =
    ids === undefined
      ? (await store.listTranscriptFiles()).map((f) => limit(async () => parseTranscript(f, await readTranscriptText(f))).catch(skip(f)))
      : ids.map((id) => limit(() => store.readTranscript(id)).catch(skip(store.transcriptPath(id))));
  const answers = new Map<string, Answers>();
  for (const t of await Promise.all(read)) {
    if (t === undefined) continue;
    answers.set(t.conversation_id, { cell: cellKeyOf(t.cell), requested: t.model_requested, fallback: fallbackTurns(t, names) });
  }
  return answers;
}

/**
 * A run directory and its scores under one judge. With no judge named, the run must have
 * exactly one scores file, or the newest is taken and said so.
 */
export async function loadScoredRun(dir: string, judge: string | undefined, profiles: readonly Profile[]): Promise<LoadedRun> {
  const store = new RunStore(dir);
  const manifest = await store.readManifest();
  const scoresDir = store.path('scores');
  const files = (await readdir(scoresDir).catch(() => [] as string[])).filter((f) => f.endsWith('.json') && !/\.\d{8}T\d{6}Z\.json$/.test(f)).sort();
  if (files.length === 0) throw new TranscriptError(`${dir}: not scored yet; run: driftbench score ${dir}`);
  let file: string;
  if (judge !== undefined) {
    file = `${judge}.json`;
    if (!files.includes(file)) throw new TranscriptError(`${dir}: no scores of judge "${judge}"; this run has: ${files.map((f) => f.replace(/\.json$/, '')).join(', ')}`);
  } else if (files.length === 1) {
    file = files[0]!;
  } else {
    throw new TranscriptError(`${dir}: scored by several judges (${files.map((f) => f.replace(/\.json$/, '')).join(', ')}); pick one with --judge`);
  }
  const path = join(scoresDir, file);
  const data = await readScoresFile(path);
  if (data === undefined) throw new TranscriptError(`${path}: gone while reading; run: driftbench score ${dir}`);
  const ids = data.conversations.map((c) => c.conversation_id);
  const unreadable: Array<{ file: string; reason: string }> = [];
  const answers = await readAnswers(store, modelNamesOf(profiles, manifest), ids, unreadable);
  // Left out whole, as score leaves out a transcript it cannot read: its verdict was given on a
  // file that is no longer there to show or check.
  const bad = new Set(unreadable.map((u) => u.file));
  const scores = bad.size === 0 ? data : { ...data, conversations: data.conversations.filter((c) => !bad.has(store.transcriptPath(c.conversation_id))) };
  return {
    dir,
    manifest,
    scores,
    scoresFile: path,
    answers,
    missingTranscripts: ids.filter((id) => !answers.has(id) && !bad.has(store.transcriptPath(id))),
    unreadable,
  };
}

export function rowsOf(runs: readonly LoadedRun[]): Row[] {
  return runs.flatMap((r) => r.scores.conversations.map((c) => rowOf(c, r.answers.get(c.conversation_id)?.fallback ?? [], r.manifest.run_id)));
}

/**
 * include: conversations with turns another model answered count like any other, and the
 * report says where they are. exclude (--exclude-fallback): they are left out whole, not
 * turn by turn, because every turn after a fallback answer has that answer in its history.
 */
export type FallbackMode = 'include' | 'exclude';

/** Every scored conversation another model answered part of, and the count per cell. */
function fallbackOf(runs: readonly LoadedRun[], mode: FallbackMode): Report['fallback'] {
  const conversations = runs.flatMap((r) =>
    r.scores.conversations.flatMap((c) => {
      const a = r.answers.get(c.conversation_id);
      if (!a || a.fallback.length === 0) return [];
      return [{ run_id: r.manifest.run_id, conversation_id: c.conversation_id, scenario: c.scenario_id, cell: cellKeyOf(c.cell), requested: a.requested, turns: a.fallback }];
    }),
  );
  return { mode: mode === 'exclude' ? 'excluded' : 'included', cells: fallbackCells(conversations), conversations };
}

function fallbackWarnings(f: Report['fallback']): string[] {
  if (f.mode === 'excluded') {
    if (f.conversations.length === 0) return [];
    return [
      `--exclude-fallback: ${f.conversations.length} conversation(s) with turns answered by another model than the one requested are left out of every figure, comparison and gate`,
      ...f.cells.map((c) => `${cellName(c.cell)}: left out: ${fallbackCount(c)}`),
    ];
  }
  return f.cells.map((c) => `${cellName(c.cell)}: ${fallbackCount(c)}; they count in this report (--exclude-fallback leaves those conversations out)`);
}

/** Conversations without a verdict, by reason, overall and per cell. */
function missingOf(rows: readonly Row[]): Report['missing'] {
  const count = (rs: readonly Row[]) => {
    const by: Record<string, number> = {};
    for (const r of rs) {
      const why = missingReason(r);
      if (why !== null) by[why] = (by[why] ?? 0) + 1;
    }
    return by;
  };
  return {
    by_reason: count(rows),
    by_cell: [...groupBy(rows, (r) => keyString(r.key)).values()].map((rs) => ({ cell: rs[0]!.key, by_reason: count(rs) })).filter((c) => Object.keys(c.by_reason).length > 0),
  };
}

const REASONS: Record<string, string> = {
  refused: 'refused at a judged step (an outcome of its own)',
  no_reply: 'stopped before any judged step was answered',
  unscored: 'judged, but the judge gave no verdict',
};

/** The report: every aggregate, comparison, warning and gate, from scored runs. Pure. */
export function buildReport(
  runs: readonly LoadedRun[],
  gates: readonly Gate[],
  now: () => number,
  o: { fallback: FallbackMode; primary?: string; failIfInconclusive?: boolean; allowPartial?: boolean } = { fallback: 'include' },
): Report {
  const clustered = clusterUnits(rowsOf(runs));
  const all = clustered.rows;
  const leftOut = o.fallback === 'exclude' ? all.filter((r) => r.fallback.length > 0) : [];
  const rows = o.fallback === 'exclude' ? all.filter((r) => r.fallback.length === 0) : all;
  const judges = [...new Set(runs.map((r) => r.scores.judge.id))];
  const fallback = fallbackOf(runs, o.fallback);
  const warnings = [...effectWarnings(rows), ...fallbackWarnings(fallback)];
  for (const r of runs) for (const u of r.unreadable) warnings.push(`skipped ${u.file}: ${u.reason}; it is left out of this report`);
  const missingFiles = runs.reduce((n, r) => n + r.missingTranscripts.length, 0);
  if (missingFiles > 0) warnings.push(`${missingFiles} scored conversation(s) have no transcript file: whether another model answered any of their turns is unknown`);
  const missing = missingOf(rows);
  const without = Object.values(missing.by_reason).reduce((a, b) => a + b, 0);
  if (without > 0) {
    const reasons = Object.entries(missing.by_reason)
      .map(([k, v]) => `${v} ${REASONS[k] ?? k}`)
      .join(', ');
    warnings.push(
      `${without} conversation(s) have no mem_fail verdict (${reasons}); rates leave them out, and every rate shows the best and worst case, counting them all as passes and then as failures`,
    );
  }
  const skipped = runs.reduce((n, r) => n + r.scores.skipped.length, 0);
  if (skipped > 0) warnings.push(`${skipped} transcript(s) could not be scored and are missing from this report (see the scores files' "skipped")`);
  const partial = runs.filter((r) => r.scores.conversations.length < r.manifest.counts.conversations).map(coverageOf);
  if (partial.length > 0)
    warnings.push(
      `partial: this report covers ${partial.join('; ')}; its figures say nothing of the rest, and gates are refused${o.allowPartial ? ' (here allowed by --allow-partial)' : ' unless --allow-partial'}`,
    );
  const compared = comparisons(rows, { primary: o.primary });
  if (o.primary !== undefined && !compared.comparisons.some((c) => c.primary)) {
    warnings.push(`--primary "${o.primary}": no comparison of that name in this report; every comparison is Holm-adjusted`);
  }
  return {
    format: REPORT_FORMAT,
    generated_at: new Date(now()).toISOString(),
    judge: judges.join(', '),
    runs: runs.map((r) => ({
      run_id: r.manifest.run_id,
      dir: r.dir,
      provider: r.manifest.plan.provider,
      status: r.manifest.status,
      conversations: r.manifest.counts.conversations,
      scored: r.scores.conversations.length,
    })),
    methods: clustered.note !== undefined ? { ...METHODS, cluster: clustered.note } : METHODS,
    cells: cells(rows, leftOut),
    summary: summaries(rows),
    comparisons: compared.comparisons,
    trends: compared.trends,
    comparison_family: { size: compared.family, adjustment: 'Holm (1979)', primary: compared.comparisons.find((c) => c.primary) ? o.primary! : null },
    missing,
    fallback,
    warnings,
    gates: refusePartial(evaluateGates(gates, rows, compared.comparisons, { failIfInconclusive: o.failIfInconclusive ?? false }), partial, o.allowPartial ?? false),
  };
}

const coverageOf = (r: LoadedRun) => `${r.scores.conversations.length} of the ${r.manifest.counts.conversations} conversations of ${r.manifest.run_id}`;

/**
 * A gate on part of a run decides nothing about the run: scoring only the conversations that
 * pass would turn CI green. So on a partial report every gate fails, saying why and what it
 * would have decided, unless --allow-partial says the subset is what is meant.
 */
function refusePartial(results: Report['gates'], partial: readonly string[], allowPartial: boolean): Report['gates'] {
  if (partial.length === 0 || allowPartial) return results;
  return results.map((g) => ({
    ...g,
    failed: true,
    why: `refused: this report covers only ${partial.join('; ')}; score the whole run, or pass --allow-partial to gate on the part scored (on that part: ${g.decision}, ${g.why ?? ''})`,
  }));
}
