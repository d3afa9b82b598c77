import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { validateScenarioBytes } from '../scenario/validate.js';
import { multichallengeScenario, parseMultichallengeQuestion, parseMultichallengeResponse, type MultichallengeQuestion } from './multichallenge.js';

const row = (over: Record<string, unknown> = {}) => ({
  QUESTION_ID: 'q-17',
  AXIS: 'INSTRUCTION_RETENTION',
  CONVERSATION: [
    { role: 'user', content: 'Answer in French from now on.' },
    { role: 'assistant', content: "D'accord." },
    { role: 'user', content: 'What is the capital of Italy?' },
  ],
  TARGET_QUESTION: 'Is the response written in French?',
  PASS_CRITERIA: 'YES',
  ...over,
});

function problem(value: unknown): string {
  const r = parseMultichallengeQuestion(value);
  if (r.ok) throw new Error('expected a problem');
  return r.message;
}

describe('parseMultichallengeQuestion', () => {
  it('accepts a published row', () => {
    const r = parseMultichallengeQuestion(row());
    expect(r.ok && r.value).toMatchObject({ questionId: 'q-17', axis: 'INSTRUCTION_RETENTION', passCriteria: 'YES' });
  });

  it.each([
    ['not an object', [1, 2], /must be a JSON object/],
    ['no id', row({ QUESTION_ID: undefined }), /^missing QUESTION_ID$/],
    ['id of the wrong type', row({ QUESTION_ID: true }), /QUESTION_ID must be a non-empty string, got boolean true/],
    ['no axis', row({ AXIS: undefined }), /^missing AXIS$/],
    ['empty target question', row({ TARGET_QUESTION: '' }), /TARGET_QUESTION must be a non-empty string, got an empty string/],
    ['pass criteria not YES/NO', row({ PASS_CRITERIA: 'yes please' }), /PASS_CRITERIA must be "YES" or "NO", got "yes please"/],
    ['conversation not a list', row({ CONVERSATION: 'hi' }), /CONVERSATION must be an array/],
    ['empty conversation', row({ CONVERSATION: [] }), /CONVERSATION is empty/],
    ['message without content', row({ CONVERSATION: [{ role: 'user' }] }), /CONVERSATION\[0\] must be an object with string role and content/],
    [
      'a system turn',
      row({
        CONVERSATION: [
          { role: 'system', content: 'x' },
          { role: 'user', content: 'y' },
        ],
      }),
      /CONVERSATION\[0\]\.role is "system"/,
    ],
    [
      'starting with the assistant',
      row({
        CONVERSATION: [
          { role: 'assistant', content: 'x' },
          { role: 'user', content: 'y' },
        ],
      }),
      /must start with a user turn, but CONVERSATION\[0\] is assistant/,
    ],
    [
      'two user turns in a row',
      row({
        CONVERSATION: [
          { role: 'user', content: 'x' },
          { role: 'user', content: 'y' },
        ],
      }),
      /CONVERSATION\[1\] is a second user turn in a row/,
    ],
    [
      'ending with the assistant',
      row({
        CONVERSATION: [
          { role: 'user', content: 'x' },
          { role: 'assistant', content: 'y' },
        ],
      }),
      /must end with the user turn/,
    ],
    ['an empty turn', row({ CONVERSATION: [{ role: 'user', content: '  ' }] }), /CONVERSATION\[0\]\.content is empty/],
  ])('rejects %s', (_what, value, message) => {
    expect(problem(value)).toMatch(message);
  });

  it('takes a whole-number id as its decimal text', () => {
    const r = parseMultichallengeQuestion(row({ QUESTION_ID: 42 }));
    expect(r.ok && r.value.questionId).toBe('42');
  });
});

describe('multichallengeScenario', () => {
  const q = (parseMultichallengeQuestion(row()) as { value: MultichallengeQuestion }).value;
  const s = multichallengeScenario(q, 'mc-q-17', { file: 'benchmark_questions.jsonl', line: 9 });

  it('replays the published turns as prefilled history and leaves the final user turn to the model', () => {
    expect(s.history).toBe('prefilled');
    expect(s.steps).toEqual([
      { step: 1, prompt: 'Answer in French from now on.', reply: "D'accord." },
      { step: 2, prompt: 'What is the capital of Italy?' },
    ]);
    expect(s.judge).toEqual({ question: 'Is the response written in French?', steps: [2], pass_answer: 'YES' });
  });

  it('says where it came from and carries the axis as a tag', () => {
    expect(s).toMatchObject({ id: 'mc-q-17', category: 'imported', difficulty: 'hard', constraints: [], tags: ['multichallenge', 'instruction-retention'] });
    expect(s.title).toBe('MultiChallenge instruction retention: q-17');
    expect(s.description).toContain('question q-17');
    expect(s.description).toContain('benchmark_questions.jsonl line 9');
  });

  it('is a valid scenario', () => {
    const v = validateScenarioBytes('mc-q-17.yaml', Buffer.from(stringify(s)));
    expect(v.problems).toEqual([]);
    expect(v.loaded?.scenario).toEqual(s);
  });

  it('makes a one-turn question a single generated step', () => {
    const one = (parseMultichallengeQuestion(row({ CONVERSATION: [{ role: 'user', content: 'Hi' }] })) as { value: MultichallengeQuestion }).value;
    const s1 = multichallengeScenario(one, 'mc-one', { file: 'f.jsonl', line: 1 });
    expect(s1.steps).toEqual([{ step: 1, prompt: 'Hi' }]);
    expect(validateScenarioBytes('mc-one.yaml', Buffer.from(stringify(s1))).problems).toEqual([]);
  });
});

describe('parseMultichallengeResponse', () => {
  it('accepts one response per repeat', () => {
    const r = parseMultichallengeResponse({ QUESTION_ID: 'q-17', RESPONSE: ['Roma.', 'La capitale est Rome.'] });
    expect(r).toEqual({ ok: true, value: { questionId: 'q-17', responses: ['Roma.', 'La capitale est Rome.'] } });
  });

  it.each([
    ['no RESPONSE', { QUESTION_ID: 'q' }, /^missing RESPONSE/],
    ['a RESPONSE that is not a list', { QUESTION_ID: 'q', RESPONSE: 'Rome' }, /RESPONSE must be an array of response texts, got a string/],
    ['an empty RESPONSE', { QUESTION_ID: 'q', RESPONSE: [] }, /RESPONSE is empty/],
    ['a response that is not text', { QUESTION_ID: 'q', RESPONSE: ['ok', null] }, /RESPONSE\[1\] must be a string, got null/],
    ['no id', { RESPONSE: ['x'] }, /^missing QUESTION_ID$/],
  ])('rejects %s', (_what, value, message) => {
    const r = parseMultichallengeResponse(value);
    expect(r.ok ? '' : r.message).toMatch(message);
  });
});
