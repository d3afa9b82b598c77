import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot, runBin, STACK_LINE } from '../helpers/cli.js';

const dir = 'test/fixtures/broken-scenarios';
const expected = JSON.parse(readFileSync(join(repoRoot, dir, 'expected.json'), 'utf8')) as Record<string, { line: number; col: number; says: string }>;

describe('driftbench validate on the broken-scenario corpus', () => {
  it('has an expectation for every broken file, and at least 20 of them', () => {
    const files = readdirSync(join(repoRoot, dir))
      .filter((f) => f.endsWith('.yaml'))
      .sort();
    expect(files).toEqual(Object.keys(expected).sort());
    expect(files.length).toBeGreaterThanOrEqual(20);
  });

  it.each(Object.entries(expected))('%s: points at the problem and says what to fix', async (file, want) => {
    const path = `${dir}/${file}`;
    const r = await runBin(['validate', path]);
    // On failure, say how the child ended: a signal or a crash's stack, not only "got 1".
    expect({ code: r.code, signal: r.signal, error: r.error }, r.stderr).toEqual({ code: 2, signal: null, error: undefined });
    expect(r.stdout).not.toContain(': ok:');
    expect(r.stderr).not.toMatch(STACK_LINE);
    const first = r.stderr.split('\n')[0]!;
    expect(first.startsWith(`${path}:${want.line}:${want.col}: `), first).toBe(true);
    expect(first).toContain(want.says);
  });

  it('reports every broken file in one run of the whole folder', async () => {
    const r = await runBin(['validate', dir]);
    expect(r.code, r.stderr).toBe(2);
    for (const [file, want] of Object.entries(expected)) {
      expect(r.stderr).toContain(`${dir}/${file}:${want.line}:${want.col}: `);
    }
  });

  it('reports every problem in a file at once, in line order', async () => {
    const file = 'test/fixtures/several-problems/several-problems.yaml';
    const r = await runBin(['validate', file]);
    expect(r.code, r.stderr).toBe(2);
    const lines = r.stderr
      .trim()
      .split('\n')
      .filter((l) => l.startsWith(file));
    expect(lines.map((l) => l.split(':').slice(1, 3).join(':'))).toEqual(['19:12', '26:21', '41:11']);
  });

  it('reports a gap in the step numbers once, not again for every reference to a later step', async () => {
    // step-gap.yaml numbers its steps 1, 2, 4; its judge and fixtures refer to step 3.
    const r = await runBin(['validate', `${dir}/step-gap.yaml`]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual([
      `${dir}/step-gap.yaml:28:11: steps must be numbered 1, 2, 3... in order without gaps: expected 3 here, got 4; renumber this step (at /steps/2/step)`,
      '1 problem in 1 path',
    ]);
  });

  it('ends with the count of problems, not "nothing was changed"', async () => {
    const r = await runBin(['validate', dir]);
    const last = r.stderr.trim().split('\n').at(-1);
    expect(last).toMatch(new RegExp(`^\\d+ problems in ${Object.keys(expected).length} paths$`));
  });

  it('validates the annotated example in the README as printed', async () => {
    const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('\n## The scenario format'));
    const example = /^```yaml\n([\s\S]*?)^```$/m.exec(section)?.[1];
    expect(example, 'no ```yaml block under "The scenario format"').toBeDefined();
    const folder = await mkdtemp(join(tmpdir(), 'driftbench-readme-'));
    const file = join(folder, 'readme-example.yaml');
    await writeFile(file, example!);
    const r = await runBin(['validate', file]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`${file}: ok: t1-cascading-migration, 5 steps`);
  });

  it('rejects duplicate scenario ids across files, naming the first use', async () => {
    const r = await runBin(['validate', 'test/fixtures/duplicate-ids']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stdout).toContain('test/fixtures/duplicate-ids/a.yaml: ok');
    expect(r.stderr).toContain('test/fixtures/duplicate-ids/b.yaml:2:5: scenario id "minimal-lock-budget" is already used by test/fixtures/duplicate-ids/a.yaml:2:5');
  });

  it('says so when a folder holds no scenarios or a path does not exist', async () => {
    const r = await runBin(['validate', 'test/fixtures/empty-folder', 'no/such/dir']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('test/fixtures/empty-folder:1:1: folder holds no scenario files');
    expect(r.stderr).toContain('no/such/dir:1:1: no such file or folder');
    expect(r.stderr).not.toMatch(STACK_LINE);
  });
});
