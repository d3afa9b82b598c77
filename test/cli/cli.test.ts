import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/replay.js';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bare, repoRoot, runBin, runBinIntoHead, STACK_LINE, tableRows } from '../helpers/cli.js';

describe('the driftbench binary', () => {
  it('prints help with every command and exits 0', async () => {
    const r = await runBin(['--help']);
    expect(r.code).toBe(0);
    for (const c of ['validate', 'list']) expect(r.stdout).toMatch(new RegExp(`^\\s+${c}\\b`, 'm'));
  });

  it('exits 2 on an unknown option or command, without a stack trace', async () => {
    const a = await runBin(['validate', '--frobnicate']);
    expect(a.code).toBe(2);
    expect(a.stderr).toContain("unknown option '--frobnicate'");
    const b = await runBin(['frobnicate']);
    expect(b.code).toBe(2);
    expect(b.stderr + a.stderr).not.toMatch(STACK_LINE);
  });

  it('validates the shipped suite by default and prints a line per file', async () => {
    const r = await runBin(['validate']);
    expect(r.code).toBe(0);
    const ok = r.stdout.split('\n').filter((l) => l.includes(': ok: '));
    expect(ok.length).toBeGreaterThanOrEqual(8);
    expect(r.stdout).toMatch(/\d+ scenario files valid/);
  });

  it('lists the suite as a table with id, title, category, steps, constraints and trap step', async () => {
    const r = await runBin(['list']);
    expect(r.code).toBe(0);
    // Read whole: at 80 columns the cells wrap (test/cli/table-width.test.ts).
    const rows = tableRows(r.stdout);
    // Headings may break anywhere to leave room for the data: compared without their spaces.
    expect(rows[0]!.map(bare)).toEqual(['id', 'task', 'title', 'instances', 'category', 'steps', 'constraints', 'trapstep']);
    // One row per family: a template's title is its first instance's.
    expect(rows).toContainEqual(['t1-cascading-migration', 'T1', 'Cascading schema migration under a 200 ms lock budget', '12', 'memory-trap', '5', '1', '5']);
    expect(rows.find((row) => row[0] === 'persona-spanish-tutor')?.slice(3)).toEqual(['8', 'persona', '13', '3', '9']);
  });

  it('writes JSON log lines with --log-format json, at the level asked for', async () => {
    const r = await runBin(['--log-format', 'json', '--log-level', 'debug', 'validate']);
    expect(r.code).toBe(0);
    const line = JSON.parse(r.stderr.trim().split('\n')[0]!) as { level: number; msg: string; paths: string[] };
    expect(line).toMatchObject({ level: 20, msg: 'validate', paths: ['scenarios'] });
    const quiet = await runBin(['--log-format', 'json', '--log-level', 'info', 'validate']);
    expect(quiet.stderr).toBe('');
  });

  it('runs through npx as the package bin', async () => {
    const { stdout } = await promisify(execFile)('npx', ['--no-install', 'driftbench', '--version'], { cwd: repoRoot });
    expect(stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});

describe('a reader that closes the pipe (driftbench list | head -1)', () => {
  /** A suite big enough that list and validate print well over a pipe's 64 KiB buffer. */
  async function bigSuite(): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'driftbench-suite-'));
    const yaml = await readFile(join(repoRoot, 'test/fixtures/replay/three-steps.yaml'), 'utf8');
    const copy = yaml.replace('$schema=../../../schemas/', `$schema=${join(repoRoot, 'schemas')}/`);
    for (let i = 0; i < 500; i++) await writeFile(join(dir, `s${i}.yaml`), copy.replace(/^id: .*$/m, `id: scenario-number-${i}`).replace(/^task: .*$/m, `task: M${i}`));
    return dir;
  }

  it('ends list and validate quietly: the first line arrives, no EPIPE, no stack trace, exit 0, promptly', async () => {
    const suite = await bigSuite();
    const full = await runBin(['list', suite]);
    expect(full.code).toBe(0);
    expect(full.stdout.length).toBeGreaterThan(96 * 1024); // the child is still writing when the reader leaves
    for (const args of [
      ['list', suite],
      ['validate', suite],
    ]) {
      const r = await runBinIntoHead(args);
      expect(r.first.split('\n')).toHaveLength(2); // one line and its newline
      expect(r.stderr).not.toContain('EPIPE');
      expect(r.stderr).not.toMatch(STACK_LINE);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.ms).toBeLessThan(30_000);
    }
  }, 120_000);
});

describe('generated types', () => {
  it('match the schemas (run npm run gen:types after changing a schema)', async () => {
    const r = await promisify(execFile)(process.execPath, ['scripts/gen-types.mjs', '--check'], { cwd: repoRoot }).then(
      () => 0,
      (e: { code: number; stderr: string }) => {
        console.error(e.stderr);
        return e.code;
      },
    );
    expect(r).toBe(0);
  });

  it('gives the same clear line for a run directory that is not there, in every command that reads one', async () => {
    const gone = join(await tempDir(), 'no-such-run');
    for (const args of [
      ['report', gone],
      ['run', '--resume', gone],
      ['plan', gone, '--difference', '0.2'],
    ]) {
      const r = await runBin(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toContain(`${gone}: no such run directory; give a directory driftbench run wrote, e.g. transcripts/<run>`);
      expect(r.stderr).not.toMatch(STACK_LINE);
    }
    const r = await runBin(['score', gone, '--judge', 'heuristic']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${gone}: no such run directory or transcript file`);
  });
});
