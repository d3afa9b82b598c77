import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { historyFor, messagesHash } from '../replay/request.js';
import type { LoadedScenario, Scenario } from '../scenario/scenario.js';
import { validatorFor } from '../schemas/compile.js';
import { replyText } from '../transcript/format.js';
import { importedTranscript, modelFromFileName } from './responses.js';

const scenario: Scenario = {
  id: 'mc-q-17',
  title: 'MultiChallenge instruction retention: q-17',
  category: 'imported',
  difficulty: 'hard',
  description: 'test',
  history: 'prefilled',
  constraints: [],
  steps: [
    { step: 1, prompt: 'Answer in French from now on.', reply: "D'accord." },
    { step: 2, prompt: 'Thanks. And the weather?', reply: 'Il fait beau.' },
    { step: 3, prompt: 'What is the capital of Italy?' },
  ],
  judge: { question: 'Is the response written in French?', steps: [3], pass_answer: 'YES' },
};
const loaded: LoadedScenario = { file: 'mc-q-17.yaml', hash: createHash('sha256').update('x').digest('hex'), bytes: new TextEncoder().encode('x'), scenario };

describe('importedTranscript', () => {
  const t = importedTranscript({
    runId: 'imported-multichallenge',
    loaded,
    model: 'claude-opus-4-7',
    repeat: 2,
    response: 'La capitale est Rome.',
    imported: { source: 'multichallenge', file: 'claude-opus-4-7.jsonl' },
  });

  it('is a valid transcript of a finished conversation', () => {
    const validate = validatorFor('transcript');
    expect(validate(t), JSON.stringify(validate.errors)).toBe(true);
    expect(t).toMatchObject({
      conversation_id: 'mc-q-17__claude-opus-4-7__standard__r2',
      scenario: { id: 'mc-q-17', hash: loaded.hash },
      cell: { model: 'claude-opus-4-7', effort: 'standard', repeat: 2 },
      provider: { name: 'imported', base_url_host: null },
      status: 'complete',
      imported: { source: 'multichallenge', file: 'claude-opus-4-7.jsonl' },
    });
  });

  it('holds the prefilled history, then the published response as the generated turn', () => {
    expect(t.turns.map((x) => [x.step, x.kind, x.user, replyText(x)])).toEqual([
      [1, 'prefilled', 'Answer in French from now on.', "D'accord."],
      [2, 'prefilled', 'Thanks. And the weather?', 'Il fait beau.'],
      [3, 'generated', 'What is the capital of Italy?', 'La capitale est Rome.'],
    ]);
    const last = t.turns[2]!;
    expect(last.response).toMatchObject({ stop_reason: 'end_turn', usage: { input_tokens: 0, output_tokens: 0 } });
    expect(last).toMatchObject({ cost_usd: null, attempts: [], timing: { started_at: null, ttft_ms: null, latency_ms: null } });
  });

  it('records the hash of the history each turn followed, as a replay does', () => {
    const messages = historyFor(t.turns.slice(0, 2), 'What is the capital of Italy?');
    expect(t.turns[2]!.request).toMatchObject({ message_count: 5, messages_sha256: messagesHash(messages) });
    expect(t.turns[0]!.request.message_count).toBe(1);
  });

  it('refuses a scenario whose generated step is not the last', () => {
    const odd: Scenario = {
      ...scenario,
      steps: [
        { step: 1, prompt: 'a' },
        { step: 2, prompt: 'b', reply: 'c' },
      ],
    };
    expect(() => importedTranscript({ runId: 'r', loaded: { ...loaded, scenario: odd }, model: 'm', repeat: 1, response: 'x', imported: { source: 'multichallenge' } })).toThrow(
      /only the last step/,
    );
  });
});

describe('modelFromFileName', () => {
  it('is the base name without its extension', () => {
    expect(modelFromFileName('responses/claude-opus-4-7.jsonl')).toBe('claude-opus-4-7');
    expect(modelFromFileName('gpt-4.1.jsonl')).toBe('gpt-4.1');
    expect(modelFromFileName('C:\\data\\o3')).toBe('o3');
  });
});
