import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { Scenario } from '../../engine/scenario/scenario.js';
import type { Report } from '../../engine/schemas/report.generated.js';
import type { Scores } from '../../engine/schemas/scores.generated.js';
import { runBin, STACK_LINE } from '../helpers/cli.js';
import { readTranscripts, tempDir } from '../helpers/replay.js';

/**
 * Scenario templates end to end (issue 16): a template validates, expands to distinct instances,
 * runs in the rehearsal, is scored, and is reported grouped by family, with families as the
 * clusters when a run mixes them. Real binary, fixture folders.
 */
const SUITE = 'test/fixtures/templates/suite';
const LOCK = `${SUITE}/lock-budget.yaml`;
const BROKEN = 'test/fixtures/templates/broken';

describe('driftbench validate on templates', () => {
  it('checks every instance and counts them', async () => {
    const r = await runBin(['validate', SUITE]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`${LOCK}: ok: template tmpl-lock-budget, 6 instances, 3 steps`);
    expect(r.stdout).toContain('2 scenario files valid (2 templates with 12 instances in all)');
  });

  it.each([
    [
      'undefined-variable.yaml',
      [':45:18: {{table.row}}: records of "table" have no field "row"; did you mean "rows"?', ':45:48: {{hours}} uses the variable "hours", which is not declared'],
    ],
    ['invalid-instance.yaml', [':23:12: in 3 instances, the first budget_ms=100, table={name: audit_log, rows: 2.3 billion (}: not a valid regular expression']],
    [
      'duplicate-instances.yaml',
      [
        ':13:7: the instances budget_ms=100, table={name: events, rows: 800 million, owner: billing} and budget_ms=100, table={name: events, rows: 800 million, owner: payments} come out identical',
        '(3 pairs of instances are identical; this is the first)',
      ],
    ],
    ['unused-variable.yaml', [':11:11: variable "unused" is never used']],
    ['unquoted-reference.yaml', [':21:16: a value that starts with a template reference must be quoted']],
    ['value-with-reference.yaml', [':13:7: a value of "table" contains {{, but values are not filled in themselves']],
  ])('%s: exit 2 with file:line:col, what is wrong and what to do', async (file, expected) => {
    const r = await runBin(['validate', `${BROKEN}/${file}`]);
    expect(r.code).toBe(2);
    expect(r.stderr).not.toMatch(STACK_LINE);
    for (const e of expected) expect(r.stderr).toContain(e.startsWith(':') ? `${BROKEN}/${file}${e}` : e);
  });
});

describe('driftbench expand', () => {
  it('writes N distinct instances, named by deterministic ids, each a plain scenario that validates', async () => {
    const out = await tempDir();
    const r = await runBin(['expand', LOCK, '--instances', '4', '--seed', '2', '--out', out]);
    expect(r.code).toBe(0);
    const files = (await readdir(out)).sort();
    expect(files).toHaveLength(4);
    for (const f of files) expect(f).toMatch(/^tmpl-lock-budget--[0-9a-f]{6}\.yaml$/);
    expect(r.stdout).toContain('4 instances of tmpl-lock-budget written (4 of 6 combinations, seed 2)');
    const texts = await Promise.all(files.map((f) => readFile(join(out, f), 'utf8')));
    expect(new Set(texts).size).toBe(4);
    for (const t of texts) {
      expect(t).not.toContain('{{');
      expect(t).toContain('template: tmpl-lock-budget');
      // A field that is one reference takes the value's type: the words probe's max is a number.
      const s = parse(t) as Scenario;
      expect(s.steps[1]!.probes![0]).toMatchObject({ kind: 'words', max: (s.instance!.values as { budget_ms: number }).budget_ms });
    }
    const v = await runBin(['validate', out]);
    expect(v.code).toBe(0);
    expect(v.stdout).toContain('4 scenario files valid');
    // The same seed gives the same files; another seed, others.
    const again = await tempDir();
    await runBin(['expand', LOCK, '--instances', '4', '--seed', '2', '--out', again]);
    expect((await readdir(again)).sort()).toEqual(files);
    const other = await tempDir();
    await runBin(['expand', LOCK, '--instances', '4', '--seed', '3', '--out', other]);
    expect((await readdir(other)).sort()).not.toEqual(files);
  });

  it('refuses a plain scenario and more instances than there are combinations', async () => {
    const plain = await runBin(['expand', 'test/fixtures/replay/three-steps.yaml']);
    expect(plain.code).toBe(2);
    expect(plain.stderr).toContain('not a template (it declares no variables)');
    const many = await runBin(['expand', LOCK, '--instances', '7', '--out', await tempDir()]);
    expect(many.code).toBe(2);
    expect(many.stderr).toContain('template "tmpl-lock-budget" has 6 combination(s); ask for at most that many instances');
  });
});

