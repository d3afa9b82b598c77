import { readdirSync, readFileSync } from 'node:fs';
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
    const r = await runBin(['validate', `${dir}/step-gap.yaml`]);
    const lines = r.stderr
      .trim()
      .split('\n')
      .filter((l) => l.startsWith(dir));
    expect(lines.length).toBeGreaterThanOrEqual(3);
    const positions = lines.map((l) => Number(l.split(':')[1]));
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
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
