import { describe, expect, it } from 'vitest';
import { detectLanguage, evaluateProbe, parsesAsJson, sentences, words } from './probes.js';

describe('probes', () => {
  it('counts words and sentences the way a reader would', () => {
    expect(words('Hola, ¿qué tal? — bien.')).toEqual(['Hola,', '¿qué', 'tal?', 'bien.']);
    expect(sentences('One. Two! Three? Four')).toHaveLength(4);
    expect(sentences('Version 1.2 is out. Upgrade now.')).toHaveLength(2);
  });

  it('tells Spanish from English by stop words', () => {
    expect(detectLanguage('Claro, puedes usar aceite de oliva en lugar de mantequilla para la receta.').language).toBe('es');
    expect(detectLanguage('Sure, you can use olive oil instead of butter in the recipe.').language).toBe('en');
    expect(detectLanguage('12345 !!!').language).toBeUndefined();
  });

  it('accepts bare or fenced JSON and rejects prose', () => {
    expect(parsesAsJson(' {"a": 1} ')).toBe(true);
    expect(parsesAsJson('```json\n{"a": [1, 2]}\n```')).toBe(true);
    expect(parsesAsJson('Here is the JSON: {"a": 1}')).toBe(false);
  });

  it('reports why a probe failed', () => {
    const r = evaluateProbe({ constraint: 'short', kind: 'words', max: 3 }, 'one two three four');
    expect(r).toMatchObject({ passed: false, detail: '4 words, allowed 0-3' });
    const n = evaluateProbe({ constraint: 'no-codename', kind: 'regex', pattern: 'falcon', flags: 'i', expect: 'no-match' }, 'Project FALCON shipped');
    expect(n.passed).toBe(false);
    expect(evaluateProbe({ constraint: 'lang', kind: 'language', language: 'es' }, 'This is English text for the test.').detail).toMatch(/reads as en/);
  });
});
