import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { TranscriptError } from '../errors.js';
import type { LoadedScenario } from '../scenario/scenario.js';
import type { ConversationScore, Scores } from '../schemas/scores.generated.js';
import type { Transcript } from '../transcript/format.js';
import { RunStore, parseTranscript, readTranscriptText } from '../transcript/run-store.js';
import { loadRunScenarios } from '../transcript/run-scenarios.js';
import type { DiffSide } from './diff.js';

export interface Side extends DiffSide {
  scenario: LoadedScenario;
}

/** Every transcript of a run (or one transcript file), with its scenario and, if scored, its score. */
export async function loadSides(
  input: string,
  judge: string | undefined,
  suite: () => Promise<ReadonlyMap<string, LoadedScenario>>,
  opts: { skipUnreadable?: boolean } = {},
): Promise<Side[]> {
  const info = await stat(input).catch(() => undefined);
  if (!info) throw new TranscriptError(`${input}: no such transcript file or run directory`);
  const runDir = info.isDirectory() ? input : basename(dirname(input)) === 'conversations' ? dirname(dirname(input)) : undefined;
  const isRun = runDir !== undefined && (await stat(join(runDir, 'manifest.json')).catch(() => undefined)) !== undefined;
  if (info.isDirectory() && !isRun) throw new TranscriptError(`${input}: not a run directory (no manifest.json)`);
  const store = isRun ? new RunStore(runDir!) : undefined;
  const scenarios = store ? await loadRunScenarios(store) : await suite();
  const scores = store ? await readScores(store, judge) : new Map<string, ConversationScore>();
  const files = info.isDirectory() ? await store!.listTranscriptFiles() : [input];
  const sides: Side[] = [];
  for (const f of files) {
    const t = await readTranscriptText(f)
      .then((text) => parseTranscript(f, text))
      .catch((e: unknown) => {
        // The report has already warned of it (readAnswers) and left it out; diff refuses it.
        if (opts.skipUnreadable && e instanceof TranscriptError) return undefined;
        throw e;
      });
    if (t === undefined) continue;
    const scenario = scenarios.get(t.scenario.id);
    if (!scenario) throw new TranscriptError(`${f}: scenario ${t.scenario.id} is not available; pass --scenarios`);
    sides.push({ transcript: t, score: scores.get(t.conversation_id) ?? null, scenario });
  }
  return sides;
}

async function readScores(store: RunStore, judge: string | undefined): Promise<Map<string, ConversationScore>> {
  const dir = store.path('scores');
  const { readdir } = await import('node:fs/promises');
  const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith('.json') && !/\.\d{8}T\d{6}Z\.json$/.test(f));
  const pick = judge !== undefined ? `${judge}.json` : files.length === 1 ? files[0] : undefined;
  if (pick === undefined || !files.includes(pick)) return new Map();
  const s = JSON.parse(await readFile(join(dir, pick), 'utf8')) as Scores;
  return new Map(s.conversations.map((c) => [c.conversation_id, c]));
}

export type MatchedBy = 'cell' | 'scenario-repeat-effort-condition' | 'scenario-repeat';

export interface RunMatch {
  pairs: Array<[Side, Side]>;
  /** How the pairs were matched; null when nothing paired. */
  matchedBy: MatchedBy | null;
  /** Sides with no partner, in their run's order. */
  unmatchedA: Side[];
  unmatchedB: Side[];
}

/**
 * Pairs the transcripts of two runs: the same scenario, repeat and cell when the runs share
 * cells (a rerun); else the same scenario, repeat, effort and condition (a model comparison
 * pairs like with like); else scenario and repeat alone. Each side is in at most one pair, so
 * what is left over on either side is reported as unmatched rather than compared twice.
 */
export function matchRuns(a: readonly Side[], b: readonly Side[]): RunMatch {
  const c = (s: Side) => s.transcript.cell;
  const keys: Array<[MatchedBy, (s: Side) => string]> = [
    ['cell', (s) => `${s.transcript.scenario.id}#${c(s).repeat}#${c(s).model}#${c(s).effort}#${c(s).condition ?? ''}#${c(s).distance ?? 0}`],
    ['scenario-repeat-effort-condition', (s) => `${s.transcript.scenario.id}#${c(s).repeat}#${c(s).effort}#${c(s).condition ?? ''}#${c(s).distance ?? 0}`],
    ['scenario-repeat', (s) => `${s.transcript.scenario.id}#${c(s).repeat}`],
  ];
  for (const [matchedBy, key] of keys) {
    const free = new Map<string, Side[]>();
    for (const s of b) free.set(key(s), [...(free.get(key(s)) ?? []), s]);
    const pairs: Array<[Side, Side]> = [];
    const unmatchedA: Side[] = [];
    for (const s of a) {
      const other = free.get(key(s))?.shift();
      if (other) pairs.push([s, other]);
      else unmatchedA.push(s);
    }
    if (pairs.length === 0) continue;
    const used = new Set(pairs.map(([, y]) => y));
    return { pairs, matchedBy, unmatchedA, unmatchedB: b.filter((s) => !used.has(s)) };
  }
  return { pairs: [], matchedBy: null, unmatchedA: [...a], unmatchedB: [...b] };
}

/** The pairs of `matchRuns`, for callers that need no summary (the report's diffs). */
export function pairSides(a: readonly Side[], b: readonly Side[]): Array<[Side, Side]> {
  return matchRuns(a, b).pairs;
}

export type { Transcript };
