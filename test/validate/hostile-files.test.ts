import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runBin, STACK_LINE } from '../helpers/cli.js';
import { tempDir, THREE_STEPS } from '../helpers/replay.js';
import { repoRoot } from '../helpers/cli.js';

/** The three-step scenario with its first constraint's cue replaced by `cue` (single-quoted YAML). */
async function withCue(cue: string): Promise<string> {
  const text = await readFile(join(repoRoot, THREE_STEPS), 'utf8');
  return text.replace("cues: ['200\\s*ms']", `cues: ['${cue}']`);
}

describe('validate refuses hostile files with a reason, never a crash, a hang or a silent skip', () => {
  it('a FIFO, or a symlink to /dev/zero, given as a path: refused by kind, exit 2', async () => {
    const dir = await tempDir();
    execFileSync('mkfifo', [join(dir, 'pipe.yaml')]);
    await symlink('/dev/zero', join(dir, 'zero.yaml'));
    const r = await runBin(['validate', 'pipe.yaml', 'zero.yaml'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).not.toMatch(STACK_LINE);
    expect(r.stdout + r.stderr).toContain('pipe.yaml:1:1: a FIFO (named pipe), not a scenario file or folder; give a .yaml file or a folder of them');
    expect(r.stdout + r.stderr).toContain('zero.yaml:1:1: a device, not a scenario file or folder');
  });

  it('symlinks inside a folder: a link to a scenario is followed, every other link or special file named', async () => {
    const dir = await tempDir();
    await mkdir(join(dir, 's'));
    await symlink(join(repoRoot, THREE_STEPS), join(dir, 's', 'linked.yaml'));
    await symlink('/dev/zero', join(dir, 's', 'zero.yaml'));
    await symlink(join(dir, 'gone.yaml'), join(dir, 's', 'dangling.yaml'));
    execFileSync('mkfifo', [join(dir, 's', 'pipe.yaml')]);
    const r = await runBin(['validate', 's'], { cwd: dir });
    const all = r.stdout + r.stderr;
    expect(all).toContain('s/linked.yaml: ok: minimal-lock-budget');
    expect(all).toContain('s/zero.yaml:1:1: a symlink to a device, not a scenario file; remove it from the folder');
    expect(all).toContain('s/dangling.yaml:1:1: a symlink to nothing (its target is gone)');
    expect(all).toContain('s/pipe.yaml:1:1: a FIFO (named pipe), not a scenario file');
    expect(r.code).toBe(2);
  });

  it('a regex that backtracks catastrophically is refused at its line and column', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'redos.yaml'), await withCue('(x+x+)+y'));
    const r = await runBin(['validate', 'redos.yaml'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stdout + r.stderr).toMatch(
      /^redos\.yaml:13:12: this regular expression can take exponential time on a reply that almost matches: \(x\+x\+\) repeats something that already repeats/m,
    );
    // Alternatives that can take the same characters, repeated: as slow, and refused too.
    await writeFile(join(dir, 'overlap.yaml'), await withCue('(\\w|\\d)+!'));
    const overlap = await runBin(['validate', 'overlap.yaml'], { cwd: dir });
    expect(overlap.code).toBe(2);
    expect(overlap.stdout + overlap.stderr).toMatch(
      /^overlap\.yaml:13:12: this regular expression can take exponential time .*two of its alternatives can start with the same character/m,
    );
  });

  it('nesting 100,000 levels deep: a clear message, not "Maximum call stack size exceeded"', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'deep.yaml'), `id: ${'['.repeat(100_000)}${']'.repeat(100_000)}\n`);
    const r = await runBin(['validate', 'deep.yaml'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stdout + r.stderr).not.toContain('Maximum call stack');
    expect(r.stdout + r.stderr).toMatch(/^deep\.yaml:\d+:\d+: the document is nested too deeply to read/m);
  });

  it('a 10,000-step scenario is refused by the step limit (500)', async () => {
    const dir = await tempDir();
    const text = await readFile(join(repoRoot, THREE_STEPS), 'utf8');
    const extra = Array.from({ length: 9_997 }, (_, i) => `  - step: ${i + 4}\n    prompt: Step ${i + 4}.\n`).join('');
    await writeFile(join(dir, 'long.yaml'), text.replace('judge:\n', `${extra}judge:\n`));
    const r = await runBin(['validate', 'long.yaml'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stdout + r.stderr).toMatch(/^long\.yaml:20:3: a scenario has at most 500 steps \(this one has 10000\)/m);
  });
});
