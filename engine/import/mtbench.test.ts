import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { validateScenarioBytes } from '../scenario/validate.js';
import { mtbenchJudgeQuestion, mtbenchScenario, parseMtbenchQuestion, type MtbenchQuestion } from './mtbench.js';

const row = { question_id: 81, category: 'writing', turns: ['Write a haiku about rain.', 'Now rewrite it so every line starts with the letter R.'] };

describe('parseMtbenchQuestion', () => {
  it('accepts a published row and ignores fields it does not use', () => {
    const r = parseMtbenchQuestion({ ...row, reference: ['x'] });
    expect(r).toEqual({ ok: true, value: { questionId: '81', category: 'writing', turns: row.turns } });
  });

  it.each([
    ['not an object', 'row', /must be a JSON object/],
    ['no id', { ...row, question_id: undefined }, /^missing question_id$/],
    ['a fractional id', { ...row, question_id: 1.5 }, /question_id must be a whole number or a non-empty string, got number 1.5/],
    ['no category', { ...row, category: undefined }, /^missing category$/],
    ['turns not a list', { ...row, turns: 'hi' }, /turns must be an array/],
    ['no turns', { ...row, turns: [] }, /turns is empty/],
    ['a turn that is not text', { ...row, turns: ['a', 2] }, /turns\[1\] must be a string, got number 2/],
    ['an empty turn', { ...row, turns: ['a', ''] }, /turns\[1\] is empty/],
  ])('rejects %s', (_what, value, message) => {
    const r = parseMtbenchQuestion(value);
    expect(r.ok ? '' : r.message).toMatch(message);
  });
});

describe('mtbenchScenario', () => {
  const q = (parseMtbenchQuestion(row) as { value: MtbenchQuestion }).value;
  const s = mtbenchScenario(q, 'mtbench-81', { file: 'question.jsonl', line: 1 });

  it('makes every turn a live step and judges the last against every instruction so far', () => {
    expect(s.history).toBe('live');
    expect(s.steps).toEqual([
      { step: 1, prompt: 'Write a haiku about rain.' },
      { step: 2, prompt: 'Now rewrite it so every line starts with the letter R.' },
    ]);
    expect(s.judge).toEqual({ question: mtbenchJudgeQuestion(2), steps: [2], pass_answer: 'YES' });
    expect(s.judge.question).toMatch(/final turn \(step 2\).*every instruction/);
    expect(s).toMatchObject({ category: 'imported', constraints: [], tags: ['mtbench', 'writing'] });
    expect(s.fixtures).toBeUndefined();
  });

  it('is a valid scenario', () => {
    const v = validateScenarioBytes('mtbench-81.yaml', Buffer.from(stringify(s)));
    expect(v.problems).toEqual([]);
  });
});
