import { describe, expect, it } from 'vitest';
import { LOCK_BUDGET, testTranscript, testTurn } from '../../test/helpers/transcripts.js';
import { validatorFor } from '../schemas/compile.js';
import { loadProfiles } from '../models/profiles.js';
import type { Scenario } from '../scenario/scenario.js';
import type { Transcript, Turn } from '../transcript/format.js';
import { cellName, fallbackCells, fallbackCount, fallbackTurns, sameModel, type ModelNames } from './fallback.js';

const names: ModelNames = { profiles: loadProfiles() };
const scenario = { ...LOCK_BUDGET, steps: [1, 2, 3, 4, 5].map((step) => ({ step, prompt: `step ${step}` })) } as Scenario;

/** A turn that `model` answered; null is a reply no model produced (prefilled, distractor, imported). */
function turn(step: number, model: string | null, kind: Turn['kind'] = 'generated'): Turn {
  const t = testTurn(scenario, step, 'ok', { kind });
  return { ...t, response: { ...t.response!, model } };
}

/** A transcript that asked for `requested`, checked against the transcript schema. */
function transcript(requested: string, turns: Turn[]): Transcript {
  const t = { ...testTranscript(scenario, turns), model_requested: requested };
  const validate = validatorFor('transcript');
  if (!validate(t)) throw new Error(JSON.stringify(validate.errors));
  return t;
}

describe('sameModel', () => {
  it('takes an alias and the dated id that answers it for one model', () => {
    // GET /v1/models/claude-haiku-4-5 and every message answered for it name claude-haiku-4-5-20251001.
    expect(sameModel('claude-haiku-4-5', 'claude-haiku-4-5-20251001', names)).toBe(true);
    expect(sameModel('claude-opus-4-5', 'claude-opus-4-5-20251101', names)).toBe(true);
  });

  it("takes OpenRouter's id and the API id for one model", () => {
    expect(sameModel('anthropic/claude-opus-4.7', 'claude-opus-4-7', names)).toBe(true);
    expect(sameModel('anthropic/claude-opus-5.5', 'anthropic/claude-opus-5.5', names)).toBe(true);
    expect(sameModel('anthropic/claude-opus-4.7', 'anthropic/claude-opus-4.6', names)).toBe(false);
  });

  it('tells two models apart, profiled or not', () => {
    expect(sameModel('claude-opus-5-5', 'claude-sonnet-5-5', names)).toBe(false);
    expect(sameModel('claude-haiku-4-5', 'claude-sonnet-4-5-20250929', names)).toBe(false);
    // Neither profiled: the strings decide.
    expect(sameModel('rehearsal:pass', 'rehearsal:pass', names)).toBe(true);
    expect(sameModel('acme-large', 'acme-small', names)).toBe(false);
    // One profiled, one not: two models.
    expect(sameModel('claude-opus-5-5', 'acme-large', names)).toBe(false);
  });

  it("uses the run's Models API answers for a model the profiles do not know yet", () => {
    const resolved = [{ requested: 'claude-opus-9', id: 'claude-opus-9-20300101' }];
    expect(sameModel('claude-opus-9', 'claude-opus-9-20300101', names)).toBe(false);
    expect(sameModel('claude-opus-9', 'claude-opus-9-20300101', { ...names, resolved })).toBe(true);
    expect(sameModel('claude-opus-9', 'claude-opus-5-5', { ...names, resolved })).toBe(false);
  });
});

describe('fallbackTurns', () => {
  it('finds the turns another model answered, by step and as the provider named the model', () => {
    const t = transcript('claude-opus-5-5', [turn(1, 'claude-opus-5-5'), turn(2, 'claude-sonnet-5-5'), turn(3, 'claude-opus-5-5'), turn(4, 'claude-haiku-5-5')]);
    expect(fallbackTurns(t, names)).toEqual([
      { step: 2, answered_by: 'claude-sonnet-5-5' },
      { step: 4, answered_by: 'claude-haiku-5-5' },
    ]);
  });

  it('finds none where an alias was answered by its dated id, or an OpenRouter id by the API id', () => {
    expect(fallbackTurns(transcript('claude-haiku-4-5', [turn(1, 'claude-haiku-4-5-20251001'), turn(2, 'claude-haiku-4-5-20251001')]), names)).toEqual([]);
    expect(fallbackTurns(transcript('anthropic/claude-opus-4.7', [turn(1, 'claude-opus-4-7'), turn(2, 'anthropic/claude-opus-4.7')]), names)).toEqual([]);
  });

  it('does not count turns no model answered: prefilled, distractors, failed turns, imported replies', () => {
    const failed = { ...turn(4, null), response: null };
    const t = transcript('claude-opus-5-5', [turn(1, null, 'prefilled'), turn(2, null, 'distractor'), turn(3, null), failed, turn(5, 'claude-opus-5-5')]);
    expect(fallbackTurns(t, names)).toEqual([]);
  });
});

describe('fallbackCells', () => {
  it('counts conversations and turns per cell, naming every model that answered instead', () => {
    const opus = { model: 'claude-opus-5-5', effort: 'high', condition: 'baseline', distance: 0 };
    const haiku = { model: 'claude-haiku-4-5', effort: 'default', condition: 'ledger', distance: 10 };
    const cells = fallbackCells([
      { cell: opus, turns: [{ step: 2, answered_by: 'claude-sonnet-5-5' }] },
      { cell: opus, turns: [] },
      {
        cell: opus,
        turns: [
          { step: 1, answered_by: 'claude-sonnet-5-5' },
          { step: 3, answered_by: 'claude-haiku-5-5' },
        ],
      },
      { cell: haiku, turns: [] },
    ]);
    expect(cells).toEqual([{ cell: opus, conversations: 2, turns: 3, answered_by: ['claude-haiku-5-5', 'claude-sonnet-5-5'] }]);
    expect(`${cellName(cells[0]!.cell)}: ${fallbackCount(cells[0]!)}`).toBe(
      'claude-opus-5-5 / high: 3 turn(s) in 2 conversation(s) answered by another model (claude-haiku-5-5, claude-sonnet-5-5)',
    );
    expect(cellName(haiku)).toBe('claude-haiku-4-5 / default / ledger / distance 10');
  });
});
