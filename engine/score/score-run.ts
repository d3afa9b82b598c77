import { createHash } from 'node:crypto';
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
import { RunStore, parseTranscript } from '../transcript/run-store.js';
import type { Transcript } from '../transcript/format.js';
import type { Judge } from './judge.js';
import { scoreConversation } from './score-conversation.js';
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
  /** Scenario lookup by id: the run's own snapshots, or a suite given on the command line. */
  scenarios: ReadonlyMap<string, LoadedScenario>;
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
  summary: ScoreSummary;
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

/**
 * Groups inputs into targets. A run directory is scored whole; a transcript file inside a run
 * directory is scored against that run's scenario snapshots; any other transcript file against
 * the suite given (its scores go in a scores/ folder beside it).
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
      targets.set(p, { dir: p, runId: manifest.run_id, files: await store.listTranscriptFiles(), scenarios: await loadRunScenarios(store) });
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
        targets.set(runDir, { dir: runDir, runId: manifest.run_id, files: [p], scenarios: await loadRunScenarios(store) });
      }
      continue;
    }
    const dir = dirname(p);
    const existing = targets.get(dir);
    if (existing) existing.files.push(p);
    else targets.set(dir, { dir, runId: basename(dir), files: [p], scenarios: await suite() });
  }
  return [...targets.values()];
}

/**
 * Scores every transcript of a target and writes scores/<judge-id>.json. A file that cannot
 * be read as a valid transcript is reported under `skipped` and the rest are scored.
 *
 * The file is streamed through the durable write (temp file, fsync, rename, like transcripts):
 * each conversation's score is validated and written as soon as the ones before it are, so
 * memory stays flat however many transcripts a run has. An earlier scores file of the same
 * judge whose verdicts differ is kept as scores/<judge-id>.<time>.json, never overwritten.
 */
export async function scoreTarget(
  target: ScoreTarget,
  deps: { judge: Judge; coherence: boolean; concurrency: number; now: () => number; engineVersion: string; onScored?: (s: ConversationScore) => void },
): Promise<ScoreResult> {
  const store = new RunStore(target.dir);
  const file = store.path('scores', `${deps.judge.config.id}.json`);
  await mkdir(dirname(file), { recursive: true });
  const validate = validatorForDef<ConversationScore>('scores', 'conversationScore');
  const digest = createHash('sha256');
  const summary: ScoreSummary = { conversations: 0, yes: 0, no: 0, unscored: 0 };
  const skipped: Scores['skipped'] = [];
  let verdictsSha256 = '';
  let keptPrevious = null as string | null;

  const head = {
    format: SCORES_FORMAT,
    run_id: target.runId,
    engine_version: deps.engineVersion,
    scored_at: new Date(deps.now()).toISOString(),
    judge: deps.judge.config,
    scorers: { ...SCORER_VERSIONS },
  };
  // Results arrive out of order; they are written in file order (sorted names) from `slots`.
  const files = [...target.files].sort();
  const produce: Produce = async (write) => {
    await write(`${JSON.stringify(head, null, 2).slice(0, -2)},\n  "conversations": [`);
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
          if (!validate(score))
            throw new Error(`score of ${(score as ConversationScore).conversation_id} does not match schemas/scores.schema.json: ${JSON.stringify(validate.errors?.slice(0, 2))}`);
          digest.update(
            JSON.stringify([
              score.conversation_id,
              score.transcript_sha256,
              score.mem_fail.judge_verdict,
              Object.entries(score.step_coherence.by_step).map(([k, j]) => [k, j.verdict]),
            ]),
          );
          await write(`${summary.conversations === 0 ? '' : ','}\n    ${JSON.stringify(score)}`);
          summary.conversations++;
          if (score.mem_fail.value === 'YES') summary.yes++;
          else if (score.mem_fail.value === 'NO') summary.no++;
          else summary.unscored++;
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
    verdictsSha256 = digest.digest('hex');
    skipped.sort((a, b) => a.file.localeCompare(b.file));
    await write(`\n  ],\n  "skipped": ${JSON.stringify(skipped)},\n  "verdicts_sha256": "${verdictsSha256}"\n}\n`);
    // Before the rename, so the earlier file is in its place or kept aside at every moment.
    keptPrevious = await keepPrevious(file, verdictsSha256, deps.now);
  };

  try {
    await writeFileDurably(file, produce);
  } catch (e) {
    // The earlier file is still in place, so the copy kept aside is not needed.
    if (keptPrevious) await rm(keptPrevious, { force: true });
    throw e;
  }
  return { file, runId: target.runId, judge: deps.judge.config, summary, skipped, verdictsSha256, keptPrevious };
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
  let text: string;
  try {
    // Synchronous for the same reason as the judge cache: small local files, many of them.
    text = readFileSync(file, 'utf8');
  } catch (e) {
    skipped.push({ file, reason: `cannot read: ${(e as NodeJS.ErrnoException).code ?? String(e)}` });
    return undefined;
  }
  let t: Transcript;
  try {
    t = parseTranscript(file, text);
  } catch (e) {
    if (!(e instanceof TranscriptError)) throw e;
    skipped.push({ file, reason: e.message.replace(`${file}: `, '') });
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
 * Keeps an earlier scores file aside when its verdicts differ from the new ones. The digest is
 * the file's last field, so only its tail is read, not the whole (possibly large) file.
 *
 * A hard link, not a rename: the scores file stays whole in its place until the durable write
 * replaces it, and link() fails with EEXIST where rename() would replace a file kept earlier
 * (two scorings in one second). Then the next free second names it, so the name still has the
 * <time> shape that report skips.
 */
async function keepPrevious(file: string, digest: string, now: () => number): Promise<string | null> {
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
  if (old === digest) return null;
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
