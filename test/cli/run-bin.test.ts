import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBin } from '../helpers/cli.js';

// The helper every CLI test trusts with exit codes: a child that did not exit by itself must
// never look like one that exited 1 (issue 12).
let dir: string;
const script = (name: string) => join(dir, name);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'driftbench-run-bin-'));
  await writeFile(script('exit-3.mjs'), 'process.stdout.write("out\\n"); process.stderr.write("err\\n"); process.exitCode = 3;\n');
  // Writes synchronously first, so the output before the kill is known to have been sent.
  await writeFile(script('killed.mjs'), 'import { writeSync } from "node:fs"; writeSync(2, "about to be killed\\n"); process.kill(process.pid, process.argv[2]);\n');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('runBin', () => {
  it('reports the exit code the child chose, with both streams', async () => {
    const r = await runBin([], { bin: script('exit-3.mjs') });
    expect(r).toEqual({ code: 3, signal: null, stdout: 'out\n', stderr: 'err\n' });
  });

  it.each(['SIGKILL', 'SIGTERM'] as const)('reports a child killed by %s as killed, with no exit code', async (signal) => {
    const r = await runBin([signal], { bin: script('killed.mjs') });
    expect(r).toEqual({ code: null, signal, stdout: '', stderr: 'about to be killed\n' });
  });

  it('reports a child that could not be started as a spawn error, with no exit code', async () => {
    const r = await runBin(['--version'], { cwd: join(dir, 'no-such-folder') });
    expect(r.code).toBeNull();
    expect(r.signal).toBeNull();
    expect(r.error).toMatchObject({ code: 'ENOENT', syscall: expect.stringMatching(/^spawn /) });
  });
});
