import type { Scenario, Step } from '../scenario/scenario.js';
import { isRecord, kebab, typeName, type Checked } from './jsonl.js';

/**
 * MultiChallenge (Sirdeshmukh et al. 2025, https://arxiv.org/abs/2501.17399) publishes each
 * question as a conversation that ends with a user turn, a yes/no question for a judge about
 * the model's answer to that turn, and which answer passes:
 *
 *     {"QUESTION_ID": "...", "AXIS": "INSTRUCTION_RETENTION",
 *      "CONVERSATION": [{"role": "user", "content": "..."}, {"role": "assistant", ...}, ...],
 *      "TARGET_QUESTION": "Does the response ...?", "PASS_CRITERIA": "YES"}
 *
 * The earlier turns are the dataset's own (its assistant replies were written for the
 * benchmark), so the scenario replays them as prefilled history and only the last user turn is
 * answered by the model under test. Pure: rows in, scenario values out.
 */
export interface MultichallengeQuestion {
  questionId: string;
  axis: string;
  conversation: Array<{ role: 'user' | 'assistant'; content: string }>;
  targetQuestion: string;
  passCriteria: 'YES' | 'NO';
}

/** Checks one parsed row; the message says what is wrong in the row's own terms. */
export function parseMultichallengeQuestion(row: unknown): Checked<MultichallengeQuestion> {
  const bad = (message: string): Checked<MultichallengeQuestion> => ({ ok: false, message });
  if (!isRecord(row)) return bad(`a row must be a JSON object with QUESTION_ID, AXIS, CONVERSATION, TARGET_QUESTION and PASS_CRITERIA, got ${typeName(row)}`);
  const id = questionIdOf(row, 'QUESTION_ID');
  if (!id.ok) return id;
  for (const key of ['AXIS', 'TARGET_QUESTION'] as const) {
    const problem = textProblem(row, key);
    if (problem) return bad(problem);
  }
  const pass = row.PASS_CRITERIA;
  if (pass === undefined) return bad('missing PASS_CRITERIA ("YES" or "NO": the judge answer that passes)');
  if (pass !== 'YES' && pass !== 'NO') return bad(`PASS_CRITERIA must be "YES" or "NO", got ${JSON.stringify(pass)}`);

  const conv = row.CONVERSATION;
  if (conv === undefined) return bad('missing CONVERSATION (an array of {role, content} messages)');
  if (!Array.isArray(conv)) return bad(`CONVERSATION must be an array of {role, content} messages, got ${typeName(conv)}`);
  if (conv.length === 0) return bad('CONVERSATION is empty; it needs at least the final user turn');
  const conversation: MultichallengeQuestion['conversation'] = [];
  for (const [i, m] of conv.entries()) {
    const at = `CONVERSATION[${i}]`;
    if (!isRecord(m) || typeof m.role !== 'string' || typeof m.content !== 'string') return bad(`${at} must be an object with string role and content`);
    if (m.role !== 'user' && m.role !== 'assistant') return bad(`${at}.role is ${JSON.stringify(m.role)}; only user and assistant turns can be imported`);
    if (m.content.trim() === '') return bad(`${at}.content is empty; every turn needs text`);
    const expected = i % 2 === 0 ? 'user' : 'assistant';
    if (m.role !== expected) {
      return bad(
        i === 0 ? `CONVERSATION must start with a user turn, but ${at} is ${m.role}` : `${at} is a second ${m.role} turn in a row; roles must alternate user, assistant, user...`,
      );
    }
    conversation.push({ role: m.role, content: m.content });
  }
  if (conversation.at(-1)?.role !== 'user') return bad('CONVERSATION must end with the user turn the model answers, but it ends with an assistant turn');
  return { ok: true, value: { questionId: id.value, axis: row.AXIS as string, conversation, targetQuestion: row.TARGET_QUESTION as string, passCriteria: pass } };
}

/** The scenario for a checked question; `origin` names the row it came from. */
export function multichallengeScenario(q: MultichallengeQuestion, id: string, origin: { file: string; line: number }): Scenario {
  const steps: Step[] = [];
  for (let i = 0; i < q.conversation.length; i += 2) {
    const prompt = q.conversation[i]!.content;
    const reply = q.conversation[i + 1]?.content;
    steps.push({ step: steps.length + 1, prompt, ...(reply === undefined ? {} : { reply }) });
  }
  const last = steps.length;
  const axisTag = kebab(q.axis);
  const earlier = last === 1 ? 'There is no earlier history' : `Steps 1-${last - 1} replay the published conversation as prefilled history`;
  return {
    id,
    title: clip(`MultiChallenge ${q.axis.toLowerCase().replace(/_+/g, ' ')}: ${q.questionId}`, 200),
    category: 'imported',
    difficulty: 'hard',
    description:
      `Imported from MultiChallenge, question ${q.questionId} (axis ${q.axis}), row at ${origin.file} line ${origin.line}. ` +
      `${earlier}; step ${last}, the final user turn, is answered by the model. ` +
      `The judge asks the dataset's own target question, and ${q.passCriteria} passes.`,
    tags: axisTag === '' || axisTag === 'multichallenge' ? ['multichallenge'] : ['multichallenge', axisTag],
    history: 'prefilled',
    // No constraints: an axis names a kind of challenge, not a statement with cues to cite.
    constraints: [],
    steps: steps as Scenario['steps'],
    judge: { question: q.targetQuestion, steps: [last], pass_answer: q.passCriteria },
  };
}

/** A MultiChallenge response row: `{QUESTION_ID, RESPONSE: ["...", ...]}`, one entry per repeat. */
export interface MultichallengeResponse {
  questionId: string;
  responses: string[];
}

export function parseMultichallengeResponse(row: unknown): Checked<MultichallengeResponse> {
  if (!isRecord(row)) return { ok: false, message: `a row must be a JSON object with QUESTION_ID and RESPONSE, got ${typeName(row)}` };
  const id = questionIdOf(row, 'QUESTION_ID');
  if (!id.ok) return id;
  const r = row.RESPONSE;
  if (r === undefined) return { ok: false, message: 'missing RESPONSE (an array of response texts, one per repeat)' };
  if (!Array.isArray(r)) return { ok: false, message: `RESPONSE must be an array of response texts, got ${typeName(r)}` };
  if (r.length === 0) return { ok: false, message: 'RESPONSE is empty; it needs at least one response text' };
  const wrong = r.findIndex((x) => typeof x !== 'string');
  if (wrong >= 0) return { ok: false, message: `RESPONSE[${wrong}] must be a string, got ${typeName(r[wrong])}` };
  return { ok: true, value: { questionId: id.value, responses: r as string[] } };
}

/** Question ids are strings in the published data; whole numbers are taken too, as their decimal text. */
function questionIdOf(row: Record<string, unknown>, key: string): Checked<string> {
  const v = row[key];
  if (v === undefined) return { ok: false, message: `missing ${key}` };
  if (typeof v === 'number' && Number.isSafeInteger(v)) return { ok: true, value: String(v) };
  if (typeof v !== 'string' || v.trim() === '') return { ok: false, message: `${key} must be a non-empty string, got ${typeName(v)}` };
  return { ok: true, value: v };
}

function textProblem(row: Record<string, unknown>, key: string): string | undefined {
  const v = row[key];
  if (v === undefined) return `missing ${key}`;
  if (typeof v !== 'string' || v.trim() === '') return `${key} must be a non-empty string, got ${typeName(v)}`;
  return undefined;
}

function clip(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 3)}...`;
}
