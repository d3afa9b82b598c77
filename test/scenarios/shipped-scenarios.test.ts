import { describe, expect, it } from 'vitest';
import { validateSuite } from '../../engine/scenario/scenario-files.js';
import { citationWindow, cueRegExp, isGenerated, probesForStep, trapSteps, type LoadedScenario } from '../../engine/scenario/scenario.js';
import { probeStep } from '../../engine/score/probes.js';
import { VALIDATE_CAP } from '../../engine/scenario/template.js';
import { repoRoot, runBin } from '../helpers/cli.js';

// Every instance of every template, as validate checks them.
const suite = await validateSuite(['scenarios'], { cwd: repoRoot, instances: { cap: VALIDATE_CAP } });
const loaded: LoadedScenario[] = suite.verdicts.flatMap((v) => v.scenarios ?? []);

describe('the shipped scenarios', () => {
  it('all validate against the schema and the semantic checks', () => {
    const problems = [...suite.verdicts.flatMap((v) => v.problems), ...suite.problems];
    expect(problems).toEqual([]);
    expect(loaded.length).toBeGreaterThanOrEqual(8);
  });

  it('cover the original benchmark tasks T1-T5 and the long-conversation categories', () => {
    expect([...new Set(loaded.map((l) => l.scenario.task).filter(Boolean))].sort()).toEqual(['T1', 'T2', 'T3', 'T4', 'T5']);
    const categories = new Set(loaded.map((l) => l.scenario.category));
    for (const c of ['persona', 'instruction-retention', 'document-consistency']) expect(categories).toContain(c);
    const persona = loaded.find((l) => l.scenario.category === 'persona')!.scenario;
    expect(persona.steps.length).toBeGreaterThanOrEqual(10);
    for (const st of persona.steps) expect(probesForStep(persona, st.step).length).toBeGreaterThanOrEqual(3);
  });

  it('start with the schema comment so editors validate them as they are typed', async () => {
    const { readFile } = await import('node:fs/promises');
    for (const l of loaded) {
      const text = await readFile(`${repoRoot}/${l.file}`, 'utf8'); // the template's file, for an instance
      expect(text.split('\n')[0]).toBe('# yaml-language-server: $schema=../schemas/scenario.schema.json');
    }
  });

  describe.each(loaded.map((l) => [l.scenario.id, l] as const))('%s', (_id, { scenario: s }) => {
    it('has a pass and a fail reply for every generated step', () => {
      for (const st of s.steps.filter((x) => isGenerated(s, x))) {
        expect(s.fixtures!.pass[String(st.step)], `pass ${st.step}`).toBeTruthy();
        expect(s.fixtures!.fail[String(st.step)], `fail ${st.step}`).toBeTruthy();
      }
    });

    it('pass replies satisfy every probe of their step', () => {
      for (const st of s.steps) {
        const reply = s.fixtures!.pass[String(st.step)];
        if (reply === undefined) continue;
        const failed = probeStep(s, st.step, reply).filter((r) => !r.passed);
        expect(failed, `step ${st.step}`).toEqual([]);
      }
    });

    it('fail replies break a probe on a judged step, when the judged steps have probes', () => {
      const probed = s.judge.steps.filter((k) => probesForStep(s, k).length > 0);
      if (probed.length === 0) return;
      const broken = probed.flatMap((k) => probeStep(s, k, s.fixtures!.fail[String(k)]!).filter((r) => !r.passed));
      expect(broken.length).toBeGreaterThan(0);
    });

    it('trap cues tell the pass reply from the fail reply', () => {
      for (const st of trapSteps(s)) {
        const cues = st.trap!.cues;
        const [pass, fail] = [s.fixtures!.pass[String(st.step)]!, s.fixtures!.fail[String(st.step)]!];
        const any = (list: string[], text: string) => list.some((c) => cueRegExp(c).test(text));
        expect(any(cues.reject, pass), 'pass reply rejects the trap').toBe(true);
        expect(any(cues.accept, pass), 'pass reply does not accept the trap').toBe(false);
        expect(any(cues.accept, fail), 'fail reply accepts the trap').toBe(true);
        expect(any(cues.reject, fail), 'fail reply does not reject the trap').toBe(false);
      }
    });
  });

  // Citing is natural for a constraint argued about (a lock budget, a thesis), not for a style
  // rule such as a word limit, so persona and instruction scenarios are not held to it.
  const argued = loaded.filter((l) => ['memory-trap', 'multi-constraint', 'document-consistency'].includes(l.scenario.category));
  it.each(argued.map((l) => [l.scenario.id, l] as const))('%s: pass replies cite every step-1 constraint inside the citation window', (_id, { scenario: s }) => {
    const w = citationWindow(s);
    const text = Object.entries(s.fixtures!.pass)
      .filter(([k]) => Number(k) >= w.from && Number(k) <= w.to)
      .map(([, v]) => v)
      .join('\n');
    for (const c of s.constraints.filter((c) => c.established_in === 1)) {
      expect(
        c.cues.some((cue) => cueRegExp(cue).test(text)),
        `cites ${c.id}`,
      ).toBe(true);
    }
  });
});

describe('the shipped suite, as CI checks it (issue 16)', () => {
  it('has at least 24 families and 100 distinct instances, and validate passes on every one', async () => {
    const r = await runBin(['validate', 'scenarios']);
    expect(r.code).toBe(0);
    const m = /(\d+) scenario files valid \((\d+) templates? with (\d+) instances in all\)/.exec(r.stdout);
    expect(m, r.stdout.slice(-300)).not.toBeNull();
    expect(Number(m![1])).toBeGreaterThanOrEqual(24);
    expect(Number(m![3])).toBeGreaterThanOrEqual(100);
    expect(new Set(loaded.map((l) => l.scenario.family ?? l.scenario.id)).size).toBeGreaterThanOrEqual(24);
    // Distinct: no two instances are the same scenario under another id.
    const bodies = loaded.map(({ scenario: { id: _id, instance: _instance, ...rest } }) => JSON.stringify(rest));
    expect(new Set(bodies).size).toBe(loaded.length);
  });

  it('calibrate flags no family: the heuristic judge reads every instance pass fixture as NO and fail fixture as YES', async () => {
    const r = await runBin(['calibrate', 'scenarios', '--judge', 'heuristic']);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain('FLAGGED');
    expect(r.stdout).toContain(`accuracy 1.00, Cohen's kappa 1.00 over ${loaded.length * 2} fixtures`);
  });
});
