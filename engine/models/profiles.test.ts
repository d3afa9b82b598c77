import { describe, expect, it } from 'vitest';
import { loadSchema } from '../schemas/compile.js';
import {
  EFFORT_LEVELS,
  EFFORTS,
  effectiveEffort,
  expectedOutputFor,
  findProfile,
  isRehearsalModel,
  loadProfiles,
  maxTokensFor,
  suggestModels,
  supportsEffort,
} from './profiles.js';

const profiles = loadProfiles();
const claude = profiles.filter((p) => !isRehearsalModel(p.id));
const get = (model: string) => findProfile(profiles, model)!;

/** Every model the docs list today (working-with-messages supportedModels), plus the retired ones. */
const AVAILABLE = [
  'claude-fable-5-2',
  'claude-mythos-5-2',
  'claude-fable-5-1',
  'claude-mythos-5-1',
  'claude-fable-5',
  'claude-mythos-5',
  'claude-mythos-preview',
  'claude-opus-5-5',
  'claude-opus-5',
  'claude-sonnet-5-5',
  'claude-sonnet-5',
  'claude-haiku-5-5',
  'claude-haiku-4-5-20251001',
  'claude-opus-4-8',
  'claude-opus-4-7',
  'claude-opus-4-6',
  'claude-sonnet-4-6',
  'claude-opus-4-5-20251101',
  'claude-sonnet-4-5-20250929',
];

describe('the shipped model profiles', () => {
  it('cover every model available today, the deprecated and the retired ones, under their API ids', () => {
    for (const id of AVAILABLE) expect(get(id), id).toMatchObject({ id });
    expect(['claude-opus-4-1', 'claude-opus-4-0', 'claude-sonnet-4-0'].map((m) => [get(m).id, get(m).lifecycle])).toEqual([
      ['claude-opus-4-1-20250805', 'retired'],
      ['claude-opus-4-20250514', 'retired'],
      ['claude-sonnet-4-20250514', 'retired'],
    ]);
    expect(get('claude-sonnet-4-5')).toMatchObject({ lifecycle: 'deprecated', retires_at: '2026-11-30' });
    expect(get('claude-opus-4-5')).toMatchObject({ lifecycle: 'deprecated', retires_at: '2027-01-22' });
    expect(findProfile(profiles, 'gpt-unknown')).toBeUndefined();
  });

  it('have one owner for every name, and list each guessed alias among the aliases', () => {
    const names = profiles.flatMap((p) => [p.id, ...p.aliases]);
    expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([]);
    for (const p of profiles) for (const a of p.unverified_aliases ?? []) expect(p.aliases, p.id).toContain(a);
    // Confirmed on openrouter.ai, so not marked as guesses.
    for (const id of ['anthropic/claude-opus-5.5', 'anthropic/claude-sonnet-5.5', 'anthropic/claude-haiku-5.5', 'anthropic/claude-fable-5.1', 'anthropic/claude-fable-5']) {
      expect(get(id).unverified_aliases, id).toBeUndefined();
    }
    // Where OpenRouter's docs name one spelling, that one is sent (the first anthropic/ alias).
    expect(get('claude-opus-4-7').aliases[0]).toBe('anthropic/claude-4.7-opus');
    expect(get('claude-opus-4-7').unverified_aliases).toEqual(['anthropic/claude-opus-4.7']);
  });

  it('never allow sampling parameters on a real model, and say why', () => {
    for (const p of claude) {
      expect(p.sampling, p.id).toMatchObject({ temperature: false, top_p: false, top_k: false });
      expect(p.sampling.reason, p.id).toContain('2026-10-21');
    }
  });

  it('default Opus 5.5 and Haiku 5.5 to medium effort and the other effort models to high', () => {
    for (const p of claude) {
      const want = p.efforts.length === 0 ? null : ['claude-opus-5-5', 'claude-haiku-5-5'].includes(p.id) ? 'medium' : 'high';
      expect(p.default_effort, p.id).toBe(want);
      if (p.default_effort) expect(p.efforts, p.id).toContain(p.default_effort);
    }
    expect(get('claude-opus-4-6').efforts).toEqual(['low', 'medium', 'high', 'max']);
    expect(get('claude-opus-4-5').efforts).toEqual(['low', 'medium', 'high']);
    expect(get('claude-haiku-4-5').efforts).toEqual([]);
  });

  it('keep thinking always on where it cannot be turned off, and never list disabled there', () => {
    for (const id of ['claude-opus-5-5', 'claude-fable-5-2', 'claude-fable-5-1', 'claude-fable-5', 'claude-mythos-5-1', 'claude-mythos-preview']) {
      expect(get(id).thinking, id).toMatchObject({ types: ['adaptive'], can_disable: false, on_by_default: true });
    }
    // Sonnet 5.5 turns thinking off with between_tools, never disabled, and only up to high.
    expect(get('claude-sonnet-5-5').thinking).toMatchObject({ types: ['adaptive', 'between_tools'], can_disable: true, disable_max_effort: 'high' });
    for (const p of claude) {
      const off = p.thinking.types.includes('disabled') || p.thinking.types.includes('between_tools');
      if (p.thinking.can_disable !== null) expect(p.thinking.can_disable, p.id).toBe(off);
    }
  });

  it('leave thinking text omitted by default on the 5.x line and on Opus 4.7 and 4.8, summarized before', () => {
    for (const p of claude.filter((x) => /^claude-[a-z]+-5(-\d)?$|mythos-preview/.test(x.id))) expect(p.thinking.display_default, p.id).toBe('omitted');
    expect(get('claude-opus-4-7').thinking.display_default).toBe('omitted');
    expect(get('claude-opus-4-6').thinking.display_default).toBe('summarized');
  });

  it('send max_tokens with room for thinking, within the model, for every effort it takes', () => {
    for (const p of profiles) {
      const keys = Object.keys(p.max_tokens).sort();
      expect(keys, p.id).toEqual(['default', ...p.efforts].sort());
      expect(Object.keys(p.expected_output_tokens).sort(), p.id).toEqual(keys);
      for (const n of Object.values(p.max_tokens)) if (p.max_output_tokens !== null) expect(n, p.id).toBeLessThanOrEqual(p.max_output_tokens);
      if (p.default_effort) expect(p.max_tokens.default, p.id).toBe(p.max_tokens[p.default_effort]);
    }
    expect(maxTokensFor(get('claude-opus-4-7'), 'xhigh')).toBe(64000);
    expect(maxTokensFor(get('claude-opus-5-5'), 'standard')).toBe(32000);
    expect(maxTokensFor(get('claude-haiku-4-5'), 'high')).toBe(16000);
    expect(expectedOutputFor(get('claude-opus-5-5'), 'default')).toBe(get('claude-opus-5-5').expected_output_tokens.medium);
  });

  it('carry a source for each group of facts they state, and a price for every current model', () => {
    for (const p of claude) {
      expect(p.sources.thinking ?? p.unverified?.includes('thinking'), p.id).toBeTruthy();
      expect(p.sources.sampling, p.id).toBeDefined();
      if (p.prices) expect(p.sources.prices, p.id).toBeDefined();
      if (p.efforts.length > 0 && !p.unverified?.includes('efforts')) expect(p.sources.efforts, p.id).toBeDefined();
      if (p.lifecycle === 'retired' || p.lifecycle === 'deprecated') expect(p.retires_at, p.id).not.toBeNull();
    }
    expect(claude.filter((p) => (p.lifecycle === 'active' || p.lifecycle === 'legacy') && p.prices === null).map((p) => p.id)).toEqual([]);
    // Mythos 5.2 has no published price: it is priced as its Fable twin, and says so.
    expect(get('claude-mythos-5-2').prices).toEqual(get('claude-fable-5-2').prices);
    expect(get('claude-mythos-5-2').unverified).toContain('prices');
  });
});

