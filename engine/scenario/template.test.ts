import { describe, expect, it } from 'vitest';
import { axesOf, canonical, chooseCombinations, combinationAt, combinationCount, instanceId, referencesOf, renderInstance } from './template.js';
import type { Scenario } from './scenario.js';

describe('template variables', () => {
  it('spell out lists, records and ranges; a range keeps its step decimals', () => {
    const axes = axesOf({ a: [1, 2], r: [{ x: 'p' }, { x: 'q' }], g: { from: 0.1, to: 0.5, step: 0.1 } });
    expect(axes.map((x) => x.values)).toEqual([
      [1, 2],
      [{ x: 'p' }, { x: 'q' }],
      [0.1, 0.2, 0.3, 0.4, 0.5],
    ]);
    expect(combinationCount(axes)).toBe(20);
    expect(axesOf({ n: { from: 10, to: 30 } })[0]!.values).toEqual([10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30]);
  });

  it('every index is a different combination, and every combination has an index', () => {
    const axes = axesOf({ a: [1, 2, 3], b: ['x', 'y'], c: [true, false] });
    const all = Array.from({ length: combinationCount(axes) }, (_, i) => canonical(combinationAt(axes, i)));
    expect(new Set(all).size).toBe(12);
    expect(combinationAt(axes, 0)).toEqual({ a: 1, b: 'x', c: true });
    expect(combinationAt(axes, 11)).toEqual({ a: 3, b: 'y', c: false });
  });
});

describe('choosing instances', () => {
  it('takes every combination up to the cap, in order', () => {
    expect(chooseCombinations(5, { cap: 10 })).toEqual({ indices: [0, 1, 2, 3, 4], sampled: false });
  });

  it('draws a distinct, seeded sample past the cap or when asked for fewer', () => {
    const a = chooseCombinations(1000, { count: 30, seed: 7 });
    expect(a.sampled).toBe(true);
    expect(new Set(a.indices).size).toBe(30);
    expect(a.indices.every((i) => i >= 0 && i < 1000)).toBe(true);
    expect(chooseCombinations(1000, { count: 30, seed: 7 })).toEqual(a);
    expect(chooseCombinations(1000, { count: 30, seed: 8 }).indices).not.toEqual(a.indices);
    expect(chooseCombinations(1000, { cap: 24 }).indices).toHaveLength(24);
  });

  it('never draws more than there are', () => {
    expect(chooseCombinations(3, { count: 3, seed: 1 }).indices).toEqual([0, 1, 2]);
  });
});

describe('instances', () => {
  const template = {
    id: 'lock',
    title: 'Budget {{ms}} ms on {{t.name}}',
    category: 'memory-trap',
    difficulty: 'easy',
    description: 'd',
    variables: { ms: [200], t: [{ name: 'a.b', rows: '8' }] },
    constraints: [{ id: 'c', statement: 's {{ms}}', established_in: 1, cues: ['{{t.name | regex}}', '{{t.name}}'] }],
    steps: [{ step: 1, prompt: 'p {{t.rows}}' }],
    judge: { question: 'q', steps: [1] },
  } as unknown as Scenario & { variables: NonNullable<Scenario['variables']> };

  it('replace every reference, escape for regex on request, drop the variables and record where they came from', () => {
    const i = renderInstance(template, { ms: 200, t: { name: 'a.b', rows: '8' } }, 'f'.repeat(64));
    expect(i.title).toBe('Budget 200 ms on a.b');
    expect(i.constraints[0]!.cues).toEqual(['a\\.b', 'a.b']);
    expect(i.steps[0]!.prompt).toBe('p 8');
    expect(i).not.toHaveProperty('variables');
    expect(i.family).toBe('lock');
    expect(i.instance).toEqual({ template: 'lock', template_hash: 'f'.repeat(64), values: { ms: 200, t: { name: 'a.b', rows: '8' } } });
    expect(i.id).toMatch(/^lock--[0-9a-f]{6}$/);
  });

  it('have ids that depend on the values only, whatever order the keys come in', () => {
    expect(instanceId('x', { a: 1, b: { p: 1, q: 2 } })).toBe(instanceId('x', { b: { q: 2, p: 1 }, a: 1 }));
    expect(instanceId('x', { a: 1 })).not.toBe(instanceId('x', { a: 2 }));
  });

  it('references are found with the pointer of the string that holds them, never inside variables', () => {
    expect(referencesOf(template).map((r) => `${r.pointer} ${r.text}`)).toEqual([
      '/title {{ms}}',
      '/title {{t.name}}',
      '/constraints/0/statement {{ms}}',
      '/constraints/0/cues/0 {{t.name | regex}}',
      '/constraints/0/cues/1 {{t.name}}',
      '/steps/0/prompt {{t.rows}}',
    ]);
  });
});
