import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { textWidth } from '../../engine/report/table.js';
import { runBin, tableRows } from '../helpers/cli.js';
import { tempDir } from '../helpers/replay.js';

// Issue 15, point 10: tables fit an 80-column terminal (or $COLUMNS), wrapping their cells.
const at80 = { env: { COLUMNS: '80' } };
const BOX = /^[┌│├└]/;

/** The lines of every table in some output. */
const tableLines = (stdout: string) => stdout.split('\n').filter((l) => BOX.test(l));

function expectFits(stdout: string, width: number, what: string) {
  const lines = tableLines(stdout);
  expect(lines.length, `${what} prints a table`).toBeGreaterThan(0);
  for (const l of lines) expect(textWidth(l), `${what}: ${l}`).toBeLessThanOrEqual(width);
}

describe('tables at 80 columns, from the real binary', () => {
  let out: string;
  let runA: string;
  let runB: string;

  beforeAll(async () => {
    out = await tempDir();
    for (const name of ['a', 'b']) {
      const r = await runBin(['run', '--provider', 'rehearsal', '--task', 'T1,T2', '--repeats', '1', '--out', out, '--run-name', name], at80);
      expect(r.code, r.stderr).toBe(0);
      const s = await runBin(['score', join(out, name), '--judge', 'heuristic'], at80);
      expect(s.code, s.stderr).toBe(0);
    }
    [runA, runB] = [join(out, 'a'), join(out, 'b')];
  }, 120_000);

  it('list: the whole output fits, every title word whole', async () => {
    const r = await runBin(['list'], at80);
    expect(r.code).toBe(0);
    expectFits(r.stdout, 80, 'list');
    for (const l of r.stdout.split('\n')) expect(textWidth(l), l).toBeLessThanOrEqual(80);
    expect(r.stdout).toMatch(/│ t1-[\w-]* +│ T1 +│ Cascading/);
    for (const word of ['Cascading', 'migration', 'SQLAlchemy']) expect(r.stdout).toContain(word);
    expect(tableRows(r.stdout).map((row) => row[4])).toEqual(expect.arrayContaining(['multi-constraint', 'instruction-retention', 'memory-trap']));
  });

  it('models: fits, with every model id whole on one line', async () => {
    const r = await runBin(['models'], at80);
    expect(r.code, r.stderr).toBe(0);
    expectFits(r.stdout, 80, 'models');
    const json = await runBin(['models', '--format', 'json'], at80);
    const ids = (JSON.parse(json.stdout) as { models: Array<{ id: string }> }).models.map((m) => m.id);
    expect(ids.length).toBeGreaterThan(10);
    for (const id of ids) expect(r.stdout, id).toMatch(new RegExp(`│ ${id.replace(/[.]/g, '\\.')} +│`));
  });

  it('run --dry-run: fits, model ids and numbers whole', async () => {
    const r = await runBin(['run', '--provider', 'rehearsal', '--axis', 'opus-5.5-effort', '--dry-run'], at80);
    expect(r.code, r.stderr).toBe(0);
    expectFits(r.stdout, 80, 'run --dry-run');
    expect(r.stdout).toMatch(/│ rehearsal:pass +│ \d+ +│ [\d,]+ in +│ \$\d+\.\d{4} +│ estimate +│\n│ default +│ \d+ turns +│ [\d,]+ out +│ \$\d+\.\d{4} uncached +│ +│/);
  });

  it('report: every table fits', async () => {
    const r = await runBin(['report', runA, runB], at80);
    expect(r.code, r.stderr).toBe(0);
    expectFits(r.stdout, 80, 'report');
    expect(r.stdout).toMatch(/│ rehearsal:fail +│ high +│/);
  });

  it('calibrate (the fixture smoke test) and diff of two runs: every table fits', async () => {
    const c = await runBin(['calibrate', '--judge', 'heuristic'], at80);
    expect(c.code, c.stderr).toBe(0);
    expectFits(c.stdout, 80, 'calibrate');
    const d = await runBin(['diff', runA, runB, '--all'], at80);
    expect(d.code, d.stderr).toBe(0);
    expectFits(d.stdout, 80, 'diff');
  });

  it('the run summary and plan print no line of a table past 80 columns', async () => {
    const p = await runBin(['plan', runA, '--difference', '0.2'], at80);
    expect(p.code, p.stderr).toBe(0);
    for (const l of tableLines(p.stdout)) expect(textWidth(l)).toBeLessThanOrEqual(80);
    const r = await runBin(['run', '--provider', 'rehearsal', '--task', 'T1', '--repeats', '1', '--out', out, '--run-name', 'summary'], at80);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('next: score it offline');
    for (const l of tableLines(r.stdout)) expect(textWidth(l)).toBeLessThanOrEqual(80);
  });

  it('uses $COLUMNS when it is set: wider, and narrower', async () => {
    const wide = await runBin(['list'], { env: { COLUMNS: '200' } });
    expect(Math.max(...tableLines(wide.stdout).map(textWidth))).toBeGreaterThan(80);
    expect(wide.stdout).toMatch(/│ t1-cascading-migration +│ T1 +│ Cascading schema migration under a 200 ms lock budget +│/);
    const narrow = await runBin(['list'], { env: { COLUMNS: '60' } });
    expectFits(narrow.stdout, 60, 'list at 60');
  });

  it('a report written to a file keeps its natural width', async () => {
    const file = join(out, 'report.txt');
    const r = await runBin(['report', runA, '--out', file], at80);
    expect(r.code, r.stderr).toBe(0);
    const { readFile } = await import('node:fs/promises');
    const text = await readFile(file, 'utf8');
    expect(Math.max(...tableLines(text).map(textWidth))).toBeGreaterThan(80);
  });
});
