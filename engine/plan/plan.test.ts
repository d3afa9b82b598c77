import { describe, expect, it } from 'vitest';
import { buildPlan, conversationId, loadAxes, publicBaseUrl, safeName, unionCells } from './plan.js';

describe('plan', () => {
  it('reads the original benchmark axes from data', () => {
    const axes = loadAxes();
    expect(axes.model).toMatchObject({ models: ['claude-opus-4-7', 'claude-opus-4-6'], efforts: ['high'] });
    expect(axes.effort).toMatchObject({ models: ['claude-opus-4-7'], efforts: ['standard', 'high', 'xhigh'] });
    // no axis = every preset, without the shared cell twice
    expect(unionCells(axes.model!, axes.effort!)).toEqual([
      { model: 'claude-opus-4-7', effort: 'high' },
      { model: 'claude-opus-4-6', effort: 'high' },
      { model: 'claude-opus-4-7', effort: 'standard' },
      { model: 'claude-opus-4-7', effort: 'xhigh' },
    ]);
  });

  it('makes names that cannot leave their folder', () => {
    expect(safeName('../../etc/passwd')).toBe('etc_passwd');
    expect(safeName('anthropic/claude-opus-4.7')).toBe('anthropic_claude-opus-4.7');
    expect(safeName('rehearsal:pass')).toBe('rehearsal_pass');
    expect(safeName('...')).toBe('x');
    expect(conversationId('t1', { model: 'rehearsal:fail', effort: 'high' }, 2)).toBe('t1__rehearsal_fail__high__r2');
  });

  it('gives every conversation its own id and file: models that clean to one name, and names over 120 characters (issue 17)', () => {
    const scenario = { file: 's1.yaml', hash: 'a'.repeat(64), bytes: new Uint8Array(), scenario: { id: 's1' } as never };
    const long = `vendor/${'m'.repeat(193)}`;
    const plan = buildPlan({
      scenarios: [scenario],
      cells: [
        { model: 'vendor/model-x', effort: 'high' },
        { model: 'vendor:model-x', effort: 'high' },
        { model: long, effort: 'high' },
        { model: `${long}2`, effort: 'high' },
        { model: 'claude-opus-4-7', effort: 'high' },
      ],
      repeats: 3,
      concurrency: 4,
      maxRetries: 3,
      provider: 'anthropic',
      baseUrl: null,
      axis: null,
    });
    const ids = plan.conversations.map((c) => c.id);
    const files = ids.map((id) => safeName(id));
    expect(new Set(ids).size).toBe(15);
    expect(new Set(files).size).toBe(15);
    for (const f of files) expect(f.length).toBeLessThanOrEqual(120);
    // The pair that cleans to one name is told apart by a hash of each model as written...
    const x = plan.conversations.filter((c) => c.model.endsWith('model-x') && c.repeat === 1).map((c) => c.id);
    expect(x[0]).toMatch(/^s1__vendor_model-x-[0-9a-f]{6}__high__r1$/);
    expect(x[1]).toMatch(/^s1__vendor_model-x-[0-9a-f]{6}__high__r1$/);
    expect(x[0]).not.toBe(x[1]);
    // ...and a name with nothing to clash with keeps the id it always had.
    expect(ids).toContain('s1__claude-opus-4-7__high__r1');
    // A name cut at 120 characters ends in a hash of the whole name.
    expect(safeName(long)).toMatch(/^vendor_m{106}-[0-9a-f]{6}$/);
    expect(safeName(long)).not.toBe(safeName(`${long}2`));
  });

  it('orders conversations by scenario, cell and repeat', () => {
    const scenario = (id: string) => ({ file: `${id}.yaml`, hash: 'a'.repeat(64), bytes: new Uint8Array(), scenario: { id } as never });
    const plan = buildPlan({
      scenarios: [scenario('s1'), scenario('s2')],
      cells: [{ model: 'm', effort: 'high' }],
      repeats: 2,
      concurrency: 4,
      maxRetries: 3,
      provider: 'anthropic',
      baseUrl: 'http://127.0.0.1:9999',
      axis: null,
    });
    expect(plan.conversations.map((c) => c.id)).toEqual(['s1__m__high__r1', 's1__m__high__r2', 's2__m__high__r1', 's2__m__high__r2']);
    expect(plan.base_url_host).toBe('127.0.0.1:9999');
  });

  it('never writes credentials of a base URL down', () => {
    expect(publicBaseUrl('https://user:secret@example.com/api?key=sk-123#x')).toBe('https://example.com/api');
  });
});