describe('a run of templates: rehearsal, score, report by family', () => {
  it('records the template and values in each transcript, and the report groups and clusters by family', async () => {
    const out = await tempDir();
    const run = await runBin(['run', SUITE, '--provider', 'rehearsal', '--effort', 'high', '--repeats', '1', '--instances', '3', '--out', out, '--run-name', 'r'], { env: {} });
    expect(run.code).toBe(0);
    const dir = join(out, 'r');
    const transcripts = await readTranscripts(dir);
    // 2 templates x 3 instances x 2 rehearsal models.
    expect(transcripts).toHaveLength(12);
    const instances = new Set(transcripts.map((t) => t.scenario.id));
    expect(instances.size).toBe(6);
    for (const t of transcripts) {
      expect(t.scenario.family).toMatch(/^tmpl-(lock|retry)-budget$/);
      expect(t.scenario.instance?.template).toBe(t.scenario.family);
      expect(Object.keys(t.scenario.instance!.values).sort()).toEqual(['budget_ms', 'table']);
      // What was sent is the instance: the values, never a {{reference}}.
      const text = t.turns.map((turn) => turn.user).join('\n');
      expect(text).not.toContain('{{');
      expect(t.turns[0]!.user).toContain(`${(t.scenario.instance!.values as { budget_ms: number }).budget_ms} ms`);
    }

    expect((await runBin(['score', dir, '--judge', 'heuristic'])).code).toBe(0);
    const scores = JSON.parse(await readFile(join(dir, 'scores', 'heuristic.json'), 'utf8')) as Scores;
    expect(new Set(scores.conversations.map((c) => c.family))).toEqual(new Set(['tmpl-lock-budget', 'tmpl-retry-budget']));

    const r = await runBin(['report', dir, '--format', 'json']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as Report;
    expect(report.summary.by_family?.map((g) => g.group)).toEqual(['tmpl-lock-budget', 'tmpl-retry-budget']);
    // Within a family its 3 instances are the clusters; across the report, the 2 families are.
    expect(report.summary.by_family?.[0]?.mem_fail.S).toBe(3);
    expect(report.summary.overall.mem_fail.S).toBe(2);
    expect(report.methods.cluster).toContain('each family (a template and its instances) is one cluster');
    const c = report.comparisons.find((x) => x.axis === 'model')!;
    expect(c.S).toBe(2);

    const table = await runBin(['report', dir]);
    expect(table.stdout).toContain('Summary by family');
    const html = await runBin(['report', dir, '--format', 'html', '--out', join(dir, 'r.html')]);
    expect(html.code).toBe(0);
    const page = await readFile(join(dir, 'r.html'), 'utf8');
    expect(page).toContain('<h3>By family</h3>');
    for (const f of ['tmpl-lock-budget', 'tmpl-retry-budget']) expect(page).toContain(f);
  });

  it('with one template, the instances are the clusters and the report says what that cannot support', async () => {
    const out = await tempDir();
    expect((await runBin(['run', LOCK, '--provider', 'rehearsal', '--effort', 'high', '--repeats', '1', '--out', out, '--run-name', 'r'], { env: {} })).code).toBe(0);
    const dir = join(out, 'r');
    expect((await runBin(['score', dir, '--judge', 'heuristic'])).code).toBe(0);
    const report = JSON.parse((await runBin(['report', dir, '--format', 'json'])).stdout) as Report;
    expect(report.summary.overall.mem_fail.S).toBe(6);
    expect(report.methods.cluster).toContain('every scenario here is an instance of the template "tmpl-lock-budget"');
  });

  it('--task takes a family: every instance of the template', async () => {
    const out = await tempDir();
    const r = await runBin(['run', SUITE, '--task', 'tmpl-retry-budget', '--provider', 'rehearsal', '--effort', 'high', '--repeats', '1', '--out', out, '--run-name', 'r'], {
      env: {},
    });
    expect(r.code).toBe(0);
    const ts = await readTranscripts(join(out, 'r'));
    expect(new Set(ts.map((t) => t.scenario.family))).toEqual(new Set(['tmpl-retry-budget']));
    expect(new Set(ts.map((t) => t.scenario.id)).size).toBe(6);
  });
});

describe('driftbench plan --scenarios', () => {
  it('counts the families as the clusters and says which instances and repeats a difference needs, or that none can', async () => {
    const small = await runBin(['plan', '--difference', '0.2', '--scenarios', SUITE]);
    expect(small.code).toBe(0);
    expect(small.stdout).toContain(`the suite (${SUITE}): 2 families, 12 instances; a run that mixes families treats each family as one cluster, so S = 2 at most`);
    // Two families cannot support any test at alpha 0.05: the planner says so rather than print a number.
    expect(small.stdout).toMatch(/not enough: no mix of instances and repeats reaches 80% with 2 families/);

    const shipped = await runBin(['plan', '--difference', '0.3', '--baseline', '0.2', '--scenarios', 'scenarios']);
    expect(shipped.code).toBe(0);
    const powers = [...shipped.stdout.matchAll(/(\d+) instance\(s\) per family x (\d+) repeat\(s\): (\d+) conversations per cell, power about ([\d.]+)%/g)].map((m) => ({
      k: Number(m[1]),
      r: Number(m[2]),
      power: Number(m[4]),
    }));
    expect(powers.length).toBeGreaterThanOrEqual(6);
    // More instances or more repeats never lower the power.
    for (const a of powers) for (const b of powers) if (b.k >= a.k && b.r >= a.r) expect(b.power).toBeGreaterThanOrEqual(a.power);
    expect(shipped.stdout).toMatch(/enough: \d+ instance\(s\) per family \(run --instances \d+\) and --repeats \d+|not enough: .* the smallest difference it detects is about/);
  });
});
