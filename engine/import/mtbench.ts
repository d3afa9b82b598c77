import type { Scenario } from '../scenario/scenario.js';
import { isRecord, kebab, typeName, type Checked } from './jsonl.js';

/**
 * MT-Bench (Zheng et al. 2023, https://arxiv.org/abs/2306.05685) publishes two-turn questions:
 *
 *     {"question_id": 81, "category": "writing", "turns": ["Compose ...", "Rewrite your previous response ..."]}
 *
 * Every turn is answered by the model (live history), so the scenario is the turns in order.
 * The dataset has no per-question rubric for what carries over between turns, so the judge asks
 * one generic question: does the last answer still follow every instruction given so far? Pure.
 */
export interface MtbenchQuestion {
  questionId: string;
  category: string;
  turns: string[];
}

export function parseMtbenchQuestion(row: unknown): Checked<MtbenchQuestion> {
  const bad = (message: string): Checked<MtbenchQuestion> => ({ ok: false, message });
  if (!isRecord(row)) return bad(`a row must be a JSON object with question_id, category and turns, got ${typeName(row)}`);
  const id = row.question_id;
  if (id === undefined) return bad('missing question_id');
  const idOk = (typeof id === 'number' && Number.isSafeInteger(id)) || (typeof id === 'string' && id.trim() !== '');
  if (!idOk) return bad(`question_id must be a whole number or a non-empty string, got ${typeName(id)}`);
  const category = row.category;
  if (category === undefined) return bad('missing category');
  if (typeof category !== 'string' || category.trim() === '') return bad(`category must be a non-empty string, got ${typeName(category)}`);
  const turns = row.turns;
  if (turns === undefined) return bad('missing turns (an array of user turns)');
  if (!Array.isArray(turns)) return bad(`turns must be an array of user turns, got ${typeName(turns)}`);
  if (turns.length === 0) return bad('turns is empty; a question needs at least one user turn');
  for (const [i, t] of turns.entries()) {
    if (typeof t !== 'string') return bad(`turns[${i}] must be a string, got ${typeName(t)}`);
    if (t.trim() === '') return bad(`turns[${i}] is empty; every turn needs text`);
  }
  return { ok: true, value: { questionId: String(id), category, turns: turns as string[] } };
}

/** The judge's question for the last of `n` turns. */
export function mtbenchJudgeQuestion(n: number): string {
  if (n === 1) return 'Does the reply to step 1 follow every instruction the user gave in it? Answer YES or NO.';
  return (
    `Does the reply to the final turn (step ${n}) follow every instruction the user gave in steps 1-${n}: ` +
    `the final request, and every instruction from the earlier turns that still applies to it? Answer YES or NO.`
  );
}

export function mtbenchScenario(q: MtbenchQuestion, id: string, origin: { file: string; line: number }): Scenario {
  const n = q.turns.length;
  const categoryTag = kebab(q.category);
  return {
    id,
    title: `MT-Bench ${q.category} question ${q.questionId}`.slice(0, 200),
    category: 'imported',
    difficulty: 'medium',
    description:
      `Imported from MT-Bench, question ${q.questionId} (category ${q.category}), row at ${origin.file} line ${origin.line}. ` +
      `Each of its ${n} turn${n === 1 ? '' : 's'} is a step answered by the model with live history; ` +
      'the judge asks whether the last answer still follows every instruction given in the conversation.',
    tags: categoryTag === '' || categoryTag === 'mtbench' ? ['mtbench'] : ['mtbench', categoryTag],
    history: 'live',
    constraints: [],
    steps: q.turns.map((prompt, i) => ({ step: i + 1, prompt })) as Scenario['steps'],
    judge: { question: mtbenchJudgeQuestion(n), steps: [n], pass_answer: 'YES' },
  };
}
