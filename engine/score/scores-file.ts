import { readTextIfExists } from '../transcript/run-store.js';
import { createHash } from 'node:crypto';
import { TranscriptError, UsageError } from '../errors.js';
import { validatorFor } from '../schemas/compile.js';
import type { ConversationScore, JudgeConfig, Scores } from '../schemas/scores.generated.js';

/**
 * What "the verdicts" of a conversation are: the mem_fail value, the judge's own answer before
 * pass_answer, and every per-step verdict. Not the timestamps, the vote order, the cache flags
 * or the transcript hash: a scores file whose verdicts are these is judged alike.
 */
export function verdictsOf(s: ConversationScore): string {
  const steps = Object.entries(s.step_coherence.by_step)
    .sort(([a], [b]) => Number(a) - Number(b))
    .map(([k, j]) => [k, j.verdict]);
  return JSON.stringify([s.mem_fail.value, s.mem_fail.judge_verdict, steps]);
}

/** sha256 over every conversation's id and verdicts, in id order: equal digests, equal verdicts. */
export function verdictsDigest(verdicts: ReadonlyMap<string, string>): string {
  const digest = createHash('sha256');
  for (const id of [...verdicts.keys()].sort()) digest.update(JSON.stringify([id, verdicts.get(id)]));
  return digest.digest('hex');
}

/** The conversation's verdicts by id, read from a scores file. */
export function verdictsByConversation(scores: Scores): Map<string, string> {
  return new Map(scores.conversations.map((c) => [c.conversation_id, verdictsOf(c)]));
}

export function sameVerdicts(a: ReadonlyMap<string, string>, b: ReadonlyMap<string, string>): boolean {
  if (a.size !== b.size) return false;
  for (const [id, v] of a) if (b.get(id) !== v) return false;
  return true;
}

/** A scores file read whole and validated, or undefined when there is none. */
export async function readScoresFile(file: string): Promise<Scores | undefined> {
  const text = await readTextIfExists(file);
  if (text === undefined) return undefined;
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (cause) {
    throw new TranscriptError(`${file}: not valid JSON: ${(cause as Error).message}`, { cause });
  }
  const validate = validatorFor<Scores>('scores');
  if (!validate(data)) throw new TranscriptError(`${file}: does not match schemas/scores.schema.json: ${validate.errors?.[0]?.instancePath} ${validate.errors?.[0]?.message}`);
  return data;
}

/**
 * Scoring part of a run merges into its scores file only when the file was made by the same
 * judge configuration and the same scorer versions. Otherwise one file would hold verdicts of
 * two judges or two scorer versions under one header that names only one of them, and the
 * report would aggregate them as if they were comparable. Rescoring the rest silently instead
 * would spend judge calls nobody asked for; so the merge is refused, with the command that
 * rescores the whole run.
 */
export function checkMergeable(existing: Scores, now: { judge: JudgeConfig; scorers: Record<string, string> }, file: string, runDir: string): void {
  const canon = (x: unknown) => JSON.stringify(x, Object.keys(x as object).sort());
  const why: string[] = [];
  if (canon(existing.judge) !== canon(now.judge)) why.push(`its judge configuration differs (${JSON.stringify(existing.judge)} there, ${JSON.stringify(now.judge)} now)`);
  const scorers = new Set([...Object.keys(existing.scorers), ...Object.keys(now.scorers)]);
  const changed = [...scorers].filter((k) => existing.scorers[k] !== now.scorers[k]).map((k) => `${k} ${existing.scorers[k] ?? 'none'} -> ${now.scorers[k] ?? 'none'}`);
  if (changed.length > 0) why.push(`its scorer versions differ (${changed.join(', ')})`);
  if (why.length > 0)
    throw new UsageError(`${file}: cannot merge these conversations into the run's scores: ${why.join('; ')}; rescore the whole run instead: driftbench score ${runDir}`);
}
