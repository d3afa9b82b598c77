import { describe, expect, it } from 'vitest';
import type { Scenario } from '../scenario/scenario.js';
import type { Transcript, Turn } from '../transcript/format.js';
import { scoreCitations, scoreCost, scoreFirstDrift, scoreSelfCorrections } from './text-scorers.js';
import { constraintRetention } from './score-conversation.js';

const scenario = {
  id: 's',
  constraints: [
    { id: 'budget', statement: '', established_in: 1, cues: ['200\\s*ms'] },
    { id: 'lang', statement: '', established_in: 1, cues: ['spanish'] },
  ],
  steps: [
    { step: 1, prompt: 'p1' },
    { step: 2, prompt: 'p2' },
    { step: 3, prompt: 'p3', probes: [{ constraint: 'lang', kind: 'regex', pattern: 'hola', flags: 'i', expect: 'match' }] },
  ],
  judge: { question: 'q', steps: [3] },
  scoring: { citation_window: { from: 2, to: 3 }, self_correction_phrases: ['\\bhold on\\b'] },
} as unknown as Scenario;

const turn = (step: number, text: string, thinking = '', extra: Partial<Turn> = {}): Turn =>
  ({
    step,
    kind: 'generated',
    user: '',
    request: {} as Turn['request'],
    response: {
      id: null,
      model: null,
      content: [...(thinking ? [{ type: 'thinking', thinking, signature: 's' }] : []), { type: 'text', text }],
      stop_reason: 'end_turn',
      stop_details: null,
      usage: { input_tokens: 10, output_tokens: 5, cache_creation_input_tokens: 1, cache_read_input_tokens: 2, thinking_tokens: 3 },
    },
    timing: { started_at: null, ttft_ms: 1, latency_ms: 10 },
    attempts: [],
    cost_usd: 0.5,
    error: null,
    ...extra,
  }) as Turn;

const transcript = (turns: Turn[]) => ({ turns }) as unknown as Transcript;

describe('scorers', () => {
  it('count citations per constraint inside the window only, and per step everywhere', () => {
    const t = transcript([turn(1, '200 ms, 200ms'), turn(2, 'still 200 ms; and in Spanish'), turn(3, 'Hola. 200 ms. 200 ms.')]);
    const c = scoreCitations(t, scenario);
    expect(c.window).toEqual({ from: 2, to: 3 });
    expect(c.by_constraint).toEqual({ budget: 3, lang: 1 });
    expect(c.total).toBe(4);
    expect(c.by_step['1']).toEqual({ budget: 2, lang: 0 });
  });

  it("count self-corrections in thinking and text separately, with the scenario's own phrases", () => {
    const t = transcript([turn(1, 'Actually, no.', 'Wait, the table is bigger. Hold on, let me reconsider.'), turn(2, 'fine', 'nothing here')]);
    expect(scoreSelfCorrections(t, scenario)).toMatchObject({ thinking: 3, text: 1, by_step: { '1': { thinking: 3, text: 1 }, '2': { thinking: 0, text: 0 } } });
  });

  it('find the first step whose probes fail', () => {
    expect(scoreFirstDrift(transcript([turn(1, 'a'), turn(2, 'b'), turn(3, 'hola')]), scenario)).toMatchObject({ value: null, probed_steps: 1 });
    expect(scoreFirstDrift(transcript([turn(1, 'a'), turn(2, 'b'), turn(3, 'hello')]), scenario)).toMatchObject({ value: 3, failures: [{ step: 3, constraint: 'lang' }] });
  });

  it('measure retention on the final answer and leave unjudgeable constraints out', () => {
    const r = constraintRetention(transcript([turn(1, 'a'), turn(2, 'b'), turn(3, 'hello')]), scenario, 'NO');
    expect(r).toEqual({ value: 0, step: 3, honoured: [], violated: ['lang'], unknown: ['budget'] });
  });

  it('sum usage and cost, and make the cost unknown when one turn has no price', () => {
    expect(scoreCost(transcript([turn(1, 'a'), turn(2, 'b')]))).toMatchObject({ usd: 1, input_tokens: 20, output_tokens: 10, cache_read_input_tokens: 4, thinking_tokens: 6 });
    expect(scoreCost(transcript([turn(1, 'a'), turn(2, 'b', '', { cost_usd: null })])).usd).toBeNull();
  });
});