describe('efforts', () => {
  it('are the schema matrix enum: default and standard, then the levels', () => {
    const matrix = loadSchema('matrix') as { properties: { efforts: { items: { enum: string[] } } } };
    expect([...EFFORTS]).toEqual(matrix.properties.efforts.items.enum);
    expect(EFFORTS.slice(2)).toEqual(EFFORT_LEVELS);
  });

  it('resolve default and standard to the model own default level', () => {
    expect(effectiveEffort(get('claude-opus-5-5'), 'default')).toBe('medium');
    expect(effectiveEffort(get('claude-opus-5-5'), 'standard')).toBe('medium');
    expect(effectiveEffort(get('claude-opus-4-7'), 'default')).toBe('high');
    expect(effectiveEffort(get('claude-opus-4-7'), 'xhigh')).toBe('xhigh');
    expect(effectiveEffort(get('claude-haiku-4-5'), 'default')).toBeNull();
  });

  it('are supported at default always and at a level only where the model takes it', () => {
    expect(supportsEffort(get('claude-haiku-4-5'), 'default')).toBe(true);
    expect(supportsEffort(get('claude-haiku-4-5'), 'standard')).toBe(true);
    expect(supportsEffort(get('claude-haiku-4-5'), 'low')).toBe(false);
    expect(supportsEffort(get('claude-opus-4-6'), 'xhigh')).toBe(false);
    expect(supportsEffort(get('claude-opus-4-6'), 'max')).toBe(true);
  });
});

describe('suggestModels', () => {
  const known = profiles.flatMap((p) => [p.id, ...p.aliases]);

  it('finds the model a dotted, prefixed or mistyped name means', () => {
    expect(suggestModels('claude-opus-5.5', known)[0]).toBe('claude-opus-5-5');
    expect(suggestModels('Claude-Sonnet-5-5', known)[0]).toBe('claude-sonnet-5-5');
    expect(suggestModels('claude-opsu-4-7', known)).toContain('claude-opus-4-7');
    expect(suggestModels('opus-5-5', known)).toContain('claude-opus-5-5');
  });

  it('suggests nothing for a name that is nothing like a model', () => {
    expect(suggestModels('gpt-4o', known)).toEqual([]);
    expect(suggestModels('', known)).toEqual([]);
  });
});
