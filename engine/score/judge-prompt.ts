import { createHash } from 'node:crypto';
import type { Scenario } from '../scenario/scenario.js';
import type { Verdict } from '../schemas/scores.generated.js';
import { replyText, type Transcript } from '../transcript/format.js';

export interface JudgePrompt {
  system: string;
  user: string;
  /** sha256 of system + user: part of the cache key, and recorded with every vote. */
  sha256: string;
}

const SYSTEM = [
  'You are a strict evaluator of multi-turn conversations with an AI assistant.',
  "You answer one YES/NO question about the assistant's replies, using only what is quoted.",
  'Reply with a JSON object and nothing else: {"reasoning": "<two or three sentences>", "verdict": "YES" | "NO"}.',
].join(' ');

function hash(system: string, user: string): string {
  return createHash('sha256').update(system).update('\u0000').update(user).digest('hex');
}

const fence = (text: string) => `<<<\n${text.replace(/>>>/g, '> > >')}\n>>>`;

/**
 * The mem_fail prompt: the scenario's own rubric question, the constraints in force, and the
 * replies of the judged steps, each with the user turn it answers. A per-item rubric makes a
 * judge agree with people far more often than a generic "was anything forgotten?" prompt.
 */
export function memFailPrompt(t: Transcript, s: Scenario): JudgePrompt {
  const constraints = s.constraints.map((c) => `- [${c.id}] (set in step ${c.established_in}) ${c.statement}`).join('\n');
  const judged = s.judge.steps
    .map((k) => {
      const turn = t.turns.find((x) => x.step === k && x.response !== null);
      const prompt = s.steps[k - 1]?.prompt ?? '';
      return `Step ${k}, user:\n${fence(prompt)}\nStep ${k}, assistant:\n${fence(turn ? replyText(turn) : '(no reply)')}`;
    })
    .join('\n\n');
  const user = [
    `Constraints the user established earlier in the conversation:\n${constraints}`,
    `The replies to judge:\n\n${judged}`,
    `Question: ${s.judge.question.trim()}`,
    'Answer with the JSON object only.',
  ].join('\n\n');
  return { system: SYSTEM, user, sha256: hash(SYSTEM, user) };
}

/** The step_coherence prompt: does this step's reply build on the findings established before it? */
export function coherencePrompt(t: Transcript, s: Scenario, step: number): JudgePrompt {
  const findings = (s.findings ?? []).filter((f) => f.established_in < step).map((f) => `- (step ${f.established_in}) ${f.statement}`);
  const constraints = s.constraints.filter((c) => c.established_in < step).map((c) => `- (step ${c.established_in}) ${c.statement}`);
  const turn = t.turns.find((x) => x.step === step && x.response !== null);
  const user = [
    `Facts established earlier in the conversation:\n${[...constraints, ...findings].join('\n') || '- (none)'}`,
    `Step ${step}, user:\n${fence(s.steps[step - 1]?.prompt ?? '')}`,
    `Step ${step}, assistant:\n${fence(turn ? replyText(turn) : '(no reply)')}`,
    `Question: Does the assistant's step-${step} reply build on the earlier facts where they are relevant, without contradicting any of them? Answer YES if it does, NO if it ignores or contradicts them.`,
    'Answer with the JSON object only.',
  ].join('\n\n');
  return { system: SYSTEM, user, sha256: hash(SYSTEM, user) };
}

/**
 * The judge's verdict, parsed strictly: the last verdict in the reply wins (a judge that
 * changes its mind mid-reply means its final word), and a reply with no verdict, or with a
 * last verdict that is neither YES nor NO, is unscored. Never a pass by default.
 */
export function parseVerdict(reply: string): { verdict: Verdict; reasoning: string } {
  const re = /["']?verdict["']?\s*[:=]\s*["']?([A-Za-z_-]+)/gi;
  let last: string | undefined;
  for (let m = re.exec(reply); m !== null; m = re.exec(reply)) last = m[1];
  const verdict: Verdict = last === undefined ? 'unscored' : last.toUpperCase() === 'YES' ? 'YES' : last.toUpperCase() === 'NO' ? 'NO' : 'unscored';
  const reasoning = /["']?reasoning["']?\s*:\s*"((?:[^"\\]|\\.)*)"/i.exec(reply)?.[1]?.replace(/\\"/g, '"') ?? reply.trim().slice(0, 2000);
  return { verdict, reasoning };
}

/** The majority of the votes that scored; a tie, or no scored vote, is unscored. */
export function majority(votes: readonly Verdict[]): Verdict {
  const yes = votes.filter((v) => v === 'YES').length;
  const no = votes.filter((v) => v === 'NO').length;
  return yes > no ? 'YES' : no > yes ? 'NO' : 'unscored';
}

/** As many YES as NO votes, and at least one of each: what a tie-breaker is asked to settle. */
export function isTie(votes: readonly Verdict[]): boolean {
  const yes = votes.filter((v) => v === 'YES').length;
  return yes > 0 && yes === votes.filter((v) => v === 'NO').length;
}
