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
