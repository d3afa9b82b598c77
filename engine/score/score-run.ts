import { constants, readFileSync } from 'node:fs';
import { copyFile, link, mkdir, open, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import pLimit from 'p-limit';
import { TranscriptError } from '../errors.js';
import { findProfile, loadProfiles, type Profile } from '../models/profiles.js';
import type { LoadedScenario } from '../scenario/scenario.js';
import { validatorForDef } from '../schemas/compile.js';
import type { ConversationScore, JudgeConfig, Scores } from '../schemas/scores.generated.js';
import { writeFileDurably, type Produce } from '../transcript/atomic-write.js';
import { RunStore, parseTranscript, transcriptText } from '../transcript/run-store.js';
import { liveLockOwner, type LockOwner } from '../transcript/run-lock.js';
import type { Transcript } from '../transcript/format.js';
import type { Judge } from './judge.js';
import { scoreConversation } from './score-conversation.js';
import { checkMergeable, readScoresFile, sameVerdicts, verdictsByConversation, verdictsDigest, verdictsOf } from './scores-file.js';
import { SCORER_VERSIONS } from './text-scorers.js';

export const SCORES_FORMAT = 'driftbench.scores/1';

let profiles: Profile[] | undefined;
const PROFILES = () => (profiles ??= loadProfiles());

/** One place scores are written: a run directory, or a folder of loose transcripts. */
export interface ScoreTarget {
  /** The folder that gets scores/<judge>.json. */
  dir: string;
  runId: string;
  files: string[];
  /** whole: every transcript of a run, or loose files; some: transcript files inside a run directory, merged into its scores. */
  part: 'whole' | 'some';
  /** Scenario lookup by id: the run's own snapshots, or a suite given on the command line. */
  scenarios: ReadonlyMap<string, LoadedScenario>;
  /**
   * The live process still replaying this run, if one is (its manifest says running and it holds
   * the run's lock): its unfinished conversations are skipped, not scored as if they had ended.
   */
  live?: LockOwner;
}

export interface ScoreSummary {
  conversations: number;
  yes: number;
  no: number;
  unscored: number;
}

export interface ScoreResult {
  file: string;
  runId: string;
  judge: JudgeConfig;
  /** The conversations scored now. */
  summary: ScoreSummary;
  /** Conversations in the file written: more than summary.conversations after a merge. */
  inFile: number;
  /** merged: part of a run, merged into its earlier scores of this judge. */
  part: 'whole' | 'merged';
  skipped: Scores['skipped'];
  verdictsSha256: string;
  /** Where an earlier, different scores file of the same judge was moved, if any. */
  keptPrevious: string | null;
}

async function isRunDir(dir: string): Promise<boolean> {
  return stat(join(dir, 'manifest.json')).then(
    () => true,
    () => false,
  );
}

/** The process replaying a run right now, if any: the manifest says running and a live process holds the lock. */
async function liveRun(dir: string, status: string): Promise<LockOwner | undefined> {
  return status === 'running' ? liveLockOwner(dir) : undefined;
}

/**
 * Groups inputs into targets. A run directory is scored whole; a transcript file inside a run
 * directory is scored against that run's scenario snapshots and merged into the run's scores;
 * any other transcript file against the suite given (its scores go in a scores/ folder beside it).
 */
export async function resolveTargets(
  inputs: readonly string[],
  suite: () => Promise<ReadonlyMap<string, LoadedScenario>>,
  loadRunScenarios: (store: RunStore) => Promise<ReadonlyMap<string, LoadedScenario>>,
): Promise<ScoreTarget[]> {
  const targets = new Map<string, ScoreTarget>();
  for (const input of inputs) {
    const p = resolve(input);
    const info = await stat(p).catch(() => undefined);
    if (!info) throw new TranscriptError(`${input}: no such run directory or transcript file`);
    if (info.isDirectory() && (await isRunDir(p))) {
      const store = new RunStore(p);
      const manifest = await store.readManifest();
      const live = await liveRun(p, manifest.status);
      targets.set(p, {
        dir: p,
        runId: manifest.run_id,
        files: await store.listTranscriptFiles(),
        part: 'whole',
        scenarios: await loadRunScenarios(store),
        ...(live ? { live } : {}),
      });
      continue;
    }
    if (info.isDirectory()) throw new TranscriptError(`${input}: not a run directory (no manifest.json); pass a run directory or transcript files`);
    const runDir = dirname(dirname(p));
    if (basename(dirname(p)) === 'conversations' && (await isRunDir(runDir))) {
      const existing = targets.get(runDir);
      if (existing) {
        if (!existing.files.includes(p)) existing.files.push(p);
      } else {
        const store = new RunStore(runDir);
        const manifest = await store.readManifest();
        const live = await liveRun(runDir, manifest.status);
        targets.set(runDir, { dir: runDir, runId: manifest.run_id, files: [p], part: 'some', scenarios: await loadRunScenarios(store), ...(live ? { live } : {}) });
      }
      continue;
    }
    const dir = dirname(p);
    const existing = targets.get(dir);
    if (existing) existing.files.push(p);
    else targets.set(dir, { dir, runId: basename(dir), files: [p], part: 'whole', scenarios: await suite() });
  }
  return [...targets.values()];
}

/**
 * Scores the transcripts of a target and writes scores/<judge-id>.json. A file that cannot
 * be read as a valid transcript is reported under `skipped` and the rest are scored.
 *
 * A whole run (or loose transcripts) replaces the file. Part of a run (transcript files inside
 * a run directory) merges into the run's existing file of this judge: the conversations scored
 * now replace their entries, every other entry is kept, all in transcript-file order; a merge
 * into a file of another judge configuration or other scorer versions is refused (see
 * checkMergeable). The kept entries are read whole; the new ones are held until written.
 *
 * The file is streamed through the durable write (temp file, fsync, rename, like transcripts):
 * on a whole run each conversation's score is validated and written as soon as the ones before
 * it are, so memory stays flat however many transcripts a run has. An earlier scores file of
 * the same judge whose verdicts differ is kept as scores/<judge-id>.<time>.json, never
 * overwritten.
 */
export async function scoreTarget(
  target: ScoreTarget,
  deps: { judge: Judge; coherence: boolean; concurrency: number; now: () => number; engineVersion: string; onScored?: (s: ConversationScore) => void },
): Promise<ScoreResult> {
  const store = new RunStore(target.dir);
  const file = store.path('scores', `${deps.judge.config.id}.json`);
  await mkdir(dirname(file), { recursive: true });
  const validate = validatorForDef<ConversationScore>('scores', 'conversationScore');
  const summary: ScoreSummary = { conversations: 0, yes: 0, no: 0, unscored: 0 };
  const skipped: Scores['skipped'] = [];
  const verdicts = new Map<string, string>();
  let keptPrevious = null as string | null;

  const head = {
    format: SCORES_FORMAT,
    run_id: target.runId,
    engine_version: deps.engineVersion,
    scored_at: new Date(deps.now()).toISOString(),
    judge: deps.judge.config,
    scorers: { ...SCORER_VERSIONS },
  };
  const existing = target.part === 'some' ? await readScoresFile(file) : undefined;
  if (existing) checkMergeable(existing, head, file, target.dir);
  // Results arrive out of order; they are written in file order (sorted names) from `slots`.
  const files = [...target.files].sort();
  const produce: Produce = async (write) => {
    await write(`${JSON.stringify(head, null, 2).slice(0, -2)},\n  "conversations": [`);
    const emit = async (score: ConversationScore) => {
      if (!validate(score))
        throw new Error(`score of ${(score as ConversationScore).conversation_id} does not match schemas/scores.schema.json: ${JSON.stringify(validate.errors?.slice(0, 2))}`);
      await write(`${verdicts.size === 0 ? '' : ','}\n    ${JSON.stringify(score)}`);
      verdicts.set(score.conversation_id, verdictsOf(score));
    };
    const fresh: ConversationScore[] = [];
    const slots = new Map<number, ConversationScore | null>();
    let next = 0;
    let writing: Promise<void> = Promise.resolve();
    const flush = () => {
      writing = writing.then(async () => {
        while (slots.has(next)) {
          const score = slots.get(next)!;
          slots.delete(next);
          next++;
          if (score === null) continue;
          summary.conversations++;
          if (score.mem_fail.value === 'YES') summary.yes++;
          else if (score.mem_fail.value === 'NO') summary.no++;
          else summary.unscored++;
          if (existing) fresh.push(score);
          else await emit(score);
        }
      });
      return writing;
    };
    const limit = pLimit(deps.concurrency);
    await Promise.all(
      files.map((f, i) =>
        limit(async () => {
          const score = await scoreFile(f, target, deps, skipped);
          slots.set(i, score ?? null);
          await flush();
        }),
      ),
    );
    await writing;
    let allSkipped = skipped;
    if (existing) {
      // An entry whose transcript was scored now is replaced, even when it could not be scored
      // this time (it is then listed under skipped): its old verdict no longer describes the file.
      const now = new Set(files);
      const kept = existing.conversations.filter((c) => !now.has(store.transcriptPath(c.conversation_id)));
      const merged = [...kept, ...fresh].map((c) => [store.transcriptPath(c.conversation_id), c] as const).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      for (const [, c] of merged) await emit(c);
      allSkipped = [...existing.skipped.filter((s) => !now.has(resolve(target.dir, s.file)) && !now.has(s.file)), ...skipped];
    }
    allSkipped.sort((a, b) => a.file.localeCompare(b.file));
    await write(`\n  ],\n  "skipped": ${JSON.stringify(allSkipped)},\n  "verdicts_sha256": "${verdictsDigest(verdicts)}"\n}\n`);
    // Before the rename, so the earlier file is in its place or kept aside at every moment.
    keptPrevious = await keepPrevious(file, verdicts, existing, deps.now);
  };

  try {
    await writeFileDurably(file, produce);
  } catch (e) {
    // The earlier file is still in place, so the copy kept aside is not needed.
    if (keptPrevious) await rm(keptPrevious, { force: true });
    throw e;
  }
  return {
    file,
    runId: target.runId,
    judge: deps.judge.config,
    summary,
    inFile: verdicts.size,
    part: existing ? 'merged' : 'whole',
    skipped,
    verdictsSha256: verdictsDigest(verdicts),
    keptPrevious,
  };
}

/** The scenario a transcript was made from, or why it cannot be judged against the scenarios at hand. */
export function scenarioOf(t: Transcript, scenarios: ReadonlyMap<string, LoadedScenario>, fix = 'pass --scenarios with the suite it came from'): LoadedScenario | string {
  const l = scenarios.get(t.scenario.id);
  if (!l) return `scenario ${t.scenario.id} is not available; ${fix}`;
  if (l.hash !== t.scenario.hash) return `scenario ${t.scenario.id} has changed since this transcript was made (hash mismatch)`;
  return l;
}

async function scoreFile(
  file: string,
  target: ScoreTarget,
  deps: { judge: Judge; coherence: boolean; onScored?: (s: ConversationScore) => void },
  skipped: Scores['skipped'],
): Promise<ConversationScore | undefined> {
  let bytes: Uint8Array;
  try {
    // Synchronous for the same reason as the judge cache: small local files, many of them.
    bytes = readFileSync(file);
  } catch (e) {
    skipped.push({ file, reason: `cannot read: ${(e as NodeJS.ErrnoException).code ?? String(e)}` });
    return undefined;
  }
  let t: Transcript;
  let text: string;
  try {
    text = transcriptText(file, bytes);
    t = parseTranscript(file, text);
  } catch (e) {
    if (!(e instanceof TranscriptError)) throw e;
    skipped.push({ file, reason: e.message.replace(`${file}: `, '') });
    return undefined;
  }
  if (target.live && (t.status === 'pending' || t.status === 'running')) {
    skipped.push({ file, reason: `not finished: the run is still being replayed by pid ${target.live.pid}; score it again when it ends` });
    return undefined;
  }
  const l = scenarioOf(t, target.scenarios);
  if (typeof l === 'string') {
    skipped.push({ file, reason: l });
    return undefined;
  }
  const prices = findProfile(PROFILES(), t.cell.model)?.prices;
  const score = await scoreConversation(t, l.scenario, text, deps.judge, { coherence: deps.coherence, prices });
  deps.onScored?.(score);
  return score;
}

/**
 * Keeps an earlier scores file aside when some conversation's verdicts differ from the new ones
 * (verdictsOf: not timestamps, order or cache flags). Its digest is the file's last field, so
 * first only its tail is read: equal digests, equal verdicts. A different digest may be one
 * computed the older way (over transcript hashes too), so then the file is read and its
 * verdicts compared one by one.
 *
 * A hard link, not a rename: the scores file stays whole in its place until the durable write
 * replaces it, and link() fails with EEXIST where rename() would replace a file kept earlier
 * (two scorings in one second). Then the next free second names it, so the name still has the
 * <time> shape that report skips.
 */
async function keepPrevious(file: string, verdicts: ReadonlyMap<string, string>, read: Scores | undefined, now: () => number): Promise<string | null> {
  let tail: string;
  try {
    const fh = await open(file, 'r');
    try {
      const { size } = await fh.stat();
      const len = Math.min(size, 4096);
      const buf = Buffer.alloc(len);
      await fh.read(buf, 0, len, size - len);
      tail = buf.toString('utf8');
    } finally {
      await fh.close();
    }
  } catch {
    return null;
  }
  const old = /"verdicts_sha256":\s*"([0-9a-f]{64})"/.exec(tail)?.[1];
  if (old === verdictsDigest(verdicts)) return null;
  const earlier = read ?? (await readScoresFile(file).catch(() => undefined));
  if (earlier && sameVerdicts(verdictsByConversation(earlier), verdicts)) return null;
  for (let at = now(); ; at += 1000) {
    const stamp = new Date(at)
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d+Z$/, 'Z');
    const aside = file.replace(/\.json$/, `.${stamp}.json`);
    try {
      await link(file, aside).catch((e: NodeJS.ErrnoException) => {
        // A file system without hard links (FAT, some network shares): a copy, still never over another file.
        if (e.code === 'EPERM' || e.code === 'ENOTSUP' || e.code === 'ENOSYS') return copyFile(file, aside, constants.COPYFILE_EXCL);
        throw e;
      });
      return aside;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
}
